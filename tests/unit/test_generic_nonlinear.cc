// The generic non-linear layer (protocols/generic/nonlinear.h) on emulate and on rep3,
// against emulate's clear reference: every bit width, every shift, edge and random values.
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "tests/support/random_program.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

using protocols::NonlinearPath;

std::vector<int64_t> values_for(unsigned bits, std::size_t random_count, uint64_t seed) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
  std::vector<int64_t> values = {0, 1, -1, max, min, max - 1, min + 1, 2, -2};
  std::mt19937_64 rng(seed);
  for (std::size_t k = 0; k < random_count; ++k) {
    const uint64_t r = rng();
    values.push_back(bits == 64 ? static_cast<int64_t>(r) : static_cast<int64_t>(r % (uint64_t{1} << bits)) + min);
  }
  std::vector<int64_t> kept;
  for (int64_t v : values)
    if (v >= min && v <= max) kept.push_back(v);
  return kept;
}

std::string program_for(const std::string& operation, std::size_t n) {
  return fmt::format("input:{0} s0, 1\n{1}\nopen:{0} c0, s{0}\nprintc:{0} c0\n", n, operation);
}

void expect_generic_equals_reference(const std::string& operation, const std::vector<int64_t>& values, bool also_rep3) {
  const bytecode::Program program = compiler_lite::assemble(program_for(operation, values.size()), "test.s");
  const std::string reference = testing::run_emulate(program, {{1, values}}, 3).output;
  EXPECT_EQ(testing::run_emulate(program, {{1, values}}, 3, 7, {}, NonlinearPath::generic).output, reference)
      << "emulate, generic: " << operation;
  if (!also_rep3) return;
  const testing::PartiesRun run = testing::run_parties(3, program, {{1, values}}, testing::rep3_party(NonlinearPath::generic));
  for (const std::string& error : run.errors) ASSERT_EQ(error, "") << operation;
  EXPECT_EQ(run.output, reference) << "rep3, generic: " << operation;
}

TEST(GenericNonLinear, LtzForEveryBitWidth) {
  for (unsigned bits : {1u, 2u, 5u, 16u, 20u, 32u, 63u, 64u}) {
    const auto values = values_for(bits, 60, bits);
    expect_generic_equals_reference(fmt::format("ltz:{0} s{0}, s0, {1}", values.size(), bits), values, true);
  }
}

TEST(GenericNonLinear, EqzForEveryBitWidth) {
  for (unsigned bits : {1u, 3u, 16u, 33u, 64u}) {
    auto values = values_for(bits, 40, 50 + bits);
    for (int k = 0; k < 10; ++k) values.push_back(0);
    expect_generic_equals_reference(fmt::format("eqz:{0} s{0}, s0, {1}", values.size(), bits), values, true);
  }
}

TEST(GenericNonLinear, TruncExactForEveryShift) {
  for (unsigned bits : {32u, 64u}) {
    const auto values = values_for(bits, 30, 90 + bits);
    for (unsigned m = 1; m < bits; ++m)
      expect_generic_equals_reference(fmt::format("trunc:{0} s{0}, s0, {1}, {2}", values.size(), m, bits), values,
                                      m % 8 == 1);
  }
}

TEST(GenericNonLinear, TruncExactWhereTheMaskMayWrap) {
  // The wrap's tree runs only on lanes whose public c is below 2^bits: about 1/8, 1/4 and
  // 1/2 of them at 61, 62 and 63 bits, so both kinds of lane meet in one vector.
  for (unsigned bits : {61u, 62u, 63u}) {
    const auto values = values_for(bits, 200, 300 + bits);
    for (unsigned m : {1u, 17u, bits - 1})
      expect_generic_equals_reference(fmt::format("trunc:{0} s{0}, s0, {1}, {2}", values.size(), m, bits), values, true);
  }
}

TEST(GenericNonLinear, TruncprIsFloorOrFloorPlusOne) {
  for (unsigned bits : {12u, 24u, 40u}) {
    const auto values = values_for(bits, 300, bits);
    for (unsigned m : {1u, bits / 2, bits - 1}) {
      const bytecode::Program program =
          compiler_lite::assemble(program_for(fmt::format("truncpr:{0} s{0}, s0, {1}, {2}", values.size(), m, bits), values.size()), "t.s");
      const testing::PartiesRun run = testing::run_parties(3, program, {{1, values}}, testing::rep3_party(NonlinearPath::generic));
      for (const std::string& error : run.errors) ASSERT_EQ(error, "");
      std::istringstream printed(run.output);
      for (int64_t v : values) {
        int64_t got;
        ASSERT_TRUE(printed >> got);
        EXPECT_TRUE(got == (v >> m) || got == (v >> m) + 1) << "v=" << v << " m=" << m << " bits=" << bits << " got " << got;
      }
    }
  }
}

TEST(GenericNonLinear, RandomProgramsUnderRep3MatchEmulate) {
  for (uint64_t seed = 100; seed < 106; ++seed) {
    testing::RandomProgramOptions options;
    options.instructions = 30;
    const testing::RandomProgram random = testing::random_program(seed, options);
    const bytecode::Program program = compiler_lite::assemble(random.assembly, "random.s");
    const std::string expected = testing::run_emulate(program, random.inputs, 3).output;
    const testing::PartiesRun run = testing::run_parties(3, program, random.inputs, testing::rep3_party(NonlinearPath::generic));
    for (const std::string& error : run.errors) ASSERT_EQ(error, "");
    EXPECT_EQ(run.output, expected) << "seed " << seed;
  }
}

TEST(GenericNonLinear, FastPathIsCheaperThanGenericOnRep3) {
  // The reason the fast path exists: the same 1000 comparisons, far fewer bytes.
  const bytecode::Program program =
      compiler_lite::assemble("rands:1000 s0\nstarttimer 1\nltz:1000 s1000, s0, 64\nstoptimer 1\n", "t.s");
  uint64_t bytes[2] = {0, 0};
  int i = 0;
  for (NonlinearPath path : {NonlinearPath::native, NonlinearPath::generic}) {
    const testing::PartiesRun run = testing::run_parties(3, program, {}, testing::rep3_party(path));
    for (int party = 0; party < 3; ++party) bytes[i] = std::max(bytes[i], run.statistics[party].timers.at(1).communication.bytes_sent);
    ++i;
  }
  EXPECT_LT(bytes[0] * 5, bytes[1]) << "native " << bytes[0] << " generic " << bytes[1];
}

}  // namespace
}  // namespace mpvm
