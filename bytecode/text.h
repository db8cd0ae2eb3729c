// Assembly text of one instruction, shared by the disassembler and the VM's --trace.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "bytecode/program.h"

namespace mpvm::bytecode {

// "muls:1024 s0, s1024, s2048". Label operands are rendered by `label_name(target)`.
std::string instruction_text(const Program& program, const Instruction& instruction,
                             const std::function<std::string(uint32_t)>& label_name);

// A string literal in assembly syntax: quotes added, \n \t \" \\ and other control bytes
// escaped (\xHH), so that the assembler reads back exactly the same bytes.
std::string quote(std::string_view text);

}  // namespace mpvm::bytecode
