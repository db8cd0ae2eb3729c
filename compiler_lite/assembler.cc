#include "compiler_lite/assembler.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "bytecode/instruction_set.h"
#include "compiler_lite/expression.h"
#include "compiler_lite/preprocessor.h"

namespace mpvm::compiler_lite {
namespace {

using bytecode::ImmediateRole;
using bytecode::InstructionInfo;
using bytecode::OperandKind;
using bytecode::OperandSpec;

// A place in the preprocessed source: an index into the assembler's lines, which know
// their file, line and macro context, and a 1-based column.
struct Position {
  int line = 0;
  int column = 0;
};

// One operand as written, before it is checked against the table.
struct Token {
  enum class Type { reg, number, name, string } type;
  std::string text;   // as written (for messages)
  char bank = 0;      // reg: 's', 'c' or 'i'
  int64_t value = 0;  // reg index or number
  std::string decoded;  // string: the bytes after escapes
  Position at;
};

struct PendingLabel {
  std::string name;
  Position at;
  std::size_t instruction;  // index of the instruction using it
  std::size_t operand;
};

bool is_name_start(char ch) { return std::isalpha(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'; }
bool is_name_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'; }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion_for(std::string_view mnemonic) {
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only near misses
  for (const InstructionInfo& row : bytecode::kInstructionTable) {
    const std::size_t d = edit_distance(mnemonic, row.mnemonic);
    if (d < best_distance) best_distance = d, best = row.mnemonic;
  }
  return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
}

class Assembler {
 public:
  Assembler(std::vector<SourceLine> lines, const std::string& source) : lines_(std::move(lines)), source_(source) {}

  bytecode::Program run() {
    for (std::size_t index = 0; index < lines_.size(); ++index) parse_line(lines_[index].text, static_cast<int>(index));
    return finish();
  }

 private:
  [[noreturn]] void fail(Position at, const std::string& message) const {
    if (at.line < 0 || static_cast<std::size_t>(at.line) >= lines_.size())
      throw InputError(fmt::format("{}:1:1: {}", source_, message));
    const SourceLine& line = lines_[static_cast<std::size_t>(at.line)];
    throw InputError(fmt::format("{}:{}:{}: {}{}", line.file, line.line, at.column, message, line.context));
  }
  std::string place(Position at) const {
    const SourceLine& line = lines_.at(static_cast<std::size_t>(at.line));
    return fmt::format("{}:{}:{}", line.file, line.line, at.column);
  }

  // ---- lexing one line ----
  struct Cursor {
    std::string_view line;
    std::size_t pos = 0;
    int line_number = 0;
    Position at() const { return {line_number, static_cast<int>(pos) + 1}; }
    bool done() const { return pos >= line.size() || line[pos] == '#'; }
    char peek() const { return pos < line.size() ? line[pos] : '\0'; }
    void skip_space() {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    }
    std::string_view name() {
      const std::size_t first = pos;
      while (pos < line.size() && is_name_char(line[pos])) ++pos;
      return line.substr(first, pos - first);
    }
  };

  void parse_line(std::string_view line, int line_number) {
    Cursor cursor{line, 0, line_number};
    cursor.skip_space();
    if (cursor.done()) return;
    Position word_at = cursor.at();
    if (!is_name_start(cursor.peek())) fail(word_at, fmt::format("expected an instruction or a label, found '{}'", cursor.peek()));
    std::string_view word = cursor.name();

    // `name:` is a label definition, unless `name` is a mnemonic: then `:` starts its
    // vector length (so `muls:-1` is a bad vector length, not a label called muls).
    if (cursor.peek() == ':' && bytecode::find_by_mnemonic(word) == nullptr) {
      ++cursor.pos;
      define_label(std::string(word), word_at);
      cursor.skip_space();
      if (cursor.done()) return;
      word_at = cursor.at();
      if (!is_name_start(cursor.peek())) fail(word_at, fmt::format("expected an instruction after the label, found '{}'", cursor.peek()));
      word = cursor.name();
    }
    if (word.starts_with('.')) return parse_directive(word, word_at, cursor);
    parse_instruction(word, word_at, cursor);
  }

  void define_label(const std::string& name, Position at) {
    if (name.starts_with('.')) fail(at, fmt::format("label '{}' may not start with '.' (reserved for directives)", name));
    if (name.size() >= 2 && (name[0] == 's' || name[0] == 'c' || name[0] == 'i') &&
        std::all_of(name.begin() + 1, name.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      fail(at, fmt::format("label '{}' looks like a register; choose another name", name));
    if (auto [it, inserted] = labels_.emplace(name, LabelDefinition{code_.size(), at}); !inserted)
      fail(at, fmt::format("label '{}' is already defined at {}", name, place(it->second.at)));
  }

  void parse_directive(std::string_view word, Position at, Cursor& cursor) {
    if (word != ".entry") fail(at, fmt::format("unknown directive '{}' (the one directive is .entry LABEL)", word));
    cursor.skip_space();
    const Position name_at = cursor.at();
    if (!is_name_start(cursor.peek())) fail(name_at, ".entry needs a label name");
    if (entry_) fail(at, ".entry appears twice");
    entry_ = PendingLabel{std::string(cursor.name()), name_at, 0, 0};
    cursor.skip_space();
    if (!cursor.done()) fail(cursor.at(), "unexpected text after .entry LABEL");
  }

  void parse_instruction(std::string_view mnemonic, Position at, Cursor& cursor) {
    const InstructionInfo* row = bytecode::find_by_mnemonic(mnemonic);
    if (row == nullptr) fail(at, fmt::format("unknown instruction '{}'{}", mnemonic, suggestion_for(mnemonic)));

    bytecode::Instruction instruction;
    instruction.opcode = row->opcode;
    if (cursor.peek() == ':') {
      ++cursor.pos;
      const Position length_at = cursor.at();
      const Token length = number_token(cursor);
      if (length.value < 1 || length.value > bytecode::kMaxVectorLength)
        fail(length_at, fmt::format("vector length {} is outside 1..{}", length.text, bytecode::kMaxVectorLength));
      if (length.value != 1 && !row->has(bytecode::flag::vector))
        fail(length_at, fmt::format("{} takes no vector length", row->mnemonic));
      instruction.vector_length = static_cast<uint32_t>(length.value);
    }
    if (!cursor.done() && cursor.peek() != ' ' && cursor.peek() != '\t')
      fail(cursor.at(), fmt::format("unexpected '{}' after '{}'", cursor.peek(), mnemonic));

    std::vector<Token> operands;
    cursor.skip_space();
    while (!cursor.done()) {
      operands.push_back(operand_token(cursor));
      cursor.skip_space();
      if (cursor.done()) break;
      if (cursor.peek() != ',') fail(cursor.at(), fmt::format("expected ',' between operands, found '{}'", cursor.peek()));
      ++cursor.pos;
      cursor.skip_space();
      if (cursor.done()) fail(cursor.at(), "expected an operand after ','");
    }

    const auto specs = row->operand_specs();
    if (operands.size() != specs.size())
      fail(at, fmt::format("{} takes {} operand{} ({}), got {}", row->mnemonic, specs.size(), specs.size() == 1 ? "" : "s",
                           row->synopsis, operands.size()));
    for (std::size_t i = 0; i < specs.size(); ++i) instruction.args[i] = operand_value(*row, i, specs[i], operands[i]);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (operands[i].type != Token::Type::reg) continue;
      const uint64_t end = static_cast<uint64_t>(instruction.args[i]) + bytecode::register_extent(instruction, specs[i]);
      if (end > bytecode::kMaxRegisters)
        fail(operands[i].at, fmt::format("registers {}..{}{} pass the limit of {} per bank", operands[i].text,
                                         operands[i].bank, end - 1, bytecode::kMaxRegisters));
    }
    positions_.push_back(at);
    code_.push_back(instruction);
  }

  int64_t operand_value(const InstructionInfo& row, std::size_t index, const OperandSpec& spec, const Token& token) {
    auto wrong = [&](std::string_view expected) {
      fail(token.at, fmt::format("operand {} of {} must be {}, got '{}' (synopsis: {})", index + 1, row.mnemonic, expected,
                                 token.text, row.synopsis));
    };
    switch (spec.kind) {
      case OperandKind::secret_register:
      case OperandKind::clear_register:
      case OperandKind::int_register: {
        const char bank = spec.kind == OperandKind::secret_register ? 's' : spec.kind == OperandKind::clear_register ? 'c' : 'i';
        if (token.type != Token::Type::reg || token.bank != bank) wrong(fmt::format("a {}", bytecode::describe(spec.kind)));
        return token.value;
      }
      case OperandKind::immediate: {
        if (token.type != Token::Type::number) wrong(fmt::format("a number ({})", bytecode::describe(spec.role)));
        const bytecode::ImmediateRange range = bytecode::legal_range(spec.role);
        if (token.value < range.min || token.value > range.max)
          fail(token.at, fmt::format("{} {} is outside {}..{}", bytecode::describe(spec.role), token.value, range.min, range.max));
        return token.value;
      }
      case OperandKind::label:
        if (token.type != Token::Type::name) wrong("a label");
        pending_.push_back({token.text, token.at, code_.size(), index});
        return 0;
      case OperandKind::string:
        if (token.type != Token::Type::string) wrong("a string in double quotes");
        if (token.decoded.size() > bytecode::kMaxStringBytes)
          fail(token.at, fmt::format("string of {} bytes exceeds the limit of {}", token.decoded.size(), bytecode::kMaxStringBytes));
        strings_.push_back(token.decoded);
        return static_cast<int64_t>(strings_.size() - 1);
    }
    return 0;
  }

  Token operand_token(Cursor& cursor) {
    const Position at = cursor.at();
    const char first = cursor.peek();
    if (first == '"') return string_token(cursor);
    if (first == '-' || first == '+' || first == '(' || std::isdigit(static_cast<unsigned char>(first))) return number_token(cursor);
    // s(expr), c(expr), i(expr): a register whose index is an expression.
    if ((first == 's' || first == 'c' || first == 'i') && cursor.pos + 1 < cursor.line.size() && cursor.line[cursor.pos + 1] == '(') {
      const std::size_t start = cursor.pos++;
      const int64_t index = expression_at(cursor);
      if (index < 0 || index >= static_cast<int64_t>(bytecode::kMaxRegisters))
        fail(at, fmt::format("register {}{} is beyond the limit of {} per bank", first, index, bytecode::kMaxRegisters));
      return Token{Token::Type::reg, std::string(cursor.line.substr(start, cursor.pos - start)), first, index, {}, at};
    }
    if (!is_name_start(first)) fail(at, fmt::format("unexpected '{}' where an operand should be", first));
    const std::string_view word = cursor.name();
    Token token{Token::Type::name, std::string(word), 0, 0, {}, at};
    // s12, c3, i0: a bank letter followed by decimal digits only.
    if (word.size() >= 2 && (word[0] == 's' || word[0] == 'c' || word[0] == 'i') &&
        std::all_of(word.begin() + 1, word.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      uint64_t index = 0;
      const auto [ptr, error] = std::from_chars(word.data() + 1, word.data() + word.size(), index);
      if (error != std::errc() || index >= bytecode::kMaxRegisters)
        fail(at, fmt::format("register {} is beyond the limit of {} per bank", word, bytecode::kMaxRegisters));
      token.type = Token::Type::reg;
      token.bank = word[0];
      token.value = static_cast<int64_t>(index);
    }
    return token;
  }

  // A parenthesised integer expression at the cursor: "(2*1024+3)".
  int64_t expression_at(Cursor& cursor) {
    const Position at = cursor.at();
    const std::size_t first = cursor.pos;
    int depth = 0;
    do {
      if (cursor.pos >= cursor.line.size()) fail(at, "expression has no closing ')'");
      if (cursor.line[cursor.pos] == '(') ++depth;
      if (cursor.line[cursor.pos] == ')') --depth;
      ++cursor.pos;
    } while (depth > 0);
    const std::string_view text = cursor.line.substr(first, cursor.pos - first);
    std::string error;
    const std::optional<int64_t> value = evaluate_expression(text, error);
    if (!value) fail(at, fmt::format("bad expression {}: {}", text, error));
    return *value;
  }

  Token number_token(Cursor& cursor) {
    const Position at = cursor.at();
    const std::size_t first = cursor.pos;
    if (cursor.peek() == '(' || (cursor.peek() == '-' && cursor.pos + 1 < cursor.line.size() && cursor.line[cursor.pos + 1] == '(')) {
      const bool negative = cursor.peek() == '-';
      if (negative) ++cursor.pos;
      const int64_t value = expression_at(cursor);
      return Token{Token::Type::number, std::string(cursor.line.substr(first, cursor.pos - first)), 0,
                   negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(value)) : value, {}, at};
    }
    bool negative = false;
    if (cursor.peek() == '-' || cursor.peek() == '+') negative = cursor.line[cursor.pos++] == '-';
    while (cursor.pos < cursor.line.size() && is_name_char(cursor.line[cursor.pos])) ++cursor.pos;
    const std::string_view text = cursor.line.substr(first, cursor.pos - first);
    std::string_view digits = text.substr(text.starts_with('-') || text.starts_with('+') ? 1 : 0);
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) base = 16, digits.remove_prefix(2);
    uint64_t magnitude = 0;
    const auto [ptr, error] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (digits.empty() || ptr != digits.data() + digits.size() || error == std::errc::invalid_argument)
      fail(at, fmt::format("'{}' is not a number (decimal, or hex with 0x)", text));
    // Decimal must fit int64; hex may spell any 64-bit pattern (0xffffffffffffffff = -1).
    const uint64_t limit = base == 16 && !negative ? UINT64_MAX : negative ? uint64_t{1} << 63 : uint64_t{INT64_MAX};
    if (error == std::errc::result_out_of_range || magnitude > limit)
      fail(at, fmt::format("{} does not fit in 64 bits", text));
    const int64_t value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return Token{Token::Type::number, std::string(text), 0, value, {}, at};
  }

  Token string_token(Cursor& cursor) {
    const Position at = cursor.at();
    const std::size_t first = cursor.pos++;
    std::string decoded;
    while (true) {
      if (cursor.pos >= cursor.line.size()) fail(at, "string has no closing '\"'");
      const char ch = cursor.line[cursor.pos++];
      if (ch == '"') break;
      if (ch != '\\') {
        decoded += ch;
        continue;
      }
      const Position escape_at{at.line, static_cast<int>(cursor.pos)};
      if (cursor.pos >= cursor.line.size()) fail(escape_at, "string ends inside an escape");
      const char code = cursor.line[cursor.pos++];
      switch (code) {
        case 'n': decoded += '\n'; break;
        case 't': decoded += '\t'; break;
        case '"': decoded += '"'; break;
        case '\\': decoded += '\\'; break;
        case 'x': {
          unsigned value = 0;
          const char* begin = cursor.line.data() + cursor.pos;
          const std::size_t available = std::min<std::size_t>(2, cursor.line.size() - cursor.pos);
          const auto [ptr, error] = std::from_chars(begin, begin + available, value, 16);
          if (error != std::errc() || ptr != begin + 2) fail(escape_at, "\\x needs two hex digits");
          cursor.pos += 2;
          decoded += static_cast<char>(value);
          break;
        }
        default: fail(escape_at, fmt::format("unknown escape '\\{}' (use \\n \\t \\\" \\\\ or \\xHH)", code));
      }
    }
    return Token{Token::Type::string, std::string(cursor.line.substr(first, cursor.pos - first)), 0, 0, std::move(decoded), at};
  }

  // ---- resolving and verifying ----
  uint32_t resolve(const PendingLabel& use) const {
    auto found = labels_.find(use.name);
    if (found == labels_.end()) fail(use.at, fmt::format("label '{}' is not defined", use.name));
    if (found->second.instruction >= code_.size())
      fail(found->second.at, fmt::format("label '{}' marks no instruction (it is at the end of the program)", use.name));
    return static_cast<uint32_t>(found->second.instruction);
  }

  bytecode::Program finish() {
    if (code_.empty()) fail({-1, 1}, "the program has no instructions");
    for (const PendingLabel& use : pending_) code_[use.instruction].args[use.operand] = resolve(use);

    bytecode::Program program;
    program.name = source_;
    program.entry = entry_ ? resolve(*entry_) : 0;
    program.code = std::move(code_);
    program.strings = std::move(strings_);
    program.registers = bytecode::registers_used_by(program.code);
    program.requirements = bytecode::requirements_of(program.code);
    // The remaining rules (aliasing, shapes) are the verifier's; name the line.
    bytecode::verify(program, bytecode::Locator{[&](std::size_t index) { return place(positions_.at(index)); },
                                                [&](std::size_t) { return place(entry_ ? entry_->at : positions_.at(0)); }});
    return program;
  }

  struct LabelDefinition {
    std::size_t instruction;
    Position at;
  };

  std::vector<SourceLine> lines_;
  std::string source_;
  std::vector<bytecode::Instruction> code_;
  std::vector<Position> positions_;
  std::vector<std::string> strings_;
  std::map<std::string, LabelDefinition> labels_;
  std::vector<PendingLabel> pending_;
  std::optional<PendingLabel> entry_;
};

}  // namespace

bytecode::Program assemble(std::string_view text, const std::string& source_name, const AssembleOptions& options) {
  PreprocessOptions preprocess_options;
  preprocess_options.include_dirs = options.include_dirs;
  return Assembler(preprocess(text, source_name, preprocess_options), source_name).run();
}

}  // namespace mpvm::compiler_lite
