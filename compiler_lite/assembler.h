// The assembler: mpvm assembly text -> a verified Program (and with bytecode::encode, .bc).
//
// Syntax (DESIGN §3): one instruction per line; `#` starts a comment; `name:` defines a
// label (an instruction may follow on the same line); operands are separated by commas;
// `mnemonic:N` sets the vector length; registers are s12 / c3 / i0; immediates are
// decimal (may be negative) or 0x hex; strings are in double quotes with \n \t \" \\ \xHH.
// The one directive is `.entry LABEL` (where execution starts; default: first line).
// Before parsing, `.include` and `.macro` are expanded (compiler_lite/preprocessor.h), and
// an operand may be a parenthesised integer expression: `s(\tmp+\n)`, `:(2*\n)`, `(1<<4)`.
//
// Every error is an InputError reading "FILE:LINE:COL: message" (plus the macro context).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bytecode/program.h"

namespace mpvm::compiler_lite {

struct AssembleOptions {
  std::vector<std::string> include_dirs;  // searched by .include after the file's own folder
};

bytecode::Program assemble(std::string_view text, const std::string& source_name, const AssembleOptions& options = {});

}  // namespace mpvm::compiler_lite
