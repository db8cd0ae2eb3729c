#include "bytecode/reference.h"

#include <fmt/format.h>

#include "bytecode/instruction_set.h"

namespace mpvm::bytecode {
namespace {

std::string escape_cell(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += "\\|";
    else out += ch;
  }
  return out;
}

std::string flags_text(const InstructionInfo& row) {
  std::string text;
  auto add = [&](bool on, std::string_view word) {
    if (!on) return;
    if (!text.empty()) text += ", ";
    text += word;
  };
  add(row.has(flag::vector), "vector");
  add(row.has(flag::communicates), "communicates");
  add(row.has(flag::reveals), "reveals");
  add(row.has(flag::control), "control");
  return text.empty() ? "—" : text;
}

}  // namespace

std::string instruction_table_markdown() {
  std::string text = "| code | synopsis | meaning | flags |\n| --- | --- | --- | --- |\n";
  for (const InstructionInfo& row : kInstructionTable)
    text += fmt::format("| {:#04x} | `{}` | {} | {} |\n", static_cast<unsigned>(row.opcode), escape_cell(row.synopsis),
                        escape_cell(row.description), flags_text(row));
  return text;
}

std::string instruction_reference_markdown() {
  return
      "# mpvm instruction reference\n\n"
      "Generated from `bytecode/instructions.def` by `mpvm instructions`; do not edit by hand "
      "(a test checks that this file matches).\n\n"
      "`vector` instructions take a vector length N (`muls:1024 s0, s1024, s2048`); every register and "
      "memory operand then covers N consecutive cells, `[k]` below ranges over them. `communicates`: "
      "the protocol sends messages, one round (or a constant number) whatever N is. `reveals`: makes "
      "values public; active protocols verify everything before it.\n\n" +
      instruction_table_markdown();
}

}  // namespace mpvm::bytecode
