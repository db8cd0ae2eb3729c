// The assembler: mpvm assembly text -> a verified Program (and with bytecode::encode, .bc).
//
// Syntax (DESIGN §3): one instruction per line; `#` starts a comment; `name:` defines a
// label (an instruction may follow on the same line); operands are separated by commas;
// `mnemonic:N` sets the vector length; registers are s12 / c3 / i0; immediates are
// decimal (may be negative) or 0x hex; strings are in double quotes with \n \t \" \\ \xHH.
// The one directive is `.entry LABEL` (where execution starts; default: first line).
//
// Every error is an InputError reading "FILE:LINE:COL: message".
#pragma once

#include <string>
#include <string_view>

#include "bytecode/program.h"

namespace mpvm::compiler_lite {

bytecode::Program assemble(std::string_view text, const std::string& source_name);

}  // namespace mpvm::compiler_lite
