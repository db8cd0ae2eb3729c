// `mpvm run PROG --protocol NAME`: load (assemble if needed), check the program against
// the back-end, then run it: in this process (emulate), as local party processes
// (networked back-ends, the default), or as one party of a deployment (--party, --hosts).
// Statistics go to stderr, and as JSON to --json.
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/party_launcher.h"
#include "cli/program_files.h"
#include "cli/run_report.h"

namespace mpvm::cli {
namespace {

struct RunCommandOptions {
  std::string program;
  std::string protocol = "emulate";
  int parties = 0;  // 0: what the program needs, within the back-end's range
  std::string inputs = ".";
  std::optional<uint64_t> seed;
  uint64_t memory_limit = vm::RunLimits{}.memory_cells;
  uint32_t call_depth = vm::RunLimits{}.call_depth;
  bool trace = false;
  bool quiet = false;
  std::string json;
  std::optional<int> party;
  std::string hosts;
  uint16_t base_port = 0;
  double timeout = 60;
  protocols::NonlinearPath nonlinear = protocols::NonlinearPath::native;
  std::vector<std::string> include_dirs;
  std::string test_deviation;  // TEST HOOK, see protocols/core/deviation.h
};

// A party process failed: its exit status becomes the launcher's.
class PartyFailed : public Error {
 public:
  PartyFailed(const std::string& message, int exit_status) : Error(message), exit_status_(exit_status) {}
  ExitCode exit_code() const override { return static_cast<ExitCode>(exit_status_); }

