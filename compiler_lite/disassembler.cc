#include "compiler_lite/disassembler.h"

#include <set>

#include <fmt/format.h>

#include "bytecode/text.h"

namespace mpvm::compiler_lite {

std::string disassemble(const bytecode::Program& program) {
  std::set<uint32_t> targets;
  if (program.entry != 0) targets.insert(program.entry);
  for (const bytecode::Instruction& instruction : program.code) {
    const auto specs = instruction.info().operand_specs();
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (specs[i].kind == bytecode::OperandKind::label) targets.insert(static_cast<uint32_t>(instruction.args[i]));
  }
  auto label_name = [](uint32_t target) { return fmt::format("L{}", target); };

  // The name goes into a comment line: control bytes (a newline in a file name) would end
  // the comment and turn the rest into code, so they are replaced.
  std::string name = program.name;
  for (char& ch : name)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  std::string text = fmt::format("# {}: {} instructions, registers s{} c{} i{}\n", name, program.code.size(),
                                 program.registers.secret, program.registers.clear, program.registers.integer);
  if (program.entry != 0) text += fmt::format(".entry {}\n", label_name(program.entry));
  for (uint32_t index = 0; index < program.code.size(); ++index) {
    if (targets.count(index)) text += label_name(index) + ":\n";
    text += "    " + bytecode::instruction_text(program, program.code[index], label_name) + "\n";
  }
  return text;
}

}  // namespace mpvm::compiler_lite
