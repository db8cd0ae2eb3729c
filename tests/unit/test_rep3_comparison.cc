// rep3's comparison and exact truncation against emulate: edge values for many bit
// widths, every shift, random values, vector lengths from 1 to 10^5, and their costs.
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "protocols/rep3/binary.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

// The values that stress a `bits`-bit signed comparison: 0, +-1, the range ends and their
// neighbours, powers of two, and random values in range.
std::vector<int64_t> interesting_values(unsigned bits, std::size_t random_count, uint64_t seed) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
  std::vector<int64_t> values = {0, 1, -1, 2, -2, max, min, max - 1, min + 1};
  for (unsigned p = 0; p + 1 < bits; ++p) values.push_back(int64_t{1} << p), values.push_back(-(int64_t{1} << p));
  std::mt19937_64 rng(seed);
  for (std::size_t k = 0; k < random_count; ++k) {
    const uint64_t r = rng();
    values.push_back(bits == 64 ? static_cast<int64_t>(r) : static_cast<int64_t>(r % (uint64_t{1} << bits)) + min);
  }
  std::vector<int64_t> in_range;
  for (int64_t v : values)
    if (v >= min && v <= max) in_range.push_back(v);
  return in_range;
}

// Runs `body` (which reads N values of party 1 into s0 and leaves results in s[N..2N))
// under emulate and rep3 and expects the same output.
void expect_rep3_equals_emulate(const std::string& operation, const std::vector<int64_t>& values) {
  const std::size_t n = values.size();
  const std::string program = fmt::format("input:{0} s0, 1\n{1}\nopen:{0} c0, s{0}\nprintc:{0} c0\n", n, operation);
  const bytecode::Program assembled = compiler_lite::assemble(program, "test.s");
  const std::string expected = testing::run_emulate(assembled, {{1, values}}, 3).output;
  const testing::PartiesRun run = testing::run_parties(3, assembled, {{1, values}}, testing::rep3_party());
  for (const std::string& error : run.errors) ASSERT_EQ(error, "") << operation;
  EXPECT_EQ(run.output, expected) << operation;
}

TEST(Rep3Comparison, LtzMatchesEmulateForEveryBitWidth) {
  for (unsigned bits : {1u, 2u, 3u, 8u, 16u, 20u, 31u, 32u, 33u, 63u, 64u}) {
    const auto values = interesting_values(bits, 300, bits);
    expect_rep3_equals_emulate(fmt::format("ltz:{0} s{0}, s0, {1}", values.size(), bits), values);
  }
}

TEST(Rep3Comparison, EqzMatchesEmulateForEveryBitWidth) {
  for (unsigned bits : {1u, 2u, 7u, 16u, 20u, 32u, 64u}) {
    auto values = interesting_values(bits, 300, 100 + bits);
    for (int k = 0; k < 50; ++k) values.push_back(0);  // make equality common
    expect_rep3_equals_emulate(fmt::format("eqz:{0} s{0}, s0, {1}", values.size(), bits), values);
  }
}

TEST(Rep3Comparison, TruncIsExactForEveryShift) {
  for (unsigned bits : {32u, 64u}) {
    const auto values = interesting_values(bits, 200, 200 + bits);
    for (unsigned m = 1; m < bits; ++m)
      expect_rep3_equals_emulate(fmt::format("trunc:{0} s{0}, s0, {1}, {2}", values.size(), m, bits), values);
  }
  // Below 64 bits the wrap term is a cross bit modulo 2^(m+1): every width up to 63 bits
  // and m = bits - 1 (the widest such term) included.
  for (unsigned bits : {2u, 9u, 20u, 41u, 62u, 63u}) {
    const auto values = interesting_values(bits, 100, 300 + bits);
    for (unsigned m : {1u, bits / 2, bits - 1})
      expect_rep3_equals_emulate(fmt::format("trunc:{0} s{0}, s0, {1}, {2}", values.size(), m, bits), values);
  }
}

TEST(Rep3Comparison, ResultMayOverwriteTheInput) {
  const std::vector<int64_t> values = {-3, 0, 3, -100000, 99999};
  for (const char* op : {"ltz:5 s0, s0, 20\nmovs:5 s5, s0", "eqz:5 s0, s0, 20\nmovs:5 s5, s0",
                         "trunc:5 s0, s0, 2, 20\nmovs:5 s5, s0"})
    expect_rep3_equals_emulate(op, values);
}