 private:
  int exit_status_;
};

int choose_party_count(const BackendInfo& backend, const bytecode::Program& program, int requested) {
  const int needed = static_cast<int>(program.requirements.min_parties);
  const int parties = requested > 0 ? requested : std::max(needed, backend.min_parties);
  if (parties < backend.min_parties || (backend.max_parties > 0 && parties > backend.max_parties))
    throw InputError(fmt::format("{} runs with {} parties, not {}", backend.name, backend.parties, parties));
  if (parties < needed)
    throw InputError(fmt::format("{}: the program names party {} but the run has only {} parties (--parties)",
                                 program.name, needed - 1, parties));
  return parties;
}

void write_json(const RunCommandOptions& options, int parties, const std::vector<PartyReport>& reports) {
  if (options.json.empty()) return;
  nlohmann::json per_party = nlohmann::json::array();
  for (const PartyReport& report : reports) per_party.push_back(to_json(report));
  const nlohmann::json document = {
      {"protocol", options.protocol}, {"parties", parties}, {"program", options.program}, {"party_reports", per_party}};
  write_file_atomically(options.json, document.dump(2) + "\n");
}

void run(const RunCommandOptions& options) {
  const BackendInfo& backend = find_backend(options.protocol);
  const bytecode::Program program = load_program(options.program, options.include_dirs);
  vm::RunOptions run_options;
  run_options.limits.memory_cells = options.memory_limit;
  run_options.limits.call_depth = options.call_depth;
  run_options.trace = options.trace ? &std::cerr : nullptr;

  if (backend.run_party == nullptr) {  // emulate: every party in this process
    if (options.party || !options.hosts.empty())
      throw InputError(fmt::format("{} runs every party in one process; --party and --hosts are for networked protocols", backend.name));
    const int parties = choose_party_count(backend, program, options.parties);
    vm::PrivateInputs inputs(options.inputs);
    vm::StreamOutput output(std::cout);
    PartyReport report;
    report.statistics = run_emulate(PartyContext{program, inputs, output, run_options, options.nonlinear}, parties,
                                    options.seed ? *options.seed : std::random_device{}());
    report.phases[static_cast<int>(net::Phase::online)] = report.statistics.communication;
    std::cout.flush();
    if (!options.quiet) std::cerr << summary_line(backend.name, report, true);
    write_json(options, parties, {report});
    return;
  }

  if (options.seed) throw InputError("--seed is for emulate: networked protocols draw their randomness from the OS");
  PartySetup setup{backend, program, options.inputs, run_options, options.timeout, options.nonlinear};
  if (!options.test_deviation.empty()) {
    if (backend.adversary != "active")
      throw InputError(fmt::format("--test-deviation is for active back-ends; {} is {}", backend.name, backend.adversary));
    try {
      setup.deviation = protocols::parse_deviation(options.test_deviation);
    } catch (const std::exception& e) {
      throw InputError(fmt::format("--test-deviation '{}': {}", options.test_deviation, e.what()));
    }
  }
  if (options.party || !options.hosts.empty()) {  // one party of a deployment
    if (!options.party || options.hosts.empty()) throw InputError("--party and --hosts go together");
    std::vector<net::Endpoint> hosts = net::read_hosts_file(options.hosts);
    const int parties = choose_party_count(backend, program, static_cast<int>(hosts.size()));
    if (*options.party < 0 || *options.party >= parties)
      throw InputError(fmt::format("--party {} is not one of the {} parties in {}", *options.party, parties, options.hosts));
    vm::StreamOutput output(std::cout);
    const PartyReport report = run_networked_party(setup, *options.party, std::move(hosts), net::FileDescriptor(), output);
    std::cout.flush();
    if (!options.quiet) std::cerr << summary_line(backend.name, report, false);
    write_json(options, parties, {report});
    return;
  }

  const int parties = choose_party_count(backend, program, options.parties);
  const LocalRun local = launch_local_parties(setup, parties, options.base_port, options.quiet, std::cout);
  write_json(options, parties, local.reports);
  // The parties printed their own errors; this names the one that failed first and exits
  // with its status.
  if (local.exit_code != 0) throw PartyFailed(local.failure, local.exit_code);
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* command = app.add_subcommand("run", "Run a program (.bc, or .s assembled on the fly) under a protocol");
  command->add_option("program", options->program, "the program: .bc bytecode or .s assembly")->required();
  command->add_option("-p,--protocol", options->protocol, "protocol back-end (see `mpvm protocols`)")->capture_default_str();
  command->add_option("-n,--parties", options->parties, "number of parties (default: what the program and protocol need)")
      ->check(CLI::Range(1, 64));
  command->add_option("-I,--inputs", options->inputs, "directory holding party i's private inputs as P<i>.in")
      ->capture_default_str();
  command->add_option("--party", options->party, "run only this party of a deployment (with --hosts)");
  command->add_option("--hosts", options->hosts, "file with one host:port per party, party 0 first (with --party)");
  command->add_option("--base-port", options->base_port, "local mode: party i listens on this port + i (default: free ports)");
  command->add_option("--timeout", options->timeout, "seconds a silent peer is waited for before the run fails")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  command->add_option("--nonlinear", options->nonlinear,
                      "comparison and truncation: native (the back-end's own fast path) or generic (the layer every back-end inherits)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, protocols::NonlinearPath>{
          {"native", protocols::NonlinearPath::native}, {"generic", protocols::NonlinearPath::generic}}))
      ->default_str("native");
  command->add_option("--include", options->include_dirs, "a folder where .include looks (before programs/); repeatable");
  command->add_option("--seed", options->seed, "seed for emulate's randomness (rands, truncpr); default: fresh");
  command->add_option("--memory-limit", options->memory_limit, "cells per memory bank a program may use")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  command->add_option("--call-depth", options->call_depth, "deepest call nesting allowed")->capture_default_str();
#ifdef MPVM_TEST_HOOKS
  // TEST HOOK, hidden from --help: PARTY:POINT[:OCCURRENCE] makes that party cheat there
  // (protocols/core/deviation.h). Builds without tests (-DMPVM_TESTS=OFF) do not have it.
  command->add_option("--test-deviation", options->test_deviation, "")->group("");
#endif
  command->add_flag("--trace", options->trace, "print each instruction to stderr before it runs");
  command->add_flag("-q,--quiet", options->quiet, "no statistics on stderr");
  command->add_option("--json", options->json, "write each party's statistics (per phase) to this file as JSON");
  command->callback([options, &action] { action = [options] { run(*options); }; });
}

}  // namespace mpvm::cli
