#include "bytecode/text.h"

#include <fmt/format.h>

namespace mpvm::bytecode {

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (ch < 0x20 || ch >= 0x7f) out += fmt::format("\\x{:02x}", ch);
        else out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

std::string instruction_text(const Program& program, const Instruction& instruction,
                             const std::function<std::string(uint32_t)>& label_name) {
  const InstructionInfo& row = instruction.info();
  std::string text(row.mnemonic);
  if (instruction.vector_length != 1) text += fmt::format(":{}", instruction.vector_length);
  const auto specs = row.operand_specs();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    text += i == 0 ? " " : ", ";
    const int64_t arg = instruction.args[i];
    switch (specs[i].kind) {
      case OperandKind::secret_register: text += fmt::format("s{}", arg); break;
      case OperandKind::clear_register: text += fmt::format("c{}", arg); break;
      case OperandKind::int_register: text += fmt::format("i{}", arg); break;
      case OperandKind::immediate: text += fmt::format("{}", arg); break;
      case OperandKind::label: text += label_name(static_cast<uint32_t>(arg)); break;
      case OperandKind::string: text += quote(program.strings.at(static_cast<std::size_t>(arg))); break;
    }
  }
  return text;
}

}  // namespace mpvm::bytecode
