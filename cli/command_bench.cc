// `mpvm bench [--protocols LIST] [--programs LIST] [--repeat K] [--network lan|wan|none]
// [-o DIR] [--list]`: the threat-model comparison (cli/bench.h).
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "base/errors.h"
#include "cli/bench.h"
#include "cli/commands.h"

namespace mpvm::cli {
namespace {

struct BenchCommandOptions {
  BenchOptions bench;
  std::string output = "bench-results";
  bool list = false;
};

void list_programs(std::ostream& out) {
  out << "programs (* = in the default matrix; the others run when named with --programs):\n";
  for (const BenchProgramInfo& program : bench_programs())
    out << fmt::format("  {:<22} {} {}\n", program.name, program.in_default ? '*' : ' ', program.description);
  std::string networked, named_only;
  for (const BackendInfo& backend : backends()) {
    if (backend.run_party == nullptr) continue;
    std::string& list = backend.in_bench_default ? networked : named_only;
    list += (list.empty() ? "" : ", ") + std::string(backend.name);
  }
  out << fmt::format("protocols (default: {}; when named: {})\n", networked, named_only);
  out << "networks:\n";
  for (const NetworkSetting& network : bench_networks())
    out << fmt::format("  {:<22}   {}\n", network.name, network.description);
}

void run(const BenchCommandOptions& options) {
  if (options.list) {
    list_programs(std::cout);
    return;
  }
  const BenchResults results = run_bench(options.bench, std::cerr);
  write_bench_results(results, options.output);
  std::cerr << fmt::format("[bench] wrote {0}/results.md, {0}/results.json, {0}/results.svg in {1}\n", options.output,
                           format_seconds(results.total_seconds));
}

}  // namespace

void add_bench_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<BenchCommandOptions>();
  // The models folder beside the source tree (../shared/models), as the tests look for it.
  options->bench.models_dir = std::filesystem::path(MPVM_PROGRAMS_DIR "/../../shared/models").lexically_normal();
  CLI::App* command = app.add_subcommand(
      "bench",
      "The threat-model comparison: every (protocol, program) pair with local parties; a table (results.md), "
      "results.json and a plot (results.svg)");
  command->add_option("--protocols", options->bench.protocols,
                      "comma-separated back-ends (default: every networked one but rep3-mal, which runs when named; `mpvm protocols` lists them)")
      ->delimiter(',');
  command->add_option("--programs", options->bench.programs,
                      "comma-separated programs (default: all but mobilenet-0.5-160, mobilenet-1.0-224 and "
                      "mobilenet-v2-1.0-224, which take minutes per run under semi2k, so the default matrix stays "
                      "within 15 minutes; they run when named; --list names them all)")
      ->delimiter(',');
  command->add_option("--repeat", options->bench.repeat, "runs per pair (median and min-max reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command->add_option("--network", options->bench.network,
                      "none (loopback), lan (0.2 ms RTT, 10 Gbit/s) or wan (50 ms RTT, 100 Mbit/s), the latter two "
                      "emulated in the channel layer")
      ->check(CLI::IsMember({"none", "lan", "wan"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "folder for results.md, results.json, results.svg")
      ->capture_default_str();
  command->add_option("--models", options->bench.models_dir, "where the real .tflite files are looked for")
      ->capture_default_str();
  command->add_option("--timeout", options->bench.timeout_seconds, "seconds a silent party is waited for")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  // For tests: micro programs a thousand times smaller; networks unchanged.
  command->add_option("--scale", options->bench.scale)
      ->transform(CLI::CheckedTransformer(std::map<std::string, BenchScale>{{"full", BenchScale::full}, {"small", BenchScale::small}}))
      ->group("");
  command->add_flag("--list", options->list, "name every program with a one-line description, and stop");
  command->callback([options, &action] { action = [options] { run(*options); }; });
}

}  // namespace mpvm::cli
