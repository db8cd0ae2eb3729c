#include "compiler_lite/preprocessor.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/instruction_set.h"
#include "compiler_lite/expression.h"

namespace mpvm::compiler_lite {
namespace {

constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxLines = 4'000'000;  // what expansion may produce in all

struct Macro {
  std::vector<std::string> parameters;
  std::vector<SourceLine> body;
  std::string defined_at;
};

bool is_name_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The line without its comment (a # outside a string).
std::string_view code_of(std::string_view line) {
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (line[i] == '#' && !in_string) return line.substr(0, i);
  }
  return line;
}

// Comma-separated arguments, commas inside strings or parentheses not splitting.
std::vector<std::string> split_arguments(std::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '"' && (i == 0 || text[i - 1] != '\\')) in_string = !in_string;
    if (!in_string && ch == '(') ++depth;
    if (!in_string && ch == ')') --depth;
    if (ch == ',' && !in_string && depth == 0) {
      parts.emplace_back(trim(current));
      current.clear();
    } else {
      current += ch;
    }
  }
  if (!trim(current).empty() || !parts.empty()) parts.emplace_back(trim(current));
  return parts;
}

class Preprocessor {
 public:
  explicit Preprocessor(const PreprocessOptions& options) : options_(options) {}

  std::vector<SourceLine> run(std::string_view text, const std::string& file) {
    process_text(text, file, 0);
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const SourceLine& at, const std::string& message) const {
    throw InputError(fmt::format("{}:{}:1: {}{}", at.file, at.line, message, at.context));
  }

