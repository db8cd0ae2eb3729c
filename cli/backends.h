// The roster of protocol back-ends the `mpvm` executable can run, and the one place that
// instantiates the interpreter for each of them (vm/ never names a concrete protocol).
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "bytecode/program.h"
#include "vm/interpreter.h"
#include "vm/private_inputs.h"

namespace mpvm::cli {

struct BackendInfo {
  std::string_view name;
  std::string_view parties;    // "3", "n>=2", "any (one process)"
  std::string_view adversary;  // passive / active / none
  std::string_view majority;   // honest / dishonest / none
  std::string_view domain;     // Z_2^64, F_p ...
  std::string_view summary;
  int min_parties;
  int max_parties;  // 0: no upper bound
};

std::span<const BackendInfo> backends();
// The named back-end, or InputError listing the known names.
const BackendInfo& find_backend(std::string_view name);

struct RunRequest {
  const bytecode::Program& program;
  int parties;  // already checked against the back-end and the program
  std::string inputs_directory;
  uint64_t seed;
  vm::RunOptions options;
  std::ostream& out;
};

vm::RunStatistics run_backend(const BackendInfo& backend, const RunRequest& request);

}  // namespace mpvm::cli