TEST(Rep3Comparison, BalancedThirdsFillThePartiesBehindFirst) {
  using protocols::rep3::balanced_thirds;
  std::array<uint64_t, 3> surplus{0, 0, 0};
  auto sizes = [](const protocols::rep3::LaneThirds& t) { return std::array<std::size_t, 3>{t.size(0), t.size(1), t.size(2)}; };
  EXPECT_EQ(sizes(balanced_thirds(9, 10, surplus)), (std::array<std::size_t, 3>{3, 3, 3}));
  surplus = {100, 0, 0};  // party 0 ahead by 10 lanes' worth: the others take everything
  EXPECT_EQ(sizes(balanced_thirds(9, 10, surplus)), (std::array<std::size_t, 3>{0, 5, 4}));
  surplus = {100, 0, 0};  // more lanes than the gap: even again, then thirds
  EXPECT_EQ(sizes(balanced_thirds(50, 10, surplus)), (std::array<std::size_t, 3>{10, 20, 20}));
  EXPECT_EQ(surplus[0], surplus[1]);
  EXPECT_EQ(surplus[1], surplus[2]);
  surplus = {0, 30, 70};  // fill party 0 up to party 1, then both up to party 2
  EXPECT_EQ(sizes(balanced_thirds(7, 10, surplus)), (std::array<std::size_t, 3>{5, 2, 0}));
  EXPECT_EQ(sizes(balanced_thirds(2, 0, surplus)), (std::array<std::size_t, 3>{0, 0, 2}));  // no extra: equal thirds
}

TEST(Rep3Comparison, TheSplitterRoleEvensOutWhatPartiesSentBefore) {
  // Party 0 inputs 10^5 values (800 kB more than the others); then 10^6 20-bit comparisons,
  // whose splitter sends 20 bits a lane more than a helper. The thirds lean away from party
  // 0 until the parties are even: over the whole run they send within 1% of each other
  // (equal thirds would leave party 0 about 5% ahead).
  const std::string program = "input:100000 s0, 0\nrands:1000000 s100000\nltz:1000000 s1100000, s100000, 20\n";
  std::vector<int64_t> values(100000, 7);
  const testing::PartiesRun run = testing::run_parties(3, compiler_lite::assemble(program, "t.s"), {{0, values}}, testing::rep3_party());
  for (const std::string& error : run.errors) ASSERT_EQ(error, "");
  uint64_t most = 0, least = UINT64_MAX;
  for (int party = 0; party < 3; ++party) {
    most = std::max(most, run.online[party].bytes_sent);
    least = std::min(least, run.online[party].bytes_sent);
  }
  EXPECT_LT(most - least, most / 100) << "most " << most << ", least " << least;
}

TEST(Rep3Comparison, FewerLanesThanParties) {
  // One or two lanes leave some thirds empty: their splitters send nothing for them.
  for (const std::vector<int64_t>& values : {std::vector<int64_t>{-7}, std::vector<int64_t>{5, -1}}) {
    const std::size_t n = values.size();
    expect_rep3_equals_emulate(fmt::format("ltz:{0} s{0}, s0, 20", n), values);
    expect_rep3_equals_emulate(fmt::format("eqz:{0} s{0}, s0, 20", n), values);
    expect_rep3_equals_emulate(fmt::format("trunc:{0} s{0}, s0, 3, 20", n), values);
    expect_rep3_equals_emulate(fmt::format("trunc:{0} s{0}, s0, 3, 64", n), values);
  }
}

TEST(Rep3Comparison, ManyLanesAtOnce) {
  std::mt19937_64 rng(5);
  std::vector<int64_t> values(100000);
  for (int64_t& v : values) v = static_cast<int64_t>(rng());
  expect_rep3_equals_emulate("ltz:100000 s100000, s0, 64", values);
  for (int64_t& v : values) v = static_cast<int64_t>(rng() % (1 << 20)) - (1 << 19);
  expect_rep3_equals_emulate("trunc:100000 s100000, s0, 7, 20", values);
}

// The rounds of timer 1 at the slowest party (all three agree), and the output.
std::pair<uint64_t, std::string> rounds_and_output(const std::string& program, const std::vector<int64_t>& values) {
  const bytecode::Program assembled = compiler_lite::assemble(program, "batch.s");
  const testing::PartiesRun run = testing::run_parties(3, assembled, {{1, values}}, testing::rep3_party());
  for (const std::string& error : run.errors) EXPECT_EQ(error, "");
  uint64_t rounds = 0;
  for (int party = 0; party < 3; ++party) rounds = std::max(rounds, run.statistics[party].timers.at(1).communication.rounds);
  EXPECT_EQ(run.output, testing::run_emulate(assembled, {{1, values}}, 3).output) << program;
  return {rounds, run.output};
}

