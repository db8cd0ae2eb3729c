// Reading programs and writing files for the subcommands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/program.h"

namespace mpvm::cli {

// The bytes of a file, or of standard input for "-".
std::vector<uint8_t> read_input(const std::string& path);
// "<stdin>" for "-", else the path.
std::string display_name(const std::string& path);

// A .bc file (recognised by its magic) is decoded and verified; anything else is
// assembled as text. Either way the result is a verified Program.
// `.include` looks in `include_dirs` after the file's own folder, then in this build's
// programs/ (so `.include "lib/nonlinear.s"` finds the routine library).
bytecode::Program load_program(const std::string& path, const std::vector<std::string>& include_dirs = {});

// The include folders for the assembler: the given ones, then programs/.
std::vector<std::string> include_path(const std::vector<std::string>& include_dirs);

void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace mpvm::cli
