// `mpvm run PROG --protocol NAME`: load (assemble if needed), check the program against
// the back-end, run it, print statistics on stderr (and as JSON with --json).
#include <iostream>
#include <memory>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/program_files.h"

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
};

int choose_party_count(const BackendInfo& backend, const bytecode::Program& program, int requested) {
  const int needed = static_cast<int>(program.requirements.min_parties);
  int parties = requested > 0 ? requested : std::max(needed, backend.min_parties);
  if (parties < backend.min_parties || (backend.max_parties > 0 && parties > backend.max_parties))
    throw InputError(fmt::format("{} runs with {} parties, not {}", backend.name, backend.parties, parties));
  if (parties < needed)
    throw InputError(fmt::format("{}: the program names party {} but the run has only {} parties (--parties)",
                                 program.name, needed - 1, parties));
  return parties;
}

nlohmann::json counters_json(const protocols::CommunicationCounters& c) {
  return {{"bytes_sent", c.bytes_sent}, {"bytes_received", c.bytes_received}, {"rounds", c.rounds}};
}

void report(const RunCommandOptions& options, int parties, const vm::RunStatistics& stats) {
  if (!options.quiet) {
    std::cerr << fmt::format("[mpvm] {} with {} part{}: {:.6f} s, {} instructions, {} bytes sent, {} rounds\n",
                             options.protocol, parties, parties == 1 ? "y" : "ies", stats.seconds, stats.instructions,
                             stats.communication.bytes_sent, stats.communication.rounds);
    for (const auto& [id, timer] : stats.timers)
      std::cerr << fmt::format("[mpvm] timer {}: {:.6f} s, {} bytes sent, {} rounds\n", id, timer.seconds,
                               timer.communication.bytes_sent, timer.communication.rounds);
  }
  if (!options.json.empty()) {
    nlohmann::json timers = nlohmann::json::object();
    for (const auto& [id, timer] : stats.timers) {
      nlohmann::json entry = counters_json(timer.communication);
      entry["seconds"] = timer.seconds;
      timers[std::to_string(id)] = entry;
    }
    nlohmann::json document = {{"protocol", options.protocol},
                               {"parties", parties},
                               {"program", options.program},
                               {"seconds", stats.seconds},
                               {"instructions", stats.instructions},
                               {"communication", counters_json(stats.communication)},
                               {"timers", timers}};
    write_file_atomically(options.json, document.dump(2) + "\n");
  }
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* command = app.add_subcommand("run", "Run a program (.bc, or .s assembled on the fly) under a protocol");
  command->add_option("program", options->program, "the program: .bc bytecode or .s assembly")->required();
  command->add_option("-p,--protocol", options->protocol, "protocol back-end (see `mpvm protocols`)")->capture_default_str();
  command->add_option("-n,--parties", options->parties, "number of parties (default: what the program and protocol need)")
      ->check(CLI::Range(1, 1 << 16));
  command->add_option("-I,--inputs", options->inputs, "directory holding party i's private inputs as P<i>.in")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "seed for emulate's randomness (rands, truncpr); default: fresh");
  command->add_option("--memory-limit", options->memory_limit, "cells per memory bank a program may use")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  command->add_option("--call-depth", options->call_depth, "deepest call nesting allowed")->capture_default_str();
  command->add_flag("--trace", options->trace, "print each instruction to stderr before it runs");
  command->add_flag("-q,--quiet", options->quiet, "no statistics on stderr");
  command->add_option("--json", options->json, "write the run's statistics to this file as JSON");
  command->callback([options, &action] {
    action = [options] {
      const BackendInfo& backend = find_backend(options->protocol);
      const bytecode::Program program = load_program(options->program);
      const int parties = choose_party_count(backend, program, options->parties);
      const uint64_t seed = options->seed ? *options->seed : std::random_device{}();
      vm::RunOptions run_options;
      run_options.limits.memory_cells = options->memory_limit;
      run_options.limits.call_depth = options->call_depth;
      run_options.trace = options->trace ? &std::cerr : nullptr;
      const vm::RunStatistics stats =
          run_backend(backend, RunRequest{program, parties, options->inputs, seed, run_options, std::cout});
      std::cout.flush();
      report(*options, parties, stats);
    };
  });
}

}  // namespace mpvm::cli
