// semi2k against emulate with 2, 3 and 4 parties, its triples, its communication per
// phase, the privacy of what a party receives, and a dead peer. All parties run as
// threads over the in-memory transport; tests/e2e runs the examples as real processes.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "protocols/net/memory_transport.h"
#include "protocols/semi2k/semi2k.h"
#include "tests/support/differential.h"
#include "tests/support/example_programs.h"
#include "tests/support/random_program.h"
#include "tests/support/recording_transport.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

using protocols::NonlinearPath;
using protocols::semi2k::BilinearTriple;
using protocols::semi2k::ProductTaps;

using testing::expect_no_errors;

TEST(Semi2kDifferential, RandomProgramsPrintExactlyWhatEmulatePrintsFor2To4Parties) {
  // More parties take the generic comparison layer, whose random bits cost many
  // products: fewer seeds there keep the test fast.
  for (int parties = 2; parties <= 4; ++parties)
    for (uint64_t seed = 1; seed <= (parties == 2 ? 8u : 2u); ++seed) {
      testing::RandomProgramOptions options;
      options.parties = parties;
      testing::expect_random_program_matches_emulate(100 * parties + seed, options, testing::semi2k_party());
    }
}

TEST(Semi2kDifferential, ExampleProgramsPrintTheirExpectedOutput) {
  int checked = 0;
  for (const testing::ExampleProgram& example : testing::example_programs()) {
    const bytecode::Program program = compiler_lite::assemble(example.source, example.path.string());
    for (int parties = std::max<int>(2, static_cast<int>(program.requirements.min_parties)); parties <= 3; ++parties) {
      testing::expect_example_output(example, parties, testing::semi2k_party());
      ++checked;
    }
  }
  EXPECT_GE(checked, 5);
}

TEST(Semi2kDifferential, ComparisonsAndTruncationForEveryBitWidthWithTwoParties) {
  std::mt19937_64 rng(5);
  for (unsigned bits : {2u, 9u, 20u, 33u, 63u, 64u}) {
    const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
    std::vector<int64_t> values = {0, 1, -1, max, -max - 1, max - 1, -max};
    for (int k = 0; k < 40; ++k)
      values.push_back(bits == 64 ? static_cast<int64_t>(rng())
                                  : static_cast<int64_t>(rng() % (uint64_t{1} << bits)) - (int64_t{1} << (bits - 1)));
    const unsigned m = bits / 2;
    const std::string source = fmt::format(
        "input:{0} s0, 1\nltz:{0} s{0}, s0, {1}\neqz:{0} s{2}, s0, {1}\ntrunc:{0} s{3}, s0, {4}, {1}\n"
        "open:{5} c0, s{0}\nprintc:{5} c0\n",
        values.size(), bits, 2 * values.size(), 3 * values.size(), m, 3 * values.size());
    const bytecode::Program program = compiler_lite::assemble(source, "cmp.s");
    const std::string expected = testing::run_emulate(program, {{1, values}}, 2).output;
    const testing::PartiesRun run = testing::run_parties(2, program, {{1, values}}, testing::semi2k_party());
    expect_no_errors(run);
    EXPECT_EQ(run.output, expected) << bits << " bits";
  }
}

// ---- triples ----

// Runs the triple generator for `taps` at every party; returns each party's shares.
std::vector<BilinearTriple> generate_triples(int parties, const ProductTaps& taps) {
  net::MemoryNetwork network(parties, 30);
  std::vector<BilinearTriple> triples(static_cast<std::size_t>(parties));
  std::vector<std::thread> threads;
  for (int party = 0; party < parties; ++party)
    threads.emplace_back([&, party] {
      std::unique_ptr<net::Transport> transport = network.transport(party);
      crypto::Prg prg(crypto::random_key());
      const unsigned k = protocols::Semi2kProtocol::kDefaultSoftspokenK;
      protocols::semi2k::PeerOtTable peer_ots = protocols::semi2k::setup_peer_ots(*transport, k);
      protocols::semi2k::TripleGenerator generator(*transport, prg, peer_ots, k);
      triples[static_cast<std::size_t>(party)] = generator.generate(taps);
    });
  for (auto& t : threads) t.join();
  return triples;
}

std::vector<uint64_t> reconstruct(const std::vector<BilinearTriple>& triples, std::vector<uint64_t> BilinearTriple::*part) {
  std::vector<uint64_t> sum((triples[0].*part).size(), 0);
  for (const BilinearTriple& t : triples)
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += (t.*part)[k];
  return sum;
}

void expect_triple_holds(int parties, const ProductTaps& taps, const std::string& what) {
  const std::vector<BilinearTriple> triples = generate_triples(parties, taps);
  const std::vector<uint64_t> u = reconstruct(triples, &BilinearTriple::u), v = reconstruct(triples, &BilinearTriple::v);
  std::vector<uint64_t> expected(taps.out_size(), 0);
  taps.accumulate(expected, u, v);
  EXPECT_EQ(reconstruct(triples, &BilinearTriple::w), expected) << what << " with " << parties << " parties";
  // V's shares are the OT choice bits: far from constant.
  int ones = 0;
  for (uint64_t x : triples[0].v) ones += std::popcount(x);
  EXPECT_NEAR(ones, 32.0 * static_cast<double>(triples[0].v.size()), 8 * std::sqrt(16.0 * triples[0].v.size())) << what;
}

