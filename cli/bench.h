// `mpvm bench`: the threat-model comparison. Every (protocol, program) pair runs K times
// with local party processes, as `mpvm run` and `mpvm infer` run them; the parties' JSON
// reports give each phase's time, bytes and rounds. The results become a Markdown table,
// a JSON file and an SVG plot (bench_report.cc).
//
// Figures of one run are those of the slowest or most loaded party (parties wait for each
// other, so the slowest one is the honest time; the most loaded link is the one a real
// network would price). A pair's figures are medians over the K runs, with the wall
// time's spread (min-max) beside its median.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bytecode/program.h"
#include "cli/backends.h"
#include "cli/private_inference.h"
#include "cli/run_report.h"
#include "protocols/net/tcp_transport.h"
#include "protocols/net/transport.h"

namespace mpvm::cli {

// The network a bench runs on: `none` is loopback as it is; `lan` and `wan` are emulated
// in the channel layer (net::LinkShaping), never with tc netem, which needs root.
struct NetworkSetting {
  std::string_view name;
  std::string_view description;
  double one_way_latency_seconds;  // 0 for none
  double bandwidth_bits_per_second;  // 0 for none (unlimited)

  double round_trip_seconds() const { return 2 * one_way_latency_seconds; }
  net::LinkShaping shaping() const { return {one_way_latency_seconds, bandwidth_bits_per_second / 8}; }
  // How the setting is imposed, for the output.
  std::string method() const;
};

std::span<const NetworkSetting> bench_networks();  // none, lan, wan
const NetworkSetting& find_bench_network(std::string_view name);  // InputError naming the known ones

// Sizes of the micro programs: `small` is for tests (a thousand lanes, not a million).
enum class BenchScale { full, small };

struct BenchProgramInfo {
  std::string_view name;
  std::string_view description;  // one line, for --list
  bool in_default;               // false: too long for the default matrix, run when named
  bool is_network;               // a private inference, not a micro program
};

std::span<const BenchProgramInfo> bench_programs();
const BenchProgramInfo& find_bench_program(std::string_view name);  // InputError naming the known ones

// A program of the matrix ready to run, or the reason it cannot be (a model file absent,
// an architecture the generator does not have yet).
struct PreparedBenchProgram {
  std::string name;
  std::string origin;  // where it came from: "generated", a model file's path
  std::optional<bytecode::Program> micro;         // micro programs: run as is, no inputs
  std::optional<PreparedInference> inference;     // networks: a compiled model and its inputs
  std::string unavailable;                        // non-empty: why neither is there
  double prepare_seconds = 0;                     // generating, compiling, writing inputs
};

// Builds the named program. Networks write their parties' input files under `work_dir`
// and look for real model files in `models_dir`. Never throws for an absent model or
// architecture: that becomes `unavailable`.
PreparedBenchProgram prepare_bench_program(const BenchProgramInfo& info, BenchScale scale,
                                           const std::filesystem::path& models_dir, const std::filesystem::path& work_dir);

// Time, bytes sent and rounds of one phase.
struct PhaseFigures {
  double seconds = 0;
  uint64_t bytes_sent = 0;
  uint64_t rounds = 0;
};

// One run: wall time as the launcher sees it (start of the parties to the last report),
// and per phase the slowest party's time and the most loaded party's bytes and rounds.
struct RunFigures {
  double wall_seconds = 0;
  std::array<PhaseFigures, net::kPhaseCount> phases{};
  uint64_t bytes_sent = 0;  // every phase, the party that sent the most
  uint64_t rounds = 0;      // every phase, the party with the most
};

RunFigures figures_of_run(double wall_seconds, std::span<const PartyReport> reports);

enum class PairStatus { measured, not_run, failed };
const char* pair_status_name(PairStatus status);

struct PairResult {
  std::string program;
  std::string protocol;
  int parties = 0;
  PairStatus status = PairStatus::not_run;
  std::string reason;             // why not run, or how it failed
  std::vector<RunFigures> runs;   // one per repeat
  RunFigures median;              // field by field over the runs
  double wall_min = 0, wall_max = 0;
};

// rounds x RTT + bytes / bandwidth: what the run's traffic costs on that network, from
// its counts (the most loaded party, every phase), computing time not included.
double network_estimate_seconds(const RunFigures& figures, const NetworkSetting& network);

struct PairSettings {
  int repeat = 3;
  const NetworkSetting* network = nullptr;  // null: none
  double timeout_seconds = 600;
};

// Runs one pair `repeat` times. A back-end that cannot run the program (party count) or
// whose run fails gives a result with the reason instead of an exception.
PairResult run_bench_pair(const PreparedBenchProgram& program, const BackendInfo& backend, const PairSettings& settings);

struct BenchOptions {
  std::vector<std::string> protocols;  // empty: every networked back-end
  std::vector<std::string> programs;   // empty: the default programs
  int repeat = 3;
  std::string network = "none";
  BenchScale scale = BenchScale::full;
  std::filesystem::path models_dir;
  double timeout_seconds = 600;
};

struct BenchResults {
  std::vector<std::string> protocols;
  std::vector<std::string> programs;
  const NetworkSetting* network = nullptr;
  int repeat = 0;
  BenchScale scale = BenchScale::full;
  std::vector<std::string> program_origins;  // per program, where it came from
  std::vector<PairResult> pairs;             // program-major, in the order asked
  double total_seconds = 0;
  std::array<double, 2> load_average{};      // 1-minute load at the start and at the end
  unsigned cores = 0;
  std::string started;                       // local date and time, ISO 8601
};

// The whole matrix; one progress line per pair on `progress` as it finishes.
BenchResults run_bench(const BenchOptions& options, std::ostream& progress);

// bench_report.cc
std::string bench_markdown(const BenchResults& results);
nlohmann::json bench_json(const BenchResults& results);
std::string bench_svg(const BenchResults& results);
// results.md, results.json and results.svg in `directory` (created if missing).
void write_bench_results(const BenchResults& results, const std::filesystem::path& directory);
// "0.058 s", "8.00 MB": the units the table and the plot use.
std::string format_seconds(double seconds);
std::string format_bytes(uint64_t bytes);

}  // namespace mpvm::cli
