// Running the parties of a networked back-end: all of them as processes on this machine
// (local mode, `mpvm run --protocol rep3`), or one of them in a real deployment
// (`--party I --hosts FILE`).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "cli/backends.h"
#include "cli/run_report.h"
#include "protocols/net/endpoint.h"
#include "protocols/net/socket.h"
#include "protocols/net/tcp_transport.h"

namespace mpvm::cli {

struct PartySetup {
  const BackendInfo& backend;
  const bytecode::Program& program;
  std::string inputs_directory;
  vm::RunOptions options;
  double timeout_seconds;
  protocols::NonlinearPath nonlinear;
  net::LinkShaping shaping{};  // an emulated network between the parties (mpvm bench); none by default
  std::optional<protocols::Deviation> deviation;  // TEST HOOK: one party cheats (active back-ends)
};

// SHA-256 over (back-end, party count, non-linear path, shaping, program bytes): the parties
// compare it when they connect, so nobody computes with a peer that runs something else.
net::Fingerprint program_fingerprint(const PartySetup& setup, int parties);

// One party: connect to the others, run the back-end's setup and the program.
PartyReport run_networked_party(const PartySetup& setup, int party, std::vector<net::Endpoint> hosts,
                                net::FileDescriptor listener, vm::ProgramOutput& output);

struct LocalRun {
  std::vector<PartyReport> reports;  // of the parties that finished
  int exit_code = 0;                 // of the first party to fail, 0 if none did
  std::string failure;               // which party failed first, and how
};

// Starts `parties` processes on loopback (ports base_port+i, or free ones if 0), waits for
// all, and writes what they printed to `out` in program order, as emulate would.
LocalRun launch_local_parties(const PartySetup& setup, int parties, uint16_t base_port, bool quiet, std::ostream& out);

}  // namespace mpvm::cli
