// `mpvm bench` (cli/bench.h) and the channel layer's network emulation it uses
// (net::LinkShaping in protocols/net/tcp_transport.h): the command names every program,
// a tiny run writes a table, JSON and plot whose numbers agree with what rep3 is known to
// send, a protocol that cannot run a program says why, and shaping delays rounds and
// paces bytes at least as much as it claims (timing bounds are one-sided and loose).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/bench.h"
#include "cli/commands.h"
#include "cli/private_inference.h"
#include "compiler_lite/assembler.h"
#include "protocols/net/socket.h"
#include "protocols/net/tcp_transport.h"

namespace mpvm {
namespace {

using cli::BenchScale;
using cli::PairStatus;

// Runs `mpvm <command_line>` in this process, as main does.
void run_mpvm(const std::string& command_line) {
  CLI::App app;
  cli::Action action;
  cli::add_bench_command(app, action);
  app.parse(command_line, false);
  ASSERT_TRUE(action) << command_line;
  action();
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const nlohmann::json* find_pair(const nlohmann::json& results, const std::string& program, const std::string& protocol) {
  for (const nlohmann::json& pair : results.at("pairs"))
    if (pair.at("program") == program && pair.at("protocol") == protocol) return &pair;
  return nullptr;
}

TEST(Bench, ListNamesEveryProgramWithADescription) {
  ::testing::internal::CaptureStdout();
  run_mpvm("bench --list");
  const std::string listed = ::testing::internal::GetCapturedStdout();
  // The names the issue asks for, each on its own line with a description after it.
  for (const char* name : {"mul", "cmp", "matmul", "requant", "mobilenet-0.25-128", "mobilenet-0.5-160", "mobilenet-1.0-224",
                           "mobilenet-v2-1.0-224", "minionn"}) {
    const std::size_t at = listed.find(fmt::format("\n  {} ", name));
    ASSERT_NE(at, std::string::npos) << name << " is not listed:\n" << listed;
    const std::string line = listed.substr(at + 1, listed.find('\n', at + 1) - at - 1);
    EXPECT_GT(line.size(), std::string(name).size() + 30) << "no description: " << line;
  }
  EXPECT_EQ(cli::bench_programs().size(), 9u);
}

// A tiny matrix through the command line: every networked back-end on `mul` at the test
// size (10^3 products), one run. rep3's figures are known exactly: one online round in
// which each party sends one ring element per product plus the 8-byte length.
TEST(Bench, TinyRunWritesConsistentTableJsonAndPlot) {
  const cli::TemporaryDirectory output("mpvm-test-bench");
  run_mpvm(fmt::format("bench --programs mul --repeat 1 --scale small -o {}", output.path().string()));

  const nlohmann::json results = nlohmann::json::parse(read_text(output.path() / "results.json"));
  EXPECT_EQ(results.at("network").at("name"), "none");
  EXPECT_EQ(results.at("repeat"), 1);
  const nlohmann::json* rep3 = find_pair(results, "mul", "rep3");
  ASSERT_NE(rep3, nullptr) << results.dump(2);
  ASSERT_EQ(rep3->at("status"), "measured") << rep3->dump(2);
  EXPECT_EQ(rep3->at("parties"), 3);
  const nlohmann::json& median = rep3->at("median");
  EXPECT_EQ(median.at("phases").at("online").at("rounds"), 1);
  EXPECT_EQ(median.at("phases").at("online").at("bytes_sent"), 1000 * 8 + 8);
  EXPECT_EQ(median.at("phases").at("offline").at("bytes_sent"), 0);
  EXPECT_GE(median.at("bytes_sent").get<uint64_t>(), 8008u);
  EXPECT_GT(median.at("wall_seconds").get<double>(), 0);
  EXPECT_EQ(rep3->at("runs").size(), 1u);
  // The estimate is the formula applied to the counts.
  const double wan = rep3->at("estimate_seconds").at("wan");
  EXPECT_DOUBLE_EQ(wan, median.at("rounds").get<double>() * 0.05 + median.at("bytes_sent").get<double>() * 8 / 100e6);

  // Every networked back-end has a measured row that sent something.
  for (const cli::BackendInfo& backend : cli::backends()) {
    if (backend.run_party == nullptr || !backend.in_bench_default) continue;  // the default matrix
    const nlohmann::json* pair = find_pair(results, "mul", std::string(backend.name));
    ASSERT_NE(pair, nullptr) << backend.name;
    EXPECT_EQ(pair->at("status"), "measured") << pair->dump(2);
    EXPECT_GT(pair->at("median").at("bytes_sent").get<uint64_t>(), 0u) << backend.name;
  }

  // The table shows the same figures.
  const std::string table = read_text(output.path() / "results.md");
  EXPECT_NE(table.find("**Network: none**"), std::string::npos) << table;
  EXPECT_NE(table.find("| mul | rep3 | 3 | "), std::string::npos) << table;
  EXPECT_NE(table.find("| 24 B / 0 B / 8008 B | 1 / 0 / 1 |"), std::string::npos) << table;
  // The plot is one SVG with a bar per measured pair.
  const std::string svg = read_text(output.path() / "results.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_NE(svg.find("<title>mul × rep3: 8032 B</title>"), std::string::npos) << svg;
}

cli::PreparedBenchProgram micro_program(const std::string& name, const std::string& assembly) {
  cli::PreparedBenchProgram program;
  program.name = name;
  program.origin = "test";
  program.micro = compiler_lite::assemble(assembly, name + ".s");
  return program;
}

TEST(Bench, AProtocolThatCannotRunAProgramSaysWhy) {
  // Four parties' inputs: rep3 has exactly three.
  const cli::PreparedBenchProgram four_parties = micro_program("four", "input s0, 3\nopen c0, s0\nprintc c0\n");
  const cli::PairResult rep3 = cli::run_bench_pair(four_parties, cli::find_backend("rep3"), {});
  EXPECT_EQ(rep3.status, PairStatus::not_run);
  EXPECT_EQ(rep3.reason, "rep3 runs with 3 parties; the program needs 4");

  // A program that traps fails on every party: the cell says how.
  const cli::PreparedBenchProgram trapping = micro_program("trap", "ldsi s0, 1\nret\n");
  const cli::PairResult failed = cli::run_bench_pair(trapping, cli::find_backend("rep3"), {1, nullptr, 30});
  EXPECT_EQ(failed.status, PairStatus::failed);
  EXPECT_NE(failed.reason.find("exited with status 3 (the program trapped)"), std::string::npos) << failed.reason;

  // Both reasons reach the table instead of the rows being dropped.
  cli::BenchResults results;
  results.network = &cli::find_bench_network("none");
  results.repeat = 1;
  results.protocols = {"rep3"};
  results.pairs = {rep3, failed};
  const std::string table = cli::bench_markdown(results);
  EXPECT_NE(table.find("| four | rep3 | — | not run: rep3 runs with 3 parties; the program needs 4 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| trap | rep3 | 3 | failed: party "), std::string::npos) << table;
  EXPECT_NE(cli::bench_svg(results).find("not run"), std::string::npos);
}

TEST(Bench, AnAbsentModelFileIsACellNotAnError) {
  const cli::TemporaryDirectory output("mpvm-test-bench"), no_models("mpvm-test-models");
  run_mpvm(fmt::format("bench --programs mobilenet-v2-1.0-224 --protocols rep3 --repeat 1 --models {} -o {}",
                       no_models.path().string(), output.path().string()));
  const nlohmann::json results = nlohmann::json::parse(read_text(output.path() / "results.json"));
  const nlohmann::json* pair = find_pair(results, "mobilenet-v2-1.0-224", "rep3");
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->at("status"), "not run");
  EXPECT_EQ(pair->at("reason"),
            fmt::format("not available: mobilenet_v2_1.0_224_quant.tflite is not in {}", no_models.path().string()));
}

// A network program is a private inference, as `mpvm infer` runs it: MiniONN's CNN (the
// smallest) under rep3 reveals a label and costs its layers' rounds.
TEST(Bench, ANetworkProgramRunsAPrivateInference) {
  const cli::TemporaryDirectory work("mpvm-test-bench");
  const cli::PreparedBenchProgram minionn =
      cli::prepare_bench_program(cli::find_bench_program("minionn"), BenchScale::full, work.path(), work.path());
  ASSERT_EQ(minionn.unavailable, "");
  ASSERT_TRUE(minionn.inference);
  EXPECT_TRUE(std::filesystem::exists(minionn.inference->inputs_directory / "P0.in"));
  EXPECT_TRUE(std::filesystem::exists(minionn.inference->inputs_directory / "P1.in"));
  const cli::PairResult pair = cli::run_bench_pair(minionn, cli::find_backend("rep3"), {1, nullptr, 60});
  ASSERT_EQ(pair.status, PairStatus::measured) << pair.reason;
  EXPECT_EQ(pair.parties, 3);
  // Two convolutions, two max pools, two fully-connected layers and an argmax: far more
  // than a handful of rounds, and megabytes.
  EXPECT_GT(pair.median.phases[static_cast<int>(net::Phase::online)].rounds, 50u);
  EXPECT_GT(pair.median.bytes_sent, 1000000u);
}

TEST(Bench, NetworkEstimateIsRoundsTimesRttPlusBytesOverBandwidth) {
  cli::RunFigures figures;
  figures.rounds = 10;
  figures.bytes_sent = 1250000;  // 10 Mbit
  EXPECT_DOUBLE_EQ(cli::network_estimate_seconds(figures, cli::find_bench_network("wan")), 10 * 0.05 + 0.1);
  EXPECT_DOUBLE_EQ(cli::network_estimate_seconds(figures, cli::find_bench_network("lan")), 10 * 0.2e-3 + 0.001);
  EXPECT_DOUBLE_EQ(cli::network_estimate_seconds(figures, cli::find_bench_network("none")), 0);
}

// Shaping through the whole stack: every rep3 round of 10^3 comparisons waits for a
// message that left at most when the previous round ended, so the run takes at least
// rounds x one-way latency. Loose upper bound: the unshaped run plus twice that plus 2 s.
TEST(Bench, ShapingAddsAtLeastLatencyTimesRounds) {
  const cli::TemporaryDirectory work("mpvm-test-bench");
  const cli::PreparedBenchProgram cmp =
      cli::prepare_bench_program(cli::find_bench_program("cmp"), BenchScale::small, work.path(), work.path());
  const cli::NetworkSetting slow{"test", "20 ms one way, unlimited bandwidth", 0.02, 0};
  const cli::PairResult plain = cli::run_bench_pair(cmp, cli::find_backend("rep3"), {1, nullptr, 30});
  const cli::PairResult shaped = cli::run_bench_pair(cmp, cli::find_backend("rep3"), {1, &slow, 30});
  ASSERT_EQ(plain.status, PairStatus::measured) << plain.reason;
  ASSERT_EQ(shaped.status, PairStatus::measured) << shaped.reason;
  const double rounds = static_cast<double>(shaped.median.rounds);
  EXPECT_GE(rounds, 5);  // comparisons take several rounds
  EXPECT_EQ(shaped.median.rounds, plain.median.rounds);
  EXPECT_GE(shaped.median.wall_seconds, rounds * 0.02);
  EXPECT_LE(shaped.median.wall_seconds, plain.median.wall_seconds + 2 * rounds * 0.02 + 2.0);
}

// Two parties over loopback with shaping, one thread each: a message arrives no sooner
// than its transmission time plus the latency after it was sent, and a second message
// queues behind the first on the link.
TEST(Bench, ShapingPacesBytesAtTheBandwidth) {
  std::vector<net::FileDescriptor> listeners;
  std::vector<net::Endpoint> hosts;
  for (int party = 0; party < 2; ++party) {
    listeners.push_back(net::listen_on("127.0.0.1", 0));
    hosts.push_back({"127.0.0.1", net::local_port(listeners.back().get())});
  }
  net::TcpOptions options;
  options.timeout_seconds = 10;
  options.shaping = {0.03, 10e6};  // 30 ms, 10 MB/s
  const std::vector<uint8_t> message(1000000, 0x5a);
  using Clock = std::chrono::steady_clock;
  std::atomic<Clock::rep> sent_ticks{0};  // written by the sender's thread
  std::vector<double> arrived_after;  // seconds from the first send to each receive's end
  std::string failure;
  std::thread sender([&] {
    try {
      net::TcpTransport transport(0, hosts, std::move(listeners[0]), options);
      sent_ticks = Clock::now().time_since_epoch().count();
      transport.send(1, message);
      transport.send(1, message);
      std::vector<uint8_t> done(1);
      transport.receive(1, done);  // keeps the connection open until the receiver is done
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  try {
    net::TcpTransport transport(1, hosts, std::move(listeners[1]), options);
    std::vector<uint8_t> received(message.size());
    for (int k = 0; k < 2; ++k) {
      transport.receive(0, received);
      const Clock::time_point sent{Clock::duration(sent_ticks.load())};
      arrived_after.push_back(std::chrono::duration<double>(Clock::now() - sent).count());
      EXPECT_EQ(received, message);
    }
    const std::vector<uint8_t> done(1);
    transport.send(0, done);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  sender.join();
  ASSERT_EQ(failure, "");
  ASSERT_EQ(arrived_after.size(), 2u);
  const double transmission = (1000000 + 8) / 10e6;  // 0.1 s per message
  EXPECT_GE(arrived_after[0], transmission + 0.03);
  EXPECT_GE(arrived_after[1], 2 * transmission + 0.03);
  EXPECT_LE(arrived_after[1], 2 * transmission + 0.03 + 1.0);
}

}  // namespace
}  // namespace mpvm
