// Test support: run a program under a networked back-end with every party as a thread of
// this process, over the in-memory transport, and merge the parties' printed text in
// program order exactly as the local launcher does.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "protocols/core/deviation.h"
#include "protocols/core/nonlinear_path.h"
#include "protocols/net/transport.h"
#include "vm/interpreter.h"

namespace mpvm::testing {

struct PartiesRun {
  std::string output;                       // merged, as `mpvm run` would print it
  std::vector<vm::RunStatistics> statistics;  // per party
  std::vector<protocols::CommunicationCounters> online;  // per party, online phase
  std::vector<std::string> errors;          // per party: "" or the error message
};

// Runs one party: builds the protocol on `transport` and interprets the program.
using PartyBody = std::function<vm::RunStatistics(net::Transport& transport, const bytecode::Program& program,
                                                  vm::PrivateInputs& inputs, vm::ProgramOutput& output)>;

PartiesRun run_parties(int parties, const bytecode::Program& program, const std::map<int, std::vector<int64_t>>& inputs,
                       const PartyBody& body);

// The PartyBody of rep3, with its native (binary) or the generic comparison layer.
PartyBody rep3_party(protocols::NonlinearPath path = protocols::NonlinearPath::native);

// The PartyBody of rep3-mal; `deviation` (a test hook) makes one party cheat.
PartyBody rep3_mal_party(std::optional<protocols::Deviation> deviation = {});

// The PartyBody of semi2k (any number of parties).
PartyBody semi2k_party(protocols::NonlinearPath path = protocols::NonlinearPath::native);

}  // namespace mpvm::testing
