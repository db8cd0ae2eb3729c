#include "cli/program_files.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "compiler_lite/assembler.h"

namespace mpvm::cli {

std::vector<uint8_t> read_input(const std::string& path) {
  if (path != "-") return bytecode::read_file_bytes(path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  return bytes;
}

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

std::vector<std::string> include_path(const std::vector<std::string>& include_dirs) {
  std::vector<std::string> dirs = include_dirs;
  dirs.push_back(MPVM_PROGRAMS_DIR);
  return dirs;
}

bytecode::Program load_program(const std::string& path, const std::vector<std::string>& include_dirs) {
  const std::vector<uint8_t> bytes = read_input(path);
  const std::string name = display_name(path);
  // Bytecode is recognised by its magic, whatever the file is called; anything else is
  // assembly text.
  if (bytes.size() >= sizeof bytecode::kMagic && std::memcmp(bytes.data(), bytecode::kMagic, sizeof bytecode::kMagic) == 0)
    return bytecode::decode(bytes, name);
  if (path.ends_with(".bc"))
    return bytecode::decode(bytes, name);  // reports the wrong magic with its offset
  return compiler_lite::assemble(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), name,
                                 compiler_lite::AssembleOptions{include_path(include_dirs)});
}

void write_file_atomically(const std::string& path, std::string_view content) {
  // Written beside the target, then renamed over it: a failure never leaves a partial file.
  const std::filesystem::path target(path);
  const std::filesystem::path temporary = target.string() + ".partial";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) throw InputError(fmt::format("{}: cannot write", path));
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!file) {
      std::filesystem::remove(temporary);
      throw InputError(fmt::format("{}: write failed", path));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, target, error);
  if (error) {
    std::filesystem::remove(temporary);
    throw InputError(fmt::format("{}: cannot write ({})", path, error.message()));
  }
}

}  // namespace mpvm::cli
