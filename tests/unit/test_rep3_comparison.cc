// rep3's comparison and exact truncation against emulate: edge values for many bit
// widths, every shift, random values, vector lengths from 1 to 10^5, and their costs.
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
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
  for (unsigned bits : {2u, 9u, 20u, 41u}) {
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