TEST(Semi2kTriples, WEqualsTheProductOfUAndVForEveryProductKind) {
  protocols::Conv2dShape conv{9, 7, 4, 5, 4, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2};
  for (int parties : {2, 3, 4}) {
    expect_triple_holds(parties, ProductTaps::elementwise(1000), "elementwise");
    expect_triple_holds(parties, ProductTaps::dot(13, 17), "dot");
    expect_triple_holds(parties, ProductTaps::matmul({5, 7, 3}, 2), "matmul");
    expect_triple_holds(parties, ProductTaps::conv2d(conv, 2), "conv2d");
  }
}

TEST(Semi2kTriples, ManyChunks) {
  // 40,000 elements are 2.56 million OTs per peer: three chunks.
  expect_triple_holds(2, ProductTaps::elementwise(40000), "elementwise, 3 chunks");
}

// ---- communication ----

TEST(Semi2kCommunication, OnlineMulSendsTwoRingElementsPerProductInOneRound) {
  const bytecode::Program program =
      compiler_lite::assemble("input:1000 s0, 0\ninput:1000 s1000, 1\nmuls:1000 s2000, s0, s1000\n", "mul.s");
  const testing::PartiesRun run = testing::run_parties(
      2, program, {{0, std::vector<int64_t>(1000, 3)}, {1, std::vector<int64_t>(1000, 5)}}, testing::semi2k_party());
  expect_no_errors(run);
  for (int party = 0; party < 2; ++party) {
    // Inputs send nothing; the product opens d and e: 2 elements per product plus a frame.
    EXPECT_EQ(run.online[party].bytes_sent, 2 * 8 * 1000 + 8) << party;
    EXPECT_EQ(run.online[party].rounds, 1u) << party;
  }
}

TEST(Semi2kCommunication, MatrixProductsOpenTheirOperandsNotEveryTerm) {
  // 20x30 times 30x10: 600 + 300 elements opened, not 2 * 6000 products.
  const bytecode::Program program = compiler_lite::assemble(
      "input:600 s0, 0\ninput:300 s600, 1\nstms:900 s0, 0\nmatmuls 900, 0, 600, 20, 30, 10\n", "matmul.s");
  const testing::PartiesRun run = testing::run_parties(
      2, program, {{0, std::vector<int64_t>(600, 3)}, {1, std::vector<int64_t>(300, 5)}}, testing::semi2k_party());
  expect_no_errors(run);
  EXPECT_EQ(run.online[0].bytes_sent, 8 * 900 + 8);
  EXPECT_EQ(run.online[0].rounds, 1u);
}

// ---- privacy ----

TEST(Semi2kPrivacy, EveryWordAPartyReceivesLooksUniform) {
  // Two parties: the OT-based comparison; three: products only (the generic layer's
  // messages are products and openings of masked values too).
  for (int parties : {2, 3})
    for (const std::string operation : {"mul", "ltz", "trunc"})
      for (int64_t secret : {int64_t{0}, int64_t{-1}}) {
        if (parties == 3 && operation != "mul") continue;
        testing::expect_every_bit_balanced(testing::words_seen_by_party_1<protocols::Semi2kProtocol>(parties, secret, operation, 2048),
                                           fmt::format("{} parties, {} of {}", parties, operation, secret));
      }
}

TEST(Semi2kPrivacy, InputSharesReconstructAndLookUniform) {
  const int parties = 3;
  net::MemoryNetwork network(parties, 30);
  const std::vector<int64_t> values(4096, 42);
  std::vector<std::vector<uint64_t>> shares(parties, std::vector<uint64_t>(values.size()));
  std::vector<std::thread> threads;
  for (int party = 0; party < parties; ++party)
    threads.emplace_back([&, party] {
      std::unique_ptr<net::Transport> transport = network.transport(party);
      protocols::Semi2kProtocol protocol(*transport);
      protocol.input(2, shares[party], party == 2 ? std::span<const int64_t>(values) : std::span<const int64_t>());
    });
  for (auto& t : threads) t.join();
  for (std::size_t k = 0; k < values.size(); ++k) EXPECT_EQ(shares[0][k] + shares[1][k] + shares[2][k], 42u);
  for (int party = 0; party < parties; ++party) {
    double ones = 0;
    for (uint64_t s : shares[party]) ones += std::popcount(s);
    EXPECT_NEAR(ones, 32.0 * 4096, 5 * std::sqrt(16.0 * 4096)) << party;
  }
}

// ---- failures ----

TEST(Semi2kFailures, TooFewPartiesIsRefused) {
  net::MemoryNetwork network(1, 5);
  std::unique_ptr<net::Transport> transport = network.transport(0);
  EXPECT_THROW(protocols::Semi2kProtocol protocol(*transport), InputError);
}

TEST(Semi2kFailures, APeerThatDiesEndsTheOthersWithAnErrorNamingIt) {
  const bytecode::Program program = compiler_lite::assemble("input:10 s0, 0\nmuls:10 s10, s0, s0\nopen:10 c0, s10\n", "t.s");
  const testing::PartiesRun run =
      testing::run_parties(3, program, {{0, std::vector<int64_t>(10, 1)}},
                           [](net::Transport& transport, const bytecode::Program& p, vm::PrivateInputs& inputs,
                              vm::ProgramOutput& output) -> vm::RunStatistics {
                             if (transport.party() == 2) throw RuntimeError("party 2 stops");
                             return testing::semi2k_party()(transport, p, inputs, output);
                           });
  EXPECT_NE(run.errors[0].find("party 2"), std::string::npos) << run.errors[0];
  EXPECT_NE(run.errors[1].find("party 2"), std::string::npos) << run.errors[1];
}

}  // namespace
}  // namespace mpvm
