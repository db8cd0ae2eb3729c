// programs/lib: the routine library against plain C++, under emulate and rep3; TFLite's
// MultiplyByQuantizedMultiplier against a plaintext implementation of TFLITE.md's rules.
#include <algorithm>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "compiler_lite/qnn/quantization.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

const std::string kLibraryDir = std::string(MPVM_SOURCE_DIR) + "/programs";

bytecode::Program assemble_with_library(const std::string& text) {
  return compiler_lite::assemble(text, "test.s", compiler_lite::AssembleOptions{{kLibraryDir}});
}

std::vector<int64_t> parse_numbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<int64_t> numbers;
  std::string word;
  while (in >> word)
    if (!word.starts_with('P')) numbers.push_back(std::stoll(word));  // skip "P1:" prefixes
  return numbers;
}

// Runs under emulate and (if asked) rep3; both must print the same; returns the numbers.
std::vector<int64_t> run_both(const std::string& text, const std::map<int, std::vector<int64_t>>& inputs, bool rep3) {
  const bytecode::Program program = assemble_with_library(text);
  const std::string emulated = testing::run_emulate(program, inputs, 3).output;
  if (rep3) {
    const testing::PartiesRun run = testing::run_parties(3, program, inputs, testing::rep3_party());
    for (const std::string& error : run.errors) EXPECT_EQ(error, "");
    EXPECT_EQ(run.output, emulated) << "rep3 and emulate differ";
  }
  return parse_numbers(emulated);
}

std::vector<int64_t> random_values(std::size_t n, int64_t low, int64_t high, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> values(n);
  for (int64_t& v : values) v = std::uniform_int_distribution<int64_t>(low, high)(rng);
  return values;
}

TEST(Library, MinMaxReluClampRelu6) {
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    auto a = random_values(n, -1000, 1000, n), b = random_values(n, -1000, 1000, n + 1);
    if (n > 1) b[0] = a[0];  // a tie
    const std::string text = fmt::format(
        ".include \"lib/nonlinear.s\"\n"
        "input:{0} s0, 0\ninput:{0} s{0}, 1\n"
        "min (2*{0}), 0, {0}, {0}, 16, 100000\nmax (3*{0}), 0, {0}, {0}, 16, 100000\n"
        "relu (4*{0}), 0, {0}, 16, 100000\nclamp (5*{0}), 0, {0}, -300, 250, 16, 100000\n"
        "relu6 (6*{0}), 0, {0}, 600, 16, 100000\n"
        "open:(5*{0}) c0, s(2*{0})\nprintc:(5*{0}) c0\n",
        n);
    const auto got = run_both(text, {{0, a}, {1, b}}, n != 1000);
    ASSERT_EQ(got.size(), 5 * n);
    for (std::size_t k = 0; k < n; ++k) {
      EXPECT_EQ(got[k], std::min(a[k], b[k]));
      EXPECT_EQ(got[n + k], std::max(a[k], b[k]));
      EXPECT_EQ(got[2 * n + k], std::max<int64_t>(a[k], 0));
      EXPECT_EQ(got[3 * n + k], std::clamp<int64_t>(a[k], -300, 250));
      EXPECT_EQ(got[4 * n + k], std::clamp<int64_t>(a[k], 0, 600));
    }
  }
}

TEST(Library, WindowMaxOverAnyWindowSize) {
  for (int k : {1, 2, 3, 4, 9}) {
    const int n = 5;
    const auto in = random_values(static_cast<std::size_t>(k * n), -50, 50, 10 + k);
    const std::string text = fmt::format(
        ".include \"lib/nonlinear.s\"\ninput:{0} s0, 0\nwindow_max 1000, 0, {1}, {2}, 16, 2000\nopen:{1} c0, s1000\nprintc:{1} c0\n",
        k * n, n, k);
    const auto got = run_both(text, {{0, in}}, k == 9 || k == 3);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      int64_t expected = in[static_cast<std::size_t>(i)];
      for (int j = 1; j < k; ++j) expected = std::max(expected, in[static_cast<std::size_t>(j * n + i)]);
      EXPECT_EQ(got[static_cast<std::size_t>(i)], expected) << "k=" << k << " lane " << i;
    }
  }
}

TEST(Library, ArgmaxFindsTheFirstLargest) {
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{64}, std::size_t{1001}}) {
    for (uint64_t seed = 0; seed < 3; ++seed) {
      // Few distinct values, so ties are common: the FIRST largest must win.
      const auto values = random_values(n, 0, seed == 0 ? 3 : 255, 100 * n + seed);
      const std::string text = fmt::format(
          ".include \"lib/nonlinear.s\"\ninput:{0} s0, 1\nargmax ({0}), 0, {0}, 10, ({0}+1), 0\noutput s({0}), 1\n", n);
      const auto got = run_both(text, {{1, values}}, n == 1001 || n == 5);
      ASSERT_EQ(got.size(), 1u);
      const int64_t expected = std::max_element(values.begin(), values.end()) - values.begin();
      EXPECT_EQ(got[0], expected) << "n=" << n << " seed " << seed;
    }
  }
}

// ---- TFLite requantization ----

