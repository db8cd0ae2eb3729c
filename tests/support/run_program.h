// Test support: assemble text and run it under emulate in this process, returning what
// the program printed. Used by the unit tests of every module.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/program.h"
#include "protocols/core/nonlinear_path.h"
#include "vm/interpreter.h"

namespace mpvm::testing {

struct EmulateRun {
  std::string output;           // what the program printed
  vm::RunStatistics statistics;
};

// Assembles `assembly` (source name "test.s") and runs it under emulate with the given
// private inputs. `parties` 0 means what the program needs. Errors propagate as
// mpvm::Error exceptions.
EmulateRun run_emulate(std::string_view assembly, std::map<int, std::vector<int64_t>> inputs = {}, int parties = 0,
                       uint64_t seed = 1, vm::RunOptions options = {},
                       protocols::NonlinearPath path = protocols::NonlinearPath::native);

// The same for an already loaded program.
EmulateRun run_emulate(const bytecode::Program& program, std::map<int, std::vector<int64_t>> inputs = {},
                       int parties = 0, uint64_t seed = 1, vm::RunOptions options = {},
                       protocols::NonlinearPath path = protocols::NonlinearPath::native);

// The message of the mpvm::Error that `f` throws, or "" if it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace mpvm::testing
