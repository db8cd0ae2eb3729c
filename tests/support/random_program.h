// Test support: random programs for differential tests (a back-end against emulate).
// The programs use only instructions whose result is deterministic and exact in Z_2^64
// (no rands, no truncpr; comparisons at 64 bits), print plenty, and read inputs from
// every party.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mpvm::testing {

struct RandomProgram {
  std::string assembly;
  std::map<int, std::vector<int64_t>> inputs;  // per party, in the order they are read
};

struct RandomProgramOptions {
  int parties = 3;
  int instructions = 60;
  bool matrices = true;  // matmuls, matmulsm, conv2ds
};

RandomProgram random_program(uint64_t seed, const RandomProgramOptions& options = {});

}  // namespace mpvm::testing
