#include "cli/backends.h"

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/emulate/emulate.h"
#include "protocols/rep3/rep3.h"
#include "protocols/rep3_mal/rep3_mal.h"
#include "protocols/semi2k/semi2k.h"

namespace mpvm::cli {
namespace {

template <class Protocol>
vm::RunStatistics interpret(Protocol& protocol, const PartyContext& context) {
  vm::Interpreter interpreter(context.program, protocol, context.inputs, context.output, context.options);
  return interpreter.run();
}

vm::RunStatistics run_rep3(net::Transport& transport, const PartyContext& context) {
  transport.set_phase(net::Phase::setup);
  protocols::Rep3Protocol protocol(transport, context.nonlinear);
  transport.set_phase(net::Phase::online);
  return interpret(protocol, context);
}

vm::RunStatistics run_rep3_mal(net::Transport& transport, const PartyContext& context) {
  transport.set_phase(net::Phase::setup);
  protocols::Rep3MalProtocol protocol(transport, context.nonlinear, context.deviation);
  transport.set_phase(net::Phase::online);
  return interpret(protocol, context);
}

vm::RunStatistics run_semi2k(net::Transport& transport, const PartyContext& context) {
  transport.set_phase(net::Phase::setup);
  protocols::Semi2kProtocol protocol(transport, context.nonlinear);
  transport.set_phase(net::Phase::online);
  return interpret(protocol, context);
}

constexpr BackendInfo kBackends[] = {
    {"emulate", "any (one process)", "none", "none", "Z_2^64",
     "clear reference: one process plays every party and reads every party's inputs", 1, 0, nullptr},
    {"rep3", "3", "passive", "honest", "Z_2^64",
     "replicated secret sharing (Araki et al. CCS 2016, ABY3): one ring element per party per product", 3, 3, run_rep3},
    {"rep3-mal", "3", "active", "honest", "Z_2^64",
     "replicated sharing in Z_2^128 with SPDZ-wise MACs (Abspoel et al. ACNS 2021): a cheater makes the others abort", 3, 3,
     run_rep3_mal, /*in_bench_default=*/false},
    {"semi2k", "n>=2", "passive", "dishonest", "Z_2^64",
     "additive sharing, Beaver triples from OT (SoftSpokenOT, Gilboa): private unless every other party colludes", 2, 0,
     run_semi2k},
};

}  // namespace

std::span<const BackendInfo> backends() { return kBackends; }

const BackendInfo& find_backend(std::string_view name) {
  std::string known;
  for (const BackendInfo& backend : kBackends) {
    if (backend.name == name) return backend;
    known += known.empty() ? std::string(backend.name) : ", " + std::string(backend.name);
  }
  throw InputError(fmt::format("unknown protocol '{}' (available: {}; `mpvm protocols` lists them)", name, known));
}

vm::RunStatistics run_emulate(const PartyContext& context, int parties, uint64_t seed) {
  protocols::EmulateProtocol protocol(parties, seed, context.nonlinear);
  return interpret(protocol, context);
}

}  // namespace mpvm::cli
