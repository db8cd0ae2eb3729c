#include "tests/support/run_parties.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <tuple>

#include "protocols/net/memory_transport.h"
#include "protocols/rep3/rep3.h"
#include "protocols/rep3_mal/rep3_mal.h"
#include "protocols/semi2k/semi2k.h"

namespace mpvm::testing {
namespace {

class CollectingOutput final : public vm::ProgramOutput {
 public:
  CollectingOutput(int party, std::vector<std::tuple<uint64_t, int, std::string>>& lines, std::mutex& mutex)
      : party_(party), lines_(lines), mutex_(mutex) {}
  void write(uint64_t sequence, std::string_view text) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(sequence, party_, std::string(text));
  }

 private:
  int party_;
  std::vector<std::tuple<uint64_t, int, std::string>>& lines_;
  std::mutex& mutex_;
};

}  // namespace

PartiesRun run_parties(int parties, const bytecode::Program& program, const std::map<int, std::vector<int64_t>>& inputs,
                       const PartyBody& body) {
  net::MemoryNetwork network(parties, 30);
  PartiesRun run;
  run.statistics.resize(parties);
  run.online.resize(parties);
  run.errors.resize(parties);
  std::vector<std::tuple<uint64_t, int, std::string>> lines;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (int party = 0; party < parties; ++party) {
    threads.emplace_back([&, party] {
      std::unique_ptr<net::Transport> transport = network.transport(party);
      std::map<int, std::vector<int64_t>> mine;
      if (auto found = inputs.find(party); found != inputs.end()) mine[party] = found->second;
      vm::PrivateInputs private_inputs(mine);
      CollectingOutput output(party, lines, mutex);
      try {
        run.statistics[party] = body(*transport, program, private_inputs, output);
        run.online[party] = transport->counters(net::Phase::online);
      } catch (const std::exception& e) {
        run.errors[party] = e.what();
      }
      transport.reset();  // tells the peers this party is gone
    });
  }
  for (std::thread& t : threads) t.join();
  std::stable_sort(lines.begin(), lines.end(), [](const auto& x, const auto& y) {
    return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
  });
  for (const auto& line : lines) run.output += std::get<2>(line);
  return run;
}

namespace {

template <class Protocol>
PartyBody party_of(protocols::NonlinearPath path) {
  return [path](net::Transport& transport, const bytecode::Program& program, vm::PrivateInputs& inputs,
                vm::ProgramOutput& output) {
    transport.set_phase(net::Phase::setup);
    Protocol protocol(transport, path);
    transport.set_phase(net::Phase::online);
    vm::Interpreter interpreter(program, protocol, inputs, output);
    return interpreter.run();
  };
}

}  // namespace

PartyBody rep3_party(protocols::NonlinearPath path) { return party_of<protocols::Rep3Protocol>(path); }

PartyBody rep3_mal_party(std::optional<protocols::Deviation> deviation) {
  return [deviation](net::Transport& transport, const bytecode::Program& program, vm::PrivateInputs& inputs,
                     vm::ProgramOutput& output) {
    transport.set_phase(net::Phase::setup);
    protocols::Rep3MalProtocol protocol(transport, protocols::NonlinearPath::generic, deviation);
    transport.set_phase(net::Phase::online);
    vm::Interpreter interpreter(program, protocol, inputs, output);
    return interpreter.run();
  };
}

PartyBody semi2k_party(protocols::NonlinearPath path) { return party_of<protocols::Semi2kProtocol>(path); }

}  // namespace mpvm::testing