TEST(Rep3Comparison, AdjacentIndependentInstructionsShareRounds) {
  // A truncation by 39 (8 rounds) and a 26-bit ltz (7) with no register in common run in
  // the truncation's 8 rounds; the same pair with the ltz reading the truncation's output
  // cannot, and takes 15.
  std::vector<int64_t> values;
  for (int64_t v : interesting_values(26, 200, 7)) values.push_back(v);
  const std::size_t n = values.size();
  const std::string prologue = fmt::format("input:{0} s0, 1\nmulsi:{0} s{0}, s0, 1000\nstarttimer 1\n", n);
  const std::string epilogue = fmt::format("stoptimer 1\nopen:{0} c0, s{1}\nprintc:{0} c0\nopen:{0} c0, s{2}\nprintc:{0} c0\n", n, 2 * n, 3 * n);
  const auto [shared, shared_output] =
      rounds_and_output(prologue + fmt::format("trunc:{0} s{1}, s{0}, 39, 55\nltz:{0} s{2}, s0, 26\n", n, 2 * n, 3 * n) + epilogue, values);
  EXPECT_EQ(shared, 8u);
  const auto [chained, chained_output] =
      rounds_and_output(prologue + fmt::format("trunc:{0} s{1}, s{0}, 39, 55\nltz:{0} s{2}, s{1}, 26\n", n, 2 * n, 3 * n) + epilogue, values);
  EXPECT_EQ(chained, 15u);
  // The second instruction overwriting the first's input: not independent either.
  const auto [overwriting, overwriting_output] =
      rounds_and_output(prologue + fmt::format("trunc:{0} s{1}, s{0}, 39, 55\nltz:{0} s{0}, s0, 26\nmovs:{0} s{2}, s{0}\n", n, 2 * n, 3 * n) + epilogue, values);
  EXPECT_EQ(overwriting, 15u);
}

TEST(Rep3Comparison, BatchesOfEveryShapeMatchEmulate) {
  // Runs of up to five adjacent independent ltz/trunc instructions, random widths, shifts
  // and lengths (64-bit truncations with their second tree, one-position trees, empty
  // thirds), each checked against emulate.
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 12; ++trial) {
    const int members = 2 + static_cast<int>(rng() % 4);
    std::vector<int64_t> values;
    std::string body;
    std::string reveal;
    int64_t next_register = 0;
    for (int k = 0; k < members; ++k) {
      const unsigned bits = std::array{1u, 2u, 9u, 26u, 40u, 63u, 64u}[rng() % 7];
      const std::size_t n = 1 + rng() % (trial % 3 == 0 ? 3 : 300);
      const auto lane_values = interesting_values(bits, n, rng());
      const int64_t in = next_register, out = next_register + static_cast<int64_t>(lane_values.size());
      next_register = out + static_cast<int64_t>(lane_values.size());
      values.insert(values.end(), lane_values.begin(), lane_values.end());
      const bool truncation = bits > 1 && rng() % 2 == 0;
      if (truncation) body += fmt::format("trunc:{} s{}, s{}, {}, {}\n", lane_values.size(), out, in, 1 + rng() % (bits - 1), bits);
      else body += fmt::format("ltz:{} s{}, s{}, {}\n", lane_values.size(), out, in, bits);
      reveal += fmt::format("open:{0} c0, s{1}\nprintc:{0} c0\n", lane_values.size(), out);
    }
    // One input instruction per member's lanes, laid out as above.
    std::string program;
    int64_t register_at = 0;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
      const std::size_t colon = line.find(':'), space = line.find(' ');
      const int64_t n = std::stoll(line.substr(colon + 1, space - colon - 1));
      program += fmt::format("input:{} s{}, 1\n", n, register_at);
      register_at += 2 * n;
    }
    program += "starttimer 1\n" + body + "stoptimer 1\n" + reveal;
    rounds_and_output(program, values);
  }
}

TEST(Rep3Comparison, CostsGrowWithTheBitWidthAndStayLogarithmicInRounds) {
  // One ltz: split (1) + generate (1) + ceil(log2(bits-1)) tree rounds, the last of which
  // also opens the result masked by a daBit: 8 rounds at 64 bits.
  struct Expected {
    unsigned bits;
    uint64_t rounds;
  };
  uint64_t previous_bytes = 0;
  for (const Expected& e : {Expected{16, 6}, Expected{32, 7}, Expected{64, 8}}) {
    const std::string program = fmt::format("rands:1000 s0\nstarttimer 1\nltz:1000 s1000, s0, {}\nstoptimer 1\n", e.bits);
    const testing::PartiesRun run = testing::run_parties(3, compiler_lite::assemble(program, "t.s"), {}, testing::rep3_party());
    uint64_t most_bytes = 0, least_bytes = UINT64_MAX;
    for (int party = 0; party < 3; ++party) {
      const auto& timer = run.statistics[party].timers.at(1).communication;
      EXPECT_EQ(timer.rounds, e.rounds) << e.bits << " bits, party " << party;
      most_bytes = std::max(most_bytes, timer.bytes_sent);
      least_bytes = std::min(least_bytes, timer.bytes_sent);
    }
    EXPECT_LT(most_bytes, 1000u * 40) << "at most 40 bytes per comparison per party at " << e.bits << " bits";
    // Each party splits a third of the lanes: none sends much more than another.
    EXPECT_LT(most_bytes - least_bytes, most_bytes / 20) << e.bits << " bits: the splitting role is not shared";
    EXPECT_GT(most_bytes, previous_bytes) << "narrower comparisons must cost less";
    previous_bytes = most_bytes;
  }
}

}  // namespace
}  // namespace mpvm
