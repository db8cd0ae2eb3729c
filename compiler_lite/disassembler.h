// The disassembler: a Program -> assembly text that `assemble` turns back into the
// identical bytes. Jump targets get labels L<index>.
#pragma once

#include <string>

#include "bytecode/program.h"

namespace mpvm::compiler_lite {

std::string disassemble(const bytecode::Program& program);

}  // namespace mpvm::compiler_lite
