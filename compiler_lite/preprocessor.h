// The assembler's preprocessor: `.include "file"` and macros, so that a library of
// routines (programs/lib/) can be written once for any vector length and any registers.
//
//   .macro relu out, in, n, bits, tmp      # a macro with five parameters
//       ltz:\n \tmp, \in, \bits           # \name is replaced by the argument
//       ...
//   .endm
//   relu s100, s0, 1024, 20, s2000         # an invocation: one line, comma-separated
//
// `\@` in a body becomes a number unique to each expansion (for labels). `.if EXPR` /
// `.else` / `.endif` keep one branch (EXPR != 0), so a macro may recurse on a smaller size. Arguments are
// substituted as text; the assembler then evaluates parenthesised integer expressions in
// operands, so a body may write s(\tmp+\n) or :(2*\n). Macros may call macros and include
// files may include files, to a fixed depth. Every produced line remembers where it came
// from, so errors name the file and line of the body and the invocation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mpvm::compiler_lite {

struct SourceLine {
  std::string text;
  std::string file;
  int line = 0;
  std::string context;  // "" or " (in macro 'relu' invoked at prog.s:12)"
};

struct PreprocessOptions {
  // Where `.include "x"` looks after the including file's own folder.
  std::vector<std::string> include_dirs;
};

std::vector<SourceLine> preprocess(std::string_view text, const std::string& file, const PreprocessOptions& options);

}  // namespace mpvm::compiler_lite