// The plaintext MultiplyByQuantizedMultiplier of the reference kernels (compiler_lite/qnn),
// itself checked against Debian's gemmlowp in test_qnn_reference.cc.
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t m0, int shift) {
  return qnn::multiply_by_quantized_multiplier(x, m0, shift);
}

TEST(Library, PlaintextReferenceMatchesTfliteTieRules) {
  // The tie rules TFLITE.md spells out: SRDHM rounds a negative tie toward +infinity,
  // RDBPOT rounds ties away from zero.
  EXPECT_EQ(qnn::saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);  // -1.5 -> -1
  EXPECT_EQ(qnn::saturating_rounding_doubling_high_mul(3, 1 << 30), 2);    // 1.5 -> 2
  EXPECT_EQ(qnn::rounding_divide_by_pot(-3, 1), -2);                       // -1.5 -> -2
  EXPECT_EQ(qnn::rounding_divide_by_pot(3, 1), 2);                         // 1.5 -> 2
  EXPECT_EQ(qnn::rounding_divide_by_pot(-5, 2), -1);                       // -1.25 -> -1
}

// Runs `macro` on groups of random x for random (M0, shift) pairs and compares with the
// plaintext reference; returns how many results differ.
int64_t requantization_differences(const std::string& macro, int pairs, int lanes, bool rep3, uint64_t seed,
                                   int64_t& compared) {
  std::mt19937_64 rng(seed);
  std::string text = ".include \"lib/tflite.s\"\n";
  std::vector<int64_t> inputs;
  std::vector<int32_t> expected;
  for (int p = 0; p < pairs; ++p) {
    const int32_t m0 = static_cast<int32_t>((int64_t{1} << 30) + static_cast<int64_t>(rng() % (uint64_t{1} << 30)));
    const int shift = static_cast<int>(rng() % 40) - 31;  // -31 .. 8
    const int left = shift > 0 ? shift : 0;
    const int bits = 32 - left;  // x * 2^left fits in int32
    std::vector<int64_t> xs;
    for (int k = 0; k < lanes; ++k) {
      int64_t x = static_cast<int64_t>(rng() % (uint64_t{1} << bits)) - (int64_t{1} << (bits - 1));
      if (k < 4) x = std::array<int64_t, 4>{0, 1, -1, -(int64_t{1} << (bits - 1))}[static_cast<std::size_t>(k)];
      xs.push_back(x);
      expected.push_back(multiply_by_quantized_multiplier(static_cast<int32_t>(x), m0, shift));
    }
    inputs.insert(inputs.end(), xs.begin(), xs.end());
    text += fmt::format("input:{0} s0, 1\n{1} ({0}), 0, {0}, {2}, {3}, {4}, (3*{0})\nopen:{0} c0, s({0})\nprintc:{0} c0\n", lanes,
                        macro, m0, shift, bits);
  }
  const auto got = run_both(text, {{1, inputs}}, rep3);
  EXPECT_EQ(got.size(), expected.size());
  int64_t differences = 0;
  for (std::size_t k = 0; k < std::min(got.size(), expected.size()); ++k) {
    if (got[k] != expected[k]) ++differences;
    EXPECT_LE(std::llabs(got[k] - expected[k]), 1) << "lane " << k;
  }
  compared = static_cast<int64_t>(expected.size());
  return differences;
}

TEST(Library, MbqmIsExactOnAMillionRandomTriplesUnderEmulate) {
  int64_t compared = 0;
  EXPECT_EQ(requantization_differences("mbqm", 1000, 1000, false, 1, compared), 0);
  EXPECT_EQ(compared, 1000000);
}

TEST(Library, MbqmIsExactUnderRep3) {
  int64_t compared = 0;
  EXPECT_EQ(requantization_differences("mbqm", 24, 200, true, 2, compared), 0);
}

TEST(Library, MbqmNearestDiffersByAtMostOneLsb) {
  int64_t compared = 0;
  const int64_t differences = requantization_differences("mbqm_nearest", 300, 1000, false, 3, compared);
  EXPECT_GT(differences, 0) << "the single rounding must differ somewhere, or the test shows nothing";
  EXPECT_LT(differences, compared / 20);  // ties are rare: a few percent at most
}

TEST(Library, RequantizeIsMbqmPlusZeroPointClamped) {
  const std::vector<int64_t> accumulators = {-100000, -5000, -1, 0, 1, 777, 5000, 100000, 2000000};
  const int32_t m0 = 1395864371;  // some multiplier in [2^30, 2^31)
  const int shift = -8, zero = 3;
  const std::string text = fmt::format(
      ".include \"lib/tflite.s\"\ninput:9 s0, 1\nrequantize 100, 0, 9, {}, {}, {}, 0, 255, 32, 1000\nopen:9 c0, s100\nprintc:9 c0\n",
      m0, shift, zero);
  const auto got = run_both(text, {{1, accumulators}}, true);
  ASSERT_EQ(got.size(), accumulators.size());
  for (std::size_t k = 0; k < accumulators.size(); ++k)
    EXPECT_EQ(got[k], std::clamp<int64_t>(multiply_by_quantized_multiplier(static_cast<int32_t>(accumulators[k]), m0, shift) + zero, 0, 255));
}

}  // namespace
}  // namespace mpvm