  void process_text(std::string_view text, const std::string& file, int depth) {
    std::vector<SourceLine> lines;
    int number = 1;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines.push_back({std::string(line), file, number++, ""});
      if (end == text.size()) break;
      start = end + 1;
    }
    process_lines(lines, depth);
  }

  void process_lines(const std::vector<SourceLine>& lines, int depth) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const SourceLine& line = lines[i];
      const std::string_view code = trim(code_of(line.text));
      const std::size_t word_end = std::find_if(code.begin(), code.end(), [](char ch) { return !is_name_char(ch); }) - code.begin();
      const std::string_view word = code.substr(0, word_end);
      if (word == ".macro") {
        i = define_macro(lines, i);
      } else if (word == ".endm") {
        fail(line, ".endm without .macro");
      } else if (word == ".if") {
        i = conditional(lines, i, code.substr(word_end), depth);
      } else if (word == ".else" || word == ".endif") {
        fail(line, fmt::format("{} without .if", word));
      } else if (word == ".include") {
        include(line, trim(code.substr(word_end)), depth);
      } else if (auto found = macros_.find(std::string(word)); !word.empty() && found != macros_.end() &&
                                                                (word_end == code.size() || code[word_end] != ':')) {
        expand(line, found->first, found->second, code.substr(word_end), depth);
      } else {
        if (out_.size() >= kMaxLines) fail(line, fmt::format("the program expands to more than {} lines", kMaxLines));
        out_.push_back(line);
      }
    }
  }

  std::size_t define_macro(const std::vector<SourceLine>& lines, std::size_t at) {
    const SourceLine& head = lines[at];
    std::string_view rest = trim(code_of(head.text));
    rest = trim(rest.substr(6));  // after ".macro"
    const std::size_t name_end = std::find_if(rest.begin(), rest.end(), [](char ch) { return !is_name_char(ch); }) - rest.begin();
    const std::string name(rest.substr(0, name_end));
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
      fail(head, ".macro needs a name");
    if (bytecode::find_by_mnemonic(name) != nullptr) fail(head, fmt::format("macro '{}' would hide the instruction of that name", name));
    if (macros_.count(name)) fail(head, fmt::format("macro '{}' is already defined at {}", name, macros_[name].defined_at));
    Macro macro;
    macro.defined_at = fmt::format("{}:{}", head.file, head.line);
    for (const std::string& parameter : split_arguments(rest.substr(name_end))) {
      if (parameter.empty() || !std::all_of(parameter.begin(), parameter.end(), is_name_char))
        fail(head, fmt::format("macro '{}': '{}' is not a parameter name", name, parameter));
      macro.parameters.push_back(parameter);
    }
    for (std::size_t i = at + 1; i < lines.size(); ++i) {
      const std::string_view code = trim(code_of(lines[i].text));
      if (code == ".endm") {
        macros_[name] = std::move(macro);
        return i;
      }
      if (code.starts_with(".macro")) fail(lines[i], "a macro cannot be defined inside another");
      macro.body.push_back(lines[i]);
    }
    fail(head, fmt::format("macro '{}' has no .endm", name));
  }

  // `.if EXPR` ... [`.else` ...] `.endif`: keeps the lines of the branch whose condition
  // holds (EXPR != 0, evaluated after macro substitution). Nests.
  std::size_t conditional(const std::vector<SourceLine>& lines, std::size_t at, std::string_view condition, int depth) {
    std::string error;
    const std::optional<int64_t> value = evaluate_expression(trim(condition), error);
    if (!value) fail(lines[at], fmt::format(".if {}: {}", trim(condition), error));
    std::vector<SourceLine> then_lines, else_lines;
    std::vector<SourceLine>* target = &then_lines;
    int nesting = 0;
    for (std::size_t i = at + 1; i < lines.size(); ++i) {
      const std::string_view code = trim(code_of(lines[i].text));
      const std::string_view word = code.substr(0, std::find_if(code.begin(), code.end(), [](char ch) { return !is_name_char(ch); }) - code.begin());
      if (word == ".if") ++nesting;
      if (word == ".endif" && nesting-- == 0) {
        process_lines(*value != 0 ? then_lines : else_lines, depth);
        return i;
      }
      if (word == ".else" && nesting == 0) {
        if (target == &else_lines) fail(lines[i], "a second .else for one .if");
        target = &else_lines;
        continue;
      }
      target->push_back(lines[i]);
    }
    fail(lines[at], ".if has no .endif");
  }

  void include(const SourceLine& line, std::string_view argument, int depth) {
    if (argument.size() < 2 || argument.front() != '"' || argument.back() != '"') fail(line, ".include needs a \"file name\"");
    const std::string name(argument.substr(1, argument.size() - 2));
    if (depth >= kMaxDepth) fail(line, fmt::format(".include nested deeper than {}", kMaxDepth));
    std::vector<std::filesystem::path> candidates = {std::filesystem::path(line.file).parent_path() / name};
    for (const std::string& dir : options_.include_dirs) candidates.push_back(std::filesystem::path(dir) / name);
    for (const auto& path : candidates) {
      std::ifstream file(path, std::ios::binary);
      if (!file) continue;
      std::ostringstream text;
      text << file.rdbuf();
      const std::string key = std::filesystem::weakly_canonical(path).string();
      if (included_.count(key)) return;  // each file once: a library may be included by several
      included_.insert({key, true});
      process_text(text.str(), path.string(), depth + 1);
      return;
    }
    fail(line, fmt::format("cannot find include file \"{}\"", name));
  }

  void expand(const SourceLine& call, const std::string& name, const Macro& macro, std::string_view arguments_text, int depth) {
    if (depth >= kMaxDepth) fail(call, fmt::format("macro '{}' nested deeper than {} (recursive?)", name, kMaxDepth));
    const std::vector<std::string> arguments = split_arguments(arguments_text);
    if (arguments.size() != macro.parameters.size())
      fail(call, fmt::format("macro '{}' takes {} arguments ({}), got {}", name, macro.parameters.size(),
                             fmt::join(macro.parameters, ", "), arguments.size()));
    const std::string expansion = std::to_string(++expansions_);
    const std::string context = fmt::format(" (in macro '{}' invoked at {}:{}){}", name, call.file, call.line, call.context);
    std::vector<SourceLine> body;
    for (const SourceLine& line : macro.body) {
      std::string text;
      bool in_string = false;  // escapes in strings (\n) are not parameters
      for (std::size_t i = 0; i < line.text.size(); ++i) {
        if (line.text[i] == '"' && (i == 0 || line.text[i - 1] != '\\')) in_string = !in_string;
        if (line.text[i] != '\\' || in_string) {
          text += line.text[i];
          if (in_string && line.text[i] == '\\' && i + 1 < line.text.size()) text += line.text[++i];
          continue;
        }
        if (i + 1 < line.text.size() && line.text[i + 1] == '@') {
          text += expansion;
          ++i;
          continue;
        }
        std::size_t end = i + 1;
        while (end < line.text.size() && is_name_char(line.text[end]) && line.text[end] != '.') ++end;
        const std::string parameter = line.text.substr(i + 1, end - i - 1);
        auto found = std::find(macro.parameters.begin(), macro.parameters.end(), parameter);
        if (found == macro.parameters.end()) {
          text += line.text[i];  // not a parameter: an escape inside a string, kept as is
          continue;
        }
        text += arguments[static_cast<std::size_t>(found - macro.parameters.begin())];
        i = end - 1;
      }
      body.push_back({text, line.file, line.line, context});
    }
    process_lines(body, depth + 1);
  }

  const PreprocessOptions& options_;
  std::map<std::string, Macro> macros_;
  std::map<std::string, bool> included_;
  std::vector<SourceLine> out_;
  int expansions_ = 0;
};

}  // namespace

std::vector<SourceLine> preprocess(std::string_view text, const std::string& file, const PreprocessOptions& options) {
  return Preprocessor(options).run(text, file);
}

}  // namespace mpvm::compiler_lite
