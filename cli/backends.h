// The roster of protocol back-ends the `mpvm` executable can run, and the one place that
// instantiates the interpreter for each of them (vm/ never names a concrete protocol).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bytecode/program.h"
#include "protocols/core/deviation.h"
#include "protocols/core/nonlinear_path.h"
#include "protocols/net/transport.h"
#include "vm/interpreter.h"
#include "vm/private_inputs.h"
#include "vm/program_output.h"

namespace mpvm::cli {

// What one party needs to run a program, whatever the back-end.
struct PartyContext {
  const bytecode::Program& program;
  vm::PrivateInputs& inputs;
  vm::ProgramOutput& output;
  vm::RunOptions options;
  protocols::NonlinearPath nonlinear = protocols::NonlinearPath::native;
  std::optional<protocols::Deviation> deviation;  // TEST HOOK (active back-ends): one party cheats
};

// Runs one party of a networked back-end over an established transport: the
// back-end's setup (in the setup phase), then the program (online phase).
using PartyRunner = vm::RunStatistics (*)(net::Transport& transport, const PartyContext& context);

struct BackendInfo {
  std::string_view name;
  std::string_view parties;    // "3", "n>=2", "any (one process)"
  std::string_view adversary;  // passive / active / none
  std::string_view majority;   // honest / dishonest / none
  std::string_view domain;     // Z_2^64, F_p ...
  std::string_view summary;
  int min_parties;
  int max_parties;         // 0: no upper bound
  PartyRunner run_party;   // null for emulate, which runs in one process
  bool in_bench_default = true;  // in `mpvm bench`'s default matrix (false: only when named)
};

std::span<const BackendInfo> backends();
// The named back-end, or InputError listing the known names.
const BackendInfo& find_backend(std::string_view name);

// emulate: one process plays every party.
vm::RunStatistics run_emulate(const PartyContext& context, int parties, uint64_t seed);

}  // namespace mpvm::cli
