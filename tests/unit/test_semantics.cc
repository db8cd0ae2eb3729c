// Interpreter semantics of every instruction of bytecode/instructions.def under emulate,
// the clear reference back-end that every real protocol is compared against. Each test
// assembles a small program, runs it in-process and compares what it printed with values
// computed here, independently of the VM (Z_2^64 arithmetic done in uint64_t, a naive
// matrix product and convolution, floor division in 128 bits).
//
// The last test checks that every row of the instruction table is listed in
// kTestedMnemonics, so adding an instruction without a semantics test fails the suite.

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bytecode/instruction_set.h"
#include "tests/support/run_program.h"
#include "vm/interpreter.h"

namespace {

using Inputs = std::map<int, std::vector<int64_t>>;
using Values = std::vector<int64_t>;
__extension__ using Int128 = __int128;  // exact floor division for every shift up to 63

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Every mnemonic this file tests. SemanticsCoverage.EveryInstructionHasASemanticsTest
// compares it with the instruction table.
const std::set<std::string_view> kTestedMnemonics = {
    // loads and moves
    "ldsi", "ldi", "ldint", "movs", "movc", "movint", "convint", "convclear",
    // local arithmetic
    "adds", "subs", "addm", "subml", "submr", "mulm", "mulsi", "addsi", "addc", "subc", "mulc",
    // interactive arithmetic
    "muls", "dotprods", "matmuls", "matmulsm", "conv2ds",
    // input, randomness, revealing
    "input", "rands", "open", "output",
    // comparison and truncation
    "ltz", "eqz", "trunc", "truncpr",
    // memory
    "ldms", "stms", "ldmc", "stmc", "ldmint", "stmint", "ldmsi", "stmsi", "ldmci", "stmci", "ldminti", "stminti",
    // integer arithmetic
    "addint", "subint", "mulint", "ltint", "eqint",
    // control flow
    "jmp", "jmpnz", "jmpeqz", "call", "ret", "halt",
    // printing and timing
    "printc", "printint", "prints", "starttimer", "stoptimer",
};

// ---- reference arithmetic, independent of the VM ----------------------------------------

uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }
int64_t s(uint64_t v) { return static_cast<int64_t>(v); }
int64_t ring_add(int64_t a, int64_t b) { return s(u(a) + u(b)); }
int64_t ring_sub(int64_t a, int64_t b) { return s(u(a) - u(b)); }
int64_t ring_mul(int64_t a, int64_t b) { return s(u(a) * u(b)); }

// floor(x / 2^m) by 128-bit division rounded towards minus infinity (not by shifting, which
// is how emulate computes it).
int64_t floor_div_pow2(int64_t x, unsigned m) {
  const Int128 divisor = Int128{1} << m;
  Int128 quotient = Int128{x} / divisor;
  if (Int128{x} % divisor != 0 && x < 0) --quotient;
  return static_cast<int64_t>(quotient);
}

// The signed range of `bits` bits: [-2^(bits-1), 2^(bits-1) - 1].
int64_t min_of_bits(unsigned bits) { return bits == 64 ? kMin : -(int64_t{1} << (bits - 1)); }
int64_t max_of_bits(unsigned bits) { return bits == 64 ? kMax : (int64_t{1} << (bits - 1)) - 1; }

// Values around every edge of the 64-bit ring.
const Values kEdgeValues = {0,    1,           -1,          2,          -2,         kMax,
                            kMin, kMax - 1,    kMin + 1,    int64_t{1} << 62, -(int64_t{1} << 62), 12345,
                            -98765, 3037000500, 0x5555555555555555, -0x123456789abcdef};

Values random_values(std::size_t count, uint64_t seed) {
  std::mt19937_64 generator(seed);
  Values values(count);
  for (int64_t& v : values) v = static_cast<int64_t>(generator());
  return values;
}

// ---- running programs -------------------------------------------------------------------

std::string run(std::string_view program, Inputs inputs = {}, int parties = 0, uint64_t seed = 1,
                mpvm::vm::RunOptions options = {}) {
  return mpvm::testing::run_emulate(program, std::move(inputs), parties, seed, options).output;
}

// The error message a run ends with ("" if it succeeds).
std::string error_running(std::string_view program, Inputs inputs = {}, int parties = 0,
                          mpvm::vm::RunOptions options = {}) {
  return mpvm::testing::error_of([&] { mpvm::testing::run_emulate(program, std::move(inputs), parties, 1, options); });
}

::testing::AssertionResult Contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" is not in \"" << text << "\"";
}

// The printed lines as rows of signed integers. The printing format itself (one space
// between lanes, one newline per instruction) is what SemanticsPrint checks; here any
// deviation from it is reported as a failure too.
std::vector<Values> rows_of(const std::string& output) {
  std::vector<Values> rows;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "output does not end with a newline";
      end = output.size();
    }
    Values row;
    std::size_t pos = start;
    while (pos < end) {
      std::size_t token_end = output.find(' ', pos);
      if (token_end == std::string::npos || token_end > end) token_end = end;
      int64_t value = 0;
      const auto [ptr, error] = std::from_chars(output.data() + pos, output.data() + token_end, value);
      if (error != std::errc() || ptr != output.data() + token_end) {
        ADD_FAILURE() << "not a number: '" << output.substr(pos, token_end - pos) << "'";
        return rows;
      }
      row.push_back(value);
      pos = token_end + 1;
    }
    rows.push_back(std::move(row));
    start = end + 1;
  }
  return rows;
}

Values concatenated(const Values& a, const Values& b) {
  Values all = a;
  all.insert(all.end(), b.begin(), b.end());
  return all;
}

// =========================================================================================
// Loads and moves
// =========================================================================================

TEST(SemanticsLoads, ImmediatesFillEveryLaneIncludingTheExtremes) {
  const std::string output = run(R"(
    ldsi:3 s0, -5
    open:3 c0, s0
    printc:3 c0
    ldi:2 c3, 0x7fffffffffffffff
    printc:2 c3
    ldint:2 i0, -9223372036854775808
    printint:2 i0
    ldi c5, 0xffffffffffffffff
    printc c5
    ldsi s3, 0x8000000000000000
    open c6, s3
    printc c6
  )");
  EXPECT_EQ(output,
            "-5 -5 -5\n"
            "9223372036854775807 9223372036854775807\n"
            "-9223372036854775808 -9223372036854775808\n"
            "-1\n"
            "-9223372036854775808\n");
}

TEST(SemanticsLoads, MovesCopyEveryLaneAndLeaveTheSourceIndependent) {
  const std::string output = run(R"(
    input:4 s0, 0
    movs:4 s4, s0
    addsi:4 s0, s0, 100     # changing the source afterwards must not change the copy
    open:4 c0, s4
    printc:4 c0
    open:4 c4, s0
    movc:4 c8, c4
    ldi:4 c4, 0             # nor here
    printc:4 c8
    movs:4 s4, s4           # identical ranges are a no-op
    open:4 c0, s4
    printc:4 c0
    ldint i0, 1
    ldint i1, -2
    ldint i2, 9223372036854775807
    movint:3 i3, i0
    ldint:3 i0, 0
    printint:3 i3
  )",
                                 {{0, {7, -8, kMax, kMin}}});
  const auto rows = rows_of(output);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (Values{7, -8, kMax, kMin}));
  EXPECT_EQ(rows[1], (Values{107, 92, ring_add(kMax, 100), kMin + 100}));
  EXPECT_EQ(rows[2], (Values{7, -8, kMax, kMin}));
  EXPECT_EQ(rows[3], (Values{1, -2, kMax}));
}

TEST(SemanticsLoads, ConvintWrapsIntoTheRingAndConvclearReadsSigned) {
  const std::string output = run(R"(
    ldint i0, -3
    ldint i1, -9223372036854775808
    ldint i2, 9223372036854775807
    convint:3 c0, i0
    printc:3 c0
    ldi c3, 5
    addc c4, c0, c3         # -3 + 5 = 2 in the ring: convint stored -3 as 2^64 - 3
    printc c4
    ldi c5, 0xfffffffffffffffe
    ldi c6, 0x8000000000000000
    convclear:2 i3, c5      # the top half of the ring reads as negative integers
    printint:2 i3
    convclear:3 i5, c0      # a round trip through the ring keeps every integer
    printint:3 i5
  )");
  EXPECT_EQ(output,
            "-3 -9223372036854775808 9223372036854775807\n"
            "2\n"
            "-2 -9223372036854775808\n"
            "-3 -9223372036854775808 9223372036854775807\n");
}

TEST(SemanticsLoads, ConvclearOfAnOpenedSecretDrivesControlFlow) {
  // Counts an opened secret down to zero: the loop runs exactly that many times.
  const std::string output = run(R"(
    input s0, 0
    open c0, s0
    convclear i0, c0
    ldint i1, -1
  loop:
    printint i0
    addint i0, i0, i1
    jmpnz i0, loop
  )",
                                 {{0, {3}}});
  EXPECT_EQ(output, "3\n2\n1\n");
}

// =========================================================================================
// Arithmetic: local operations and muls, on every pair of edge values and on 100000 lanes
// =========================================================================================

struct BinaryOp {
  std::string_view mnemonic;
  char result_bank;  // 's' or 'c'
  char left_bank;    // bank the left operand (a) is read from
  char right_bank;   // bank the right operand (b) is read from
  int64_t (*expected)(int64_t, int64_t);
};

// submr computes clear - secret: with the left operand from the c bank it is a - b.
const BinaryOp kBinaryOps[] = {
    {"adds", 's', 's', 's', ring_add},  {"subs", 's', 's', 's', ring_sub},  {"addm", 's', 's', 'c', ring_add},
    {"subml", 's', 's', 'c', ring_sub}, {"submr", 's', 'c', 's', ring_sub}, {"mulm", 's', 's', 'c', ring_mul},
    {"muls", 's', 's', 's', ring_mul},  {"addc", 'c', 'c', 'c', ring_add},  {"subc", 'c', 'c', 'c', ring_sub},
    {"mulc", 'c', 'c', 'c', ring_mul},
};

// Runs every binary operation lane-wise on a (party 0's input) and b (party 1's input),
// each available in both the s bank (s0.., sK..) and the c bank (c0.., cK..).
void check_binary_ops(const Values& a, const Values& b) {
  ASSERT_EQ(a.size(), b.size());
  const std::size_t k = a.size();
  std::string program = fmt::format("input:{0} s0, 0\ninput:{0} s{0}, 1\nopen:{0} c0, s0\nopen:{0} c{0}, s{0}\n", k);
  for (std::size_t j = 0; j < std::size(kBinaryOps); ++j) {
    const BinaryOp& op = kBinaryOps[j];
    program += fmt::format("{}:{} {}{}, {}0, {}{}\n", op.mnemonic, k, op.result_bank, (2 + j) * k, op.left_bank,
                           op.right_bank, k);
  }
  for (std::size_t j = 0; j < std::size(kBinaryOps); ++j) {
    const std::size_t result = (2 + j) * k;  // c{result} is free when the result is secret
    if (kBinaryOps[j].result_bank == 's') program += fmt::format("open:{0} c{1}, s{1}\n", k, result);
    program += fmt::format("printc:{} c{}\n", k, result);
  }
  const auto rows = rows_of(run(program, {{0, a}, {1, b}}));
  ASSERT_EQ(rows.size(), std::size(kBinaryOps));
  for (std::size_t j = 0; j < std::size(kBinaryOps); ++j) {
    ASSERT_EQ(rows[j].size(), k) << kBinaryOps[j].mnemonic;
    std::size_t mismatches = 0;
    for (std::size_t lane = 0; lane < k; ++lane) {
      const int64_t expected = kBinaryOps[j].expected(a[lane], b[lane]);
      if (rows[j][lane] != expected && ++mismatches <= 5)
        ADD_FAILURE() << kBinaryOps[j].mnemonic << " lane " << lane << ": " << a[lane] << ", " << b[lane] << " gave "
                      << rows[j][lane] << ", expected " << expected;
    }
    EXPECT_EQ(mismatches, 0u) << kBinaryOps[j].mnemonic;
  }
}

TEST(SemanticsArithmetic, EveryBinaryOperationOnOneLane) {
  check_binary_ops({-1}, {-1});
  check_binary_ops({kMax}, {1});
}

TEST(SemanticsArithmetic, EveryBinaryOperationOnEveryPairOfEdgeValues) {
  Values a, b;
  for (int64_t x : kEdgeValues)
    for (int64_t y : kEdgeValues) a.push_back(x), b.push_back(y);
  check_binary_ops(a, b);
}

TEST(SemanticsArithmetic, EveryBinaryOperationOn100000RandomLanes) {
  check_binary_ops(random_values(100000, 11), random_values(100000, 12));
}

TEST(SemanticsArithmetic, HandDerivedSmallValues) {
  // 6 - 10 = -4; 10 - 6 = 4 (submr: clear minus secret); 6 * -10 = -60.
  const std::string output = run(R"(
    ldsi s0, 6
    ldi c0, 10
    ldi c1, -10
    subml s1, s0, c0
    submr s2, c0, s0
    mulm s3, s0, c1
    addm s4, s0, c1
    open:4 c2, s1
    printc:4 c2
  )");
  EXPECT_EQ(output, "-4 4 -60 -4\n");
}

TEST(SemanticsArithmetic, ImmediateOperationsOnEdgeValues) {
  const Values& a = kEdgeValues;
  const std::size_t k = a.size();
  for (int64_t immediate : kEdgeValues) {
    const std::string program = fmt::format(
        "input:{0} s0, 0\n"
        "mulsi:{0} s{0}, s0, {1}\n"
        "addsi:{0} s{2}, s0, {1}\n"
        "open:{0} c0, s{0}\n"
        "printc:{0} c0\n"
        "open:{0} c{0}, s{2}\n"
        "printc:{0} c{0}\n",
        k, immediate, 2 * k);
    const auto rows = rows_of(run(program, {{0, a}}));
    ASSERT_EQ(rows.size(), 2u);
    Values products, sums;
    for (int64_t x : a) products.push_back(ring_mul(x, immediate)), sums.push_back(ring_add(x, immediate));
    EXPECT_EQ(rows[0], products) << "mulsi by " << immediate;
    EXPECT_EQ(rows[1], sums) << "addsi of " << immediate;
  }
}

TEST(SemanticsArithmetic, ImmediateOperationsOn100000RandomLanes) {
  const Values a = random_values(100000, 13);
  const auto rows = rows_of(run(R"(
    input:100000 s0, 0
    mulsi:100000 s0, s0, -7046029254386353131
    addsi:100000 s0, s0, 1234567
    open:100000 c0, s0
    printc:100000 c0
  )",
                                {{0, a}}));
  ASSERT_EQ(rows.size(), 1u);
  Values expected;
  for (int64_t x : a) expected.push_back(ring_add(ring_mul(x, -7046029254386353131), 1234567));
  EXPECT_EQ(rows[0], expected);
}

TEST(SemanticsRing, SecretAndClearValuesWrapModuloTwoToThe64) {
  const std::string output = run(R"(
    ldsi s0, 4611686018427387904   # 2^62
    mulsi s1, s0, 4                # 2^64 = 0
    ldsi s2, -1
    muls s3, s2, s2                # -1 * -1 = 1
    ldsi s4, 9223372036854775807
    addsi s5, s4, 1                # INT64_MAX + 1 = INT64_MIN
    ldsi s6, -9223372036854775808
    mulsi s7, s6, -1               # -INT64_MIN = INT64_MIN
    ldsi s8, 0
    subs s9, s8, s6                # 0 - INT64_MIN = INT64_MIN
    adds s10, s6, s6               # 2 * INT64_MIN = 0
    open c0, s1
    open c1, s3
    open c2, s5
    open c3, s7
    open c4, s9
    open c5, s10
    printc:6 c0
    ldi c6, 4611686018427387904
    ldi c7, 4
    mulc c8, c6, c7                # 0
    ldi c9, 9223372036854775807
    ldi c10, 1
    addc c11, c9, c10              # INT64_MIN
    ldi c12, -9223372036854775808
    subc c13, c12, c10             # INT64_MAX
    printc c8
    printc c11
    printc c13
  )");
  EXPECT_EQ(output,
            "0 1 -9223372036854775808 -9223372036854775808 -9223372036854775808 0\n"
            "0\n"
            "-9223372036854775808\n"
            "9223372036854775807\n");
}

// =========================================================================================
// dotprods
// =========================================================================================

// dotprods:n d, a, b, len with a and b from party 0's and party 1's inputs.
void check_dotprods(std::size_t n, std::size_t length, const Values& a, const Values& b) {
  ASSERT_EQ(a.size(), n * length);
  ASSERT_EQ(b.size(), n * length);
  const std::size_t total = n * length;
  const std::string program = fmt::format(
      "input:{0} s0, 0\n"
      "input:{0} s{0}, 1\n"
      "dotprods:{1} s{2}, s0, s{0}, {3}\n"
      "open:{1} c0, s{2}\n"
      "printc:{1} c0\n",
      total, n, 2 * total, length);
  const auto rows = rows_of(run(program, {{0, a}, {1, b}}));
  ASSERT_EQ(rows.size(), 1u);
  Values expected(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < length; ++j)
      expected[i] = ring_add(expected[i], ring_mul(a[i * length + j], b[i * length + j]));
  EXPECT_EQ(rows[0], expected) << "dotprods:" << n << " len " << length;
}

TEST(SemanticsDotprods, HandDerived) {
  // [1 2 3].[4 5 6] = 32 and [-1 0 7].[2 9 -3] = -23.
  const std::string output = run(R"(
    input:6 s0, 0
    input:6 s6, 0
    dotprods:2 s12, s0, s6, 3
    open:2 c0, s12
    printc:2 c0
  )",
                                 {{0, {1, 2, 3, -1, 0, 7, 4, 5, 6, 2, 9, -3}}});
  EXPECT_EQ(output, "32 -23\n");
}

TEST(SemanticsDotprods, ShapesAndWraparound) {
  check_dotprods(1, 1, {-3}, {5});
  check_dotprods(1, 7, random_values(7, 21), random_values(7, 22));
  check_dotprods(5, 1, random_values(5, 23), random_values(5, 24));
  check_dotprods(4, 6, random_values(24, 25), random_values(24, 26));
  check_dotprods(1000, 100, random_values(100000, 27), random_values(100000, 28));
}

TEST(SemanticsDotprods, ResultMayReuseAnOperandWhenLengthIsOne) {
  // With len 1 the result range can be identical to an operand range, which the verifier
  // allows (bytecode/README.md, "Aliasing") so that back-ends may compute in place:
  // d[k] = a[k] * b[k] from the operands' values before the instruction.
  const std::string output = run(R"(
    input:3 s0, 0
    input:3 s3, 0
    movs:3 s6, s0
    movs:3 s9, s3
    dotprods:3 s0, s0, s3, 1     # result over a
    dotprods:3 s9, s6, s9, 1     # result over b
    input s12, 0
    dotprods s12, s12, s12, 1    # result over both: a square
    open:3 c0, s0
    printc:3 c0
    open:3 c0, s9
    printc:3 c0
    open c0, s12
    printc c0
  )",
                                 {{0, {2, -3, 4, 5, 6, -7, -9}}});
  EXPECT_EQ(output, "10 -18 -28\n10 -18 -28\n81\n");
}

// =========================================================================================
// matmuls and matmulsm (through memory)
// =========================================================================================

struct MatmulCase {
  bool clear_b;  // matmulsm: B lives in c-memory
  std::size_t lanes, n, k, m;
  int64_t dst, a_addr, b_addr;
};

// C = A x B per lane with 64-bit wraparound, row-major, lane t's blocks following lane t-1's.
Values reference_matmul(const MatmulCase& c, const Values& a, const Values& b) {
  Values out(c.lanes * c.n * c.m, 0);
  for (std::size_t lane = 0; lane < c.lanes; ++lane)
    for (std::size_t i = 0; i < c.n; ++i)
      for (std::size_t j = 0; j < c.m; ++j) {
        int64_t sum = 0;
        for (std::size_t t = 0; t < c.k; ++t)
          sum = ring_add(sum, ring_mul(a[lane * c.n * c.k + i * c.k + t], b[lane * c.k * c.m + t * c.m + j]));
        out[lane * c.n * c.m + i * c.m + j] = sum;
      }
  return out;
}

// Stores A and B (party 0's inputs, in that order) at their addresses, multiplies, and
// returns what the program reads back from dst.
Values run_matmul(const MatmulCase& c, const Values& a, const Values& b) {
  const std::size_t a_count = c.lanes * c.n * c.k, b_count = c.lanes * c.k * c.m, c_count = c.lanes * c.n * c.m;
  std::string program = fmt::format("input:{0} s0, 0\nstms:{0} s0, {1}\ninput:{2} s{0}, 0\n", a_count, c.a_addr, b_count);
  if (c.clear_b)
    program += fmt::format("open:{0} c0, s{1}\nstmc:{0} c0, {2}\n", b_count, a_count, c.b_addr);
  else
    program += fmt::format("stms:{0} s{1}, {2}\n", b_count, a_count, c.b_addr);
  const std::size_t result = a_count + b_count;
  program += fmt::format("{}:{} {}, {}, {}, {}, {}, {}\n", c.clear_b ? "matmulsm" : "matmuls", c.lanes, c.dst, c.a_addr,
                         c.b_addr, c.n, c.k, c.m);
  program += fmt::format("ldms:{0} s{1}, {2}\nopen:{0} c{3}, s{1}\nprintc:{0} c{3}\n", c_count, result, c.dst, b_count);
  const auto rows = rows_of(run(program, {{0, concatenated(a, b)}}));
  if (rows.size() != 1) {
    ADD_FAILURE() << "expected one printed row";
    return {};
  }
  return rows[0];
}

void check_matmul(const MatmulCase& c, uint64_t seed, bool small_values = false) {
  Values a = random_values(c.lanes * c.n * c.k, seed), b = random_values(c.lanes * c.k * c.m, seed + 1);
  if (small_values) {
    for (int64_t& v : a) v %= 100;
    for (int64_t& v : b) v %= 100;
  }
  if (!c.clear_b && c.a_addr == c.b_addr) b = a;  // one block in s-memory: the product is A x A
  EXPECT_EQ(run_matmul(c, a, b), reference_matmul(c, a, b))
      << (c.clear_b ? "matmulsm" : "matmuls") << " lanes " << c.lanes << " shape " << c.n << "x" << c.k << "x" << c.m
      << " dst " << c.dst << " a " << c.a_addr << " b " << c.b_addr;
}

TEST(SemanticsMatmul, HandDerivedTwoByTwo) {
  // [[1 2] [3 4]] x [[5 6] [7 8]] = [[19 22] [43 50]]
  for (bool clear_b : {false, true})
    EXPECT_EQ(run_matmul({clear_b, 1, 2, 2, 2, 100, 0, 50}, {1, 2, 3, 4}, {5, 6, 7, 8}), (Values{19, 22, 43, 50}))
        << (clear_b ? "matmulsm" : "matmuls");
}

TEST(SemanticsMatmul, RectangularShapesAndLanes) {
  for (bool clear_b : {false, true}) {
    check_matmul({clear_b, 1, 2, 3, 4, 1000, 0, 500}, 31, true);
    check_matmul({clear_b, 1, 1, 1, 1, 7, 3, 5}, 32);
    check_matmul({clear_b, 1, 5, 1, 4, 200, 0, 100}, 33);
    check_matmul({clear_b, 1, 4, 7, 1, 200, 0, 100}, 34);
    check_matmul({clear_b, 3, 2, 3, 4, 1000, 0, 500}, 35);  // wraparound: full 64-bit values
    check_matmul({clear_b, 4, 6, 5, 3, 3000, 10, 1000}, 36);
  }
}

TEST(SemanticsMatmul, DestinationOverlappingASourceUsesTheOriginalOperands) {
  // Same address as A (square, so C covers A exactly).
  check_matmul({false, 1, 3, 3, 3, 0, 0, 100}, 41, true);
  check_matmul({true, 1, 3, 3, 3, 0, 0, 100}, 42, true);
  // Partly over B (B at 100..108, C at 104..109), and partly over A with two lanes.
  check_matmul({false, 1, 2, 3, 3, 104, 0, 100}, 43, true);
  check_matmul({false, 2, 2, 3, 3, 5, 0, 100}, 44);
  check_matmul({true, 2, 2, 3, 3, 5, 0, 100}, 45);
  // A, B and C all at one address: C = A x A, computed before C overwrites A.
  check_matmul({false, 1, 3, 3, 3, 50, 50, 50}, 47, true);
  check_matmul({false, 2, 2, 2, 2, 50, 50, 50}, 48);
  // matmulsm's B is in c-memory: the same address in s-memory is a different cell.
  check_matmul({true, 1, 3, 3, 3, 20, 20, 20}, 46, true);
}

TEST(SemanticsMatmul, UnwrittenOperandMemoryReadsAsZero) {
  // B's cells were never written: the product is all zero, whatever A holds.
  const std::string output = run(R"(
    input:4 s0, 0
    stms:4 s0, 0
    matmuls 100, 0, 5000, 2, 2, 2
    matmulsm 200, 0, 5000, 2, 2, 2
    ldms:4 s4, 100
    ldms:4 s8, 200
    open:8 c0, s4
    printc:8 c0
  )",
                                 {{0, {1, 2, 3, 4}}});
  EXPECT_EQ(output, "0 0 0 0 0 0 0 0\n");
}

// =========================================================================================
// conv2ds
// =========================================================================================

struct ConvCase {
  int64_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups;
  int64_t lanes = 1;
  int64_t dst = 10000, in_addr = 0, w_addr = 5000;

  int64_t input_size() const { return in_h * in_w * in_c; }
  int64_t filter_size() const { return out_c * k_h * k_w * (in_c / groups); }
  int64_t output_size() const { return out_h * out_w * out_c; }
};

// A naive convolution written from the instruction's description: input HWC, filter OHWI
// with in_c/groups channels, output HWC; output channel oc belongs to group
// oc / (out_c/groups) and reads that group's input channels; taps outside are skipped.
Values reference_conv(const ConvCase& c, const Values& input, const Values& filter) {
  const int64_t channels_per_group = c.in_c / c.groups, outputs_per_group = c.out_c / c.groups;
  Values out(static_cast<std::size_t>(c.lanes * c.output_size()), 0);
  for (int64_t lane = 0; lane < c.lanes; ++lane)
    for (int64_t oy = 0; oy < c.out_h; ++oy)
      for (int64_t ox = 0; ox < c.out_w; ++ox)
        for (int64_t oc = 0; oc < c.out_c; ++oc) {
          const int64_t group = oc / outputs_per_group;
          int64_t sum = 0;
          for (int64_t ky = 0; ky < c.k_h; ++ky)
            for (int64_t kx = 0; kx < c.k_w; ++kx) {
              const int64_t y = oy * c.stride_h + ky * c.dil_h - c.pad_top;
              const int64_t x = ox * c.stride_w + kx * c.dil_w - c.pad_left;
              if (y < 0 || y >= c.in_h || x < 0 || x >= c.in_w) continue;
              for (int64_t ci = 0; ci < channels_per_group; ++ci) {
                const int64_t channel = group * channels_per_group + ci;
                const int64_t in_value = input[lane * c.input_size() + (y * c.in_w + x) * c.in_c + channel];
                const int64_t weight = filter[lane * c.filter_size() + ((oc * c.k_h + ky) * c.k_w + kx) * channels_per_group + ci];
                sum = ring_add(sum, ring_mul(in_value, weight));
              }
            }
          out[lane * c.output_size() + (oy * c.out_w + ox) * c.out_c + oc] = sum;
        }
  return out;
}

Values run_conv(const ConvCase& c, const Values& input, const Values& filter) {
  const int64_t in_count = c.lanes * c.input_size(), w_count = c.lanes * c.filter_size(),
                out_count = c.lanes * c.output_size();
  std::string program = fmt::format("input:{0} s0, 0\nstms:{0} s0, {1}\ninput:{2} s{0}, 0\nstms:{2} s{0}, {3}\n",
                                    in_count, c.in_addr, w_count, c.w_addr);
  program += fmt::format("conv2ds:{} {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}\n", c.lanes,
                         c.dst, c.in_addr, c.w_addr, c.in_h, c.in_w, c.in_c, c.out_h, c.out_w, c.out_c, c.k_h, c.k_w,
                         c.stride_h, c.stride_w, c.pad_top, c.pad_left, c.dil_h, c.dil_w, c.groups);
  program += fmt::format("ldms:{0} s{1}, {2}\nopen:{0} c0, s{1}\nprintc:{0} c0\n", out_count, in_count + w_count, c.dst);
  const auto rows = rows_of(run(program, {{0, concatenated(input, filter)}}));
  if (rows.size() != 1) {
    ADD_FAILURE() << "expected one printed row";
    return {};
  }
  return rows[0];
}

void check_conv(const ConvCase& c, uint64_t seed, bool full_range = false) {
  Values input = random_values(static_cast<std::size_t>(c.lanes * c.input_size()), seed);
  Values filter = random_values(static_cast<std::size_t>(c.lanes * c.filter_size()), seed + 1);
  if (!full_range) {
    for (int64_t& v : input) v %= 50;
    for (int64_t& v : filter) v %= 10;
  }
  const Values expected = reference_conv(c, input, filter);
  EXPECT_EQ(run_conv(c, input, filter), expected)
      << fmt::format("in {}x{}x{} out {}x{}x{} k {}x{} stride {},{} pad {},{} dil {},{} groups {} lanes {} dst {}", c.in_h,
                     c.in_w, c.in_c, c.out_h, c.out_w, c.out_c, c.k_h, c.k_w, c.stride_h, c.stride_w, c.pad_top,
                     c.pad_left, c.dil_h, c.dil_w, c.groups, c.lanes, c.dst);
}

TEST(SemanticsConv2d, HandDerivedTwoByTwoBoxFilter) {
  // 3x3 image 1..9, a 2x2 filter of ones, no padding: each output sums a 2x2 window.
  const ConvCase c{3, 3, 1, 2, 2, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1};
  EXPECT_EQ(run_conv(c, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 1, 1}), (Values{12, 16, 24, 28}));
  // With padding 1 on top and left, output (0,0) sees only the image's corner.
  const ConvCase padded{3, 3, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(run_conv(padded, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 1, 1}), (Values{1, 3, 5, 12}));
}

TEST(SemanticsConv2d, FullConvolutionsWithStridePaddingAndDilation) {
  check_conv({5, 5, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1}, 51);   // "same" padding
  check_conv({6, 7, 3, 3, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1}, 52);   // stride 2 with padding
  check_conv({7, 7, 1, 7, 7, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1}, 53);   // dilation 2
  check_conv({6, 5, 2, 3, 5, 2, 2, 3, 2, 1, 0, 2, 1, 2, 1}, 54);   // asymmetric everything
  check_conv({2, 2, 2, 4, 4, 2, 2, 2, 1, 1, 3, 3, 1, 1, 1}, 55);   // padding past the image: empty windows give 0
  check_conv({4, 4, 3, 2, 2, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1}, 56, true);  // 64-bit wraparound
}

TEST(SemanticsConv2d, GroupedAndDepthwise) {
  check_conv({5, 5, 4, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4}, 61);   // depthwise: groups = in_c = out_c
  check_conv({6, 6, 3, 3, 3, 6, 3, 3, 2, 2, 1, 1, 1, 1, 3}, 62);   // depthwise, multiplier 2, stride 2
  check_conv({5, 4, 4, 5, 4, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2}, 63);   // two groups of 2 -> 3 channels
  check_conv({7, 7, 2, 3, 3, 2, 3, 3, 2, 2, 1, 1, 2, 2, 2}, 64);   // depthwise with dilation and stride
}

TEST(SemanticsConv2d, LanesAndOverlappingDestination) {
  ConvCase lanes{6, 7, 3, 3, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1};
  lanes.lanes = 3;
  check_conv(lanes, 71);
  ConvCase depthwise_lanes{5, 5, 4, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4};
  depthwise_lanes.lanes = 2;
  check_conv(depthwise_lanes, 72);
  ConvCase over_input{5, 5, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1};
  over_input.dst = over_input.in_addr;  // the output overwrites the image it is computed from
  check_conv(over_input, 73);
  ConvCase over_filter{4, 4, 2, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1};
  over_filter.dst = over_filter.w_addr + 5;
  check_conv(over_filter, 74);
}

// =========================================================================================
// input, rands, open, output
// =========================================================================================

TEST(SemanticsInput, ReadsEachPartysValuesInOrder) {
  const std::string output = run(R"(
    input:2 s0, 0
    input s2, 2
    input:2 s3, 1
    input s5, 0
    open:6 c0, s0
    printc:6 c0
  )",
                                 {{0, {10, -20, 30}}, {1, {40, kMin}}, {2, {kMax}}});
  EXPECT_EQ(output, fmt::format("10 -20 {} 40 {} 30\n", kMax, kMin));
}

TEST(SemanticsInput, RunningOutOfInputIsAnErrorNamingTheParty) {
  const std::string message = error_running(R"(
    input s0, 1
    input:2 s1, 1
  )",
                                            {{1, {7}}});
  EXPECT_TRUE(Contains(message, "test.s: pc 1 (input)"));
  EXPECT_TRUE(Contains(message, "party 1 needs 2 more input values but only 0 remain"));

  // A party given no values at all.
  const std::string none = error_running("input s0, 0\ninput s1, 2\n", {{0, {1}}, {1, {2}}});
  EXPECT_TRUE(Contains(none, "test.s: pc 1 (input)"));
  EXPECT_TRUE(Contains(none, "party 2"));
}

TEST(SemanticsInput, FromAPartyOutsideTheRunIsAnError) {
  // Whether the party's values exist or not, the message names the party.
  for (const Inputs& inputs : {Inputs{}, Inputs{{3, {1, 2}}}}) {
    const std::string message = error_running("input s0, 3\n", inputs, 2);
    EXPECT_TRUE(Contains(message, "test.s: pc 0 (input)"));
    EXPECT_TRUE(Contains(message, "party 3"));
  }
}

TEST(SemanticsRands, LanesDifferAndDependOnTheSeed) {
  const std::string program = "rands:1000 s0\nrands s1000\nopen:1001 c0, s0\nprintc:1001 c0\n";
  const auto seed1 = rows_of(run(program, {}, 0, 1));
  const auto seed1_again = rows_of(run(program, {}, 0, 1));
  const auto seed2 = rows_of(run(program, {}, 0, 2));
  ASSERT_EQ(seed1.size(), 1u);
  ASSERT_EQ(seed2.size(), 1u);
  ASSERT_EQ(seed1[0].size(), 1001u);
  EXPECT_EQ(seed1, seed1_again) << "emulate's randomness is reproducible for one seed";

  const std::set<int64_t> distinct(seed1[0].begin(), seed1[0].end());
  EXPECT_EQ(distinct.size(), 1001u) << "two rands (or two lanes) gave the same 64-bit value";
  std::size_t same_lane = 0;
  for (std::size_t k = 0; k < 1001; ++k) same_lane += seed1[0][k] == seed2[0][k];
  EXPECT_EQ(same_lane, 0u) << "the values do not depend on the seed";

  // Uniform over 64 bits: about half the bits are set (64064 bits, sd 127) and about
  // half the values are negative (sd 16).
  std::size_t set_bits = 0, negative = 0;
  for (int64_t v : seed1[0]) set_bits += static_cast<std::size_t>(__builtin_popcountll(u(v))), negative += v < 0;
  EXPECT_NEAR(static_cast<double>(set_bits), 32032.0, 1000.0);
  EXPECT_NEAR(static_cast<double>(negative), 500.0, 120.0);
}

TEST(SemanticsOutput, PartyZeroPrintsPlainOthersWithTheirPrefix) {
  const std::string output = run(R"(
    input:3 s0, 0
    output:3 s0, 0
    output:3 s0, 2
    output s1, 1
    open:3 c0, s0
    printc:3 c0
  )",
                                 {{0, {5, -6, kMin}}});
  EXPECT_EQ(output, fmt::format("5 -6 {0}\nP2: 5 -6 {0}\nP1: -6\n5 -6 {0}\n", kMin));
}

TEST(SemanticsOutput, ToAPartyOutsideTheRunIsAnError) {
  const std::string message = error_running("ldsi s0, 1\noutput s0, 2\n", {}, 2);
  EXPECT_TRUE(Contains(message, "test.s: pc 1 (output)"));
  EXPECT_TRUE(Contains(message, "party 2 does not exist"));
}

TEST(SemanticsOpen, LargeVectorsRevealEveryLane) {
  const Values a = random_values(100000, 81);
  const auto rows = rows_of(run("input:100000 s0, 0\nopen:100000 c0, s0\nprintc:100000 c0\n", {{0, a}}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], a);
}

// =========================================================================================
// ltz, eqz, trunc, truncpr
// =========================================================================================

// 0, +-1, +-2 and the ends of the signed range of `bits` with their neighbours inside it.
Values edge_values_of_bits(unsigned bits) {
  const int64_t lo = min_of_bits(bits), hi = max_of_bits(bits);
  Values candidates = {0, 1, -1, 2, -2, 3, -3, hi, hi - 1, hi - 2, lo, lo + 1, lo + 2};
  Values values;
  for (int64_t v : candidates)
    if (v >= lo && v <= hi) values.push_back(v);
  return values;
}

TEST(SemanticsCompare, LtzAndEqzAtTheEdgesOfEveryBitLength) {
  for (unsigned bits : {1u, 2u, 8u, 32u, 63u, 64u}) {
    Values values = edge_values_of_bits(bits);
    std::mt19937_64 generator(bits);
    for (int r = 0; r < 8; ++r) values.push_back(static_cast<int64_t>(generator()) >> (64 - bits));
    const std::size_t k = values.size();
    const std::string program = fmt::format(
        "input:{0} s0, 0\nltz:{0} s{0}, s0, {1}\neqz:{0} s{2}, s0, {1}\n"
        "open:{0} c0, s{0}\nprintc:{0} c0\nopen:{0} c0, s{2}\nprintc:{0} c0\n",
        k, bits, 2 * k);
    const auto rows = rows_of(run(program, {{0, values}}));
    ASSERT_EQ(rows.size(), 2u);
    Values less, equal;
    for (int64_t v : values) less.push_back(v < 0 ? 1 : 0), equal.push_back(v == 0 ? 1 : 0);
    EXPECT_EQ(rows[0], less) << "ltz, bits " << bits;
    EXPECT_EQ(rows[1], equal) << "eqz, bits " << bits;
  }
}

TEST(SemanticsCompare, LtzAndEqzOn100000Lanes) {
  Values values = random_values(100000, 91);
  for (std::size_t k = 0; k < values.size(); k += 3) values[k] = 0;  // eqz must see plenty of zeros
  const auto rows = rows_of(run(R"(
    input:100000 s0, 0
    ltz:100000 s100000, s0, 64
    eqz:100000 s200000, s0, 64
    open:100000 c0, s100000
    printc:100000 c0
    open:100000 c0, s200000
    printc:100000 c0
  )",
                                {{0, values}}));
  ASSERT_EQ(rows.size(), 2u);
  Values less, equal;
  for (int64_t v : values) less.push_back(v < 0), equal.push_back(v == 0);
  EXPECT_EQ(rows[0], less);
  EXPECT_EQ(rows[1], equal);
}

TEST(SemanticsCompare, ValuesOutsideTheDeclaredBitsAreRefused) {
  struct Case {
    std::string instruction;  // applied to s0..s2
    Values values;
    std::string expected;     // the whole message after "test.s: "
  };
  const Case cases[] = {
      {"ltz:3 s3, s0, 32", {0, 5, int64_t{1} << 31},
       "pc 1 (ltz): ltz: lane 2 holds 2147483648, which does not fit in the declared 32 signed bits"},
      {"ltz:3 s3, s0, 32", {-(int64_t{1} << 31) - 1, 0, 0},
       "pc 1 (ltz): ltz: lane 0 holds -2147483649, which does not fit in the declared 32 signed bits"},
      {"eqz:3 s3, s0, 32", {0, int64_t{1} << 31, 0},
       "pc 1 (eqz): eqz: lane 1 holds 2147483648, which does not fit in the declared 32 signed bits"},
      {"ltz:3 s3, s0, 1", {0, -1, 1}, "pc 1 (ltz): ltz: lane 2 holds 1, which does not fit in the declared 1 signed bits"},
      {"eqz:3 s3, s0, 63", {kMin, 0, 0},
       "pc 1 (eqz): eqz: lane 0 holds -9223372036854775808, which does not fit in the declared 63 signed bits"},
      {"trunc:3 s3, s0, 4, 32", {0, 0, kMax},
       "pc 1 (trunc): trunc: lane 2 holds 9223372036854775807, which does not fit in the declared 32 signed bits"},
      {"truncpr:3 s3, s0, 4, 16", {-32769, 0, 0},
       "pc 1 (truncpr): truncpr: lane 0 holds -32769, which does not fit in the declared 16 signed bits"},
  };
  for (const Case& c : cases) {
    const std::string message = error_running(fmt::format("input:3 s0, 0\n{}\n", c.instruction), {{0, c.values}});
    EXPECT_EQ(message, "test.s: " + c.expected) << c.instruction;
  }
}

// Values for trunc/truncpr with `bits`: the edges plus random values of the whole range.
Values trunc_values(unsigned bits) {
  Values values = edge_values_of_bits(bits);
  std::mt19937_64 generator(1000 + bits);
  for (int r = 0; r < 12; ++r) values.push_back(static_cast<int64_t>(generator()) >> (64 - bits));
  return values;
}

TEST(SemanticsTrunc, ExactFloorForEveryShift) {
  for (unsigned bits : {32u, 64u}) {
    const Values values = trunc_values(bits);
    const std::size_t k = values.size();
    std::string program = fmt::format("input:{0} s0, 0\n", k);
    for (unsigned m = 0; m < bits; ++m)
      program += fmt::format("trunc:{0} s{0}, s0, {1}, {2}\nopen:{0} c0, s{0}\nprintc:{0} c0\n", k, m, bits);
    const auto rows = rows_of(run(program, {{0, values}}));
    ASSERT_EQ(rows.size(), bits);
    for (unsigned m = 0; m < bits; ++m) {
      Values expected;
      for (int64_t v : values) expected.push_back(floor_div_pow2(v, m));
      EXPECT_EQ(rows[m], expected) << "trunc m " << m << " bits " << bits;
    }
  }
}

TEST(SemanticsTrunc, HandDerived) {
  // floor(7/2) = 3, floor(-7/2) = -4, floor(-1/2) = -1, floor(-8/4) = -2.
  const std::string output = run(R"(
    input:4 s0, 0
    trunc:3 s4, s0, 1, 8
    trunc s7, s3, 2, 8
    open:4 c0, s4
    printc:4 c0
  )",
                                 {{0, {7, -7, -1, -8}}});
  EXPECT_EQ(output, "3 -4 -1 -2\n");
}

TEST(SemanticsTrunc, On100000Lanes) {
  Values values = random_values(100000, 101);
  for (int64_t& v : values) v >>= 24;  // 40-bit values
  const auto rows = rows_of(run(R"(
    input:100000 s0, 0
    trunc:100000 s0, s0, 13, 40
    open:100000 c0, s0
    printc:100000 c0
  )",
                                {{0, values}}));
  ASSERT_EQ(rows.size(), 1u);
  Values expected;
  for (int64_t v : values) expected.push_back(floor_div_pow2(v, 13));
  EXPECT_EQ(rows[0], expected);
}

TEST(SemanticsTruncpr, FloorOrFloorPlusOneAndExactOnMultiples) {
  for (unsigned bits : {32u, 64u}) {
    const Values values = trunc_values(bits);
    const std::size_t k = values.size();
    // For each m, the same values with their low m bits cleared: truncpr must be exact.
    Values inputs = values;
    std::string program = fmt::format("input:{0} s0, 0\n", k);
    for (unsigned m = 0; m < bits; ++m) {
      const uint64_t low_bits = m == 0 ? 0 : (uint64_t{1} << m) - 1;
      for (int64_t v : values) inputs.push_back(s(u(v) & ~low_bits));
      program += fmt::format(
          "input:{0} s{0}, 0\n"
          "truncpr:{0} s{1}, s0, {3}, {4}\n"
          "truncpr:{0} s{2}, s{0}, {3}, {4}\n"
          "open:{0} c0, s{1}\nprintc:{0} c0\nopen:{0} c0, s{2}\nprintc:{0} c0\n",
          k, 2 * k, 3 * k, m, bits);
    }
    const auto rows = rows_of(run(program, {{0, inputs}}));
    ASSERT_EQ(rows.size(), 2u * bits);
    for (unsigned m = 0; m < bits; ++m) {
      const Values& rounded = rows[2 * m];
      const Values& exact = rows[2 * m + 1];
      ASSERT_EQ(rounded.size(), k);
      ASSERT_EQ(exact.size(), k);
      for (std::size_t lane = 0; lane < k; ++lane) {
        const int64_t floor = floor_div_pow2(values[lane], m);
        EXPECT_TRUE(rounded[lane] == floor || rounded[lane] == floor + 1)
            << "truncpr(" << values[lane] << ", m " << m << ", bits " << bits << ") = " << rounded[lane];
        const int64_t multiple = inputs[(m + 1) * k + lane];
        EXPECT_EQ(exact[lane], floor_div_pow2(multiple, m))
            << "truncpr(" << multiple << ", m " << m << ", bits " << bits << ") must be exact";
      }
    }
  }
}

TEST(SemanticsTruncpr, RoundsUpWithProbabilityRemainderOverTwoToTheM) {
  // 20000 lanes of one value each: the share rounded up estimates (x mod 2^m) / 2^m.
  // Standard deviation of the share is at most 0.0036, so +-0.03 is over 8 of them.
  struct Case {
    int64_t x;
    unsigned m;
    double up;  // expected share of lanes giving floor + 1
  };
  for (const Case& c : {Case{1, 2, 0.25}, Case{3, 2, 0.75}, Case{-1, 2, 0.75}, Case{-6, 3, 0.25}, Case{5, 1, 0.5},
                        Case{(int64_t{1} << 40) + (int64_t{1} << 19), 20, 0.5}}) {
    const std::size_t lanes = 20000;
    const std::string program = fmt::format(
        "ldsi:{0} s0, {1}\ntruncpr:{0} s0, s0, {2}, 64\nopen:{0} c0, s0\nprintc:{0} c0\n", lanes, c.x, c.m);
    const auto rows = rows_of(run(program));
    ASSERT_EQ(rows.size(), 1u);
    const int64_t floor = floor_div_pow2(c.x, c.m);
    std::size_t up = 0;
    for (int64_t v : rows[0]) {
      ASSERT_TRUE(v == floor || v == floor + 1) << v;
      up += v == floor + 1;
    }
    EXPECT_NEAR(static_cast<double>(up) / lanes, c.up, 0.03) << "truncpr(" << c.x << ", m " << c.m << ")";
  }
}

// =========================================================================================
// Memory
// =========================================================================================

TEST(SemanticsMemory, ImmediateAddressesRoundTripAndBanksAreSeparate) {
  const std::string output = run(R"(
    input:3 s0, 0
    stms:3 s0, 10
    ldms:3 s3, 10
    open:3 c0, s3
    printc:3 c0             # the stored values
    stmc:3 c0, 10           # the same addresses in c-memory
    ldsi:3 s0, 0
    stms:3 s0, 10           # overwriting s-memory must not touch c-memory
    ldmc:3 c3, 10
    printc:3 c3
    ldms:3 s6, 10
    open:3 c6, s6
    printc:3 c6             # s-memory now holds zeros
    ldint i0, 5
    ldint i1, -6
    ldint i2, 9223372036854775807
    stmint:3 i0, 10
    ldmint:3 i3, 9          # cell 9 was never written
    printint:3 i3
    ldmint i6, 12
    printint i6
    ldmc:2 c9, 9            # cell 9 of c-memory was never written either
    printc:2 c9
  )",
                                 {{0, {11, -22, kMin}}});
  EXPECT_EQ(output, fmt::format("11 -22 {0}\n11 -22 {0}\n0 0 0\n0 5 -6\n{1}\n0 11\n", kMin, kMax));
}

TEST(SemanticsMemory, RegisterAddressesRoundTrip) {
  const std::string output = run(R"(
    ldint i0, 40
    ldint i1, 41
    input:3 s0, 0
    stmsi:3 s0, i0          # s-memory 40..42
    ldms:3 s3, 40           # an immediate load sees a register store
    open:3 c0, s3
    printc:3 c0
    ldmsi:2 s6, i1          # 41..42
    open:2 c3, s6
    printc:2 c3
    stmci:3 c0, i1          # c-memory 41..43
    ldmc:4 c5, 40
    printc:4 c5
    ldmci:2 c9, i0
    printc:2 c9
    ldint:3 i2, 77
    ldint i3, -78
    stminti:3 i2, i0        # i-memory 40..42 = 77 -78 77
    stmint i1, 43           # i-memory 43 = 41
    ldminti:4 i5, i0
    printint:4 i5
    ldminti i9, i1
    printint i9
  )",
                                 {{0, {100, -200, 300}}});
  EXPECT_EQ(output, "100 -200 300\n-200 300\n0 100 -200 300\n0 100\n77 -78 77 41\n-78\n");
}

TEST(SemanticsMemory, UnwrittenCellsReadZeroAfterGrowth) {
  // A store far away grows the bank; everything around it still reads zero.
  const std::string output = run(R"(
    ldsi s0, 9
    stms s0, 3000
    ldms:3 s1, 2999
    open:3 c0, s1
    printc:3 c0
    ldms:4 s4, 100000
    open:4 c0, s4
    printc:4 c0
    ldint i0, 70000
    ldmci:2 c0, i0
    printc:2 c0
    ldminti:2 i1, i0
    printint:2 i1
  )");
  EXPECT_EQ(output, "0 9 0\n0 0 0 0\n0 0\n0 0\n");
}

TEST(SemanticsMemory, On100000Lanes) {
  const Values values = random_values(100000, 111);
  const auto rows = rows_of(run(R"(
    input:100000 s0, 0
    ldint i0, 12345
    ldint i1, 3
    stmsi:100000 s0, i0
    ldms:100000 s100000, 12345
    open:100000 c0, s100000
    stmci:100000 c0, i1
    ldmc:100000 c100000, 3
    printc:100000 c100000
    convclear:100000 i2, c100000
    stmint:100000 i2, 7
    ldint i1, 7
    ldminti:100000 i100002, i1
    printint:100000 i100002
  )",
                                {{0, values}}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], values);
  EXPECT_EQ(rows[1], values);
}

struct MemoryInstruction {
  std::string_view mnemonic;
  char bank;              // the memory bank, as the messages name it
  char register_bank;     // the register operand's bank
  bool register_address;  // address from an i register (i7) instead of an immediate
};

const MemoryInstruction kMemoryInstructions[] = {
    {"ldms", 's', 's', false},  {"stms", 's', 's', false},  {"ldmc", 'c', 'c', false},
    {"stmc", 'c', 'c', false},  {"ldmint", 'i', 'i', false}, {"stmint", 'i', 'i', false},
    {"ldmsi", 's', 's', true},  {"stmsi", 's', 's', true},  {"ldmci", 'c', 'c', true},
    {"stmci", 'c', 'c', true},  {"ldminti", 'i', 'i', true}, {"stminti", 'i', 'i', true},
};

mpvm::vm::RunOptions small_memory(uint64_t cells) {
  mpvm::vm::RunOptions options;
  options.limits.memory_cells = cells;
  return options;
}

// The memory instruction with vector length n (at most 8) at `address`, preceded by the
// ldint that puts the address in i20 for the register forms (so it is always at pc 1).
std::string memory_program(const MemoryInstruction& m, int n, int64_t address) {
  const std::string operand = m.register_address ? "i20" : std::to_string(address);
  return fmt::format("ldint i20, {}\n{}:{} {}0, {}\n", address, m.mnemonic, n, m.register_bank, operand);
}

TEST(SemanticsMemory, AccessesUpToTheLimitWork) {
  for (const MemoryInstruction& m : kMemoryInstructions)
    EXPECT_EQ(error_running(memory_program(m, 8, 56), {}, 0, small_memory(64)), "") << m.mnemonic;
}

TEST(SemanticsMemory, AccessesPastTheLimitAreErrorsNamingTheAddress) {
  for (const MemoryInstruction& m : kMemoryInstructions) {
    const std::string message = error_running(memory_program(m, 8, 57), {}, 0, small_memory(64));
    EXPECT_TRUE(Contains(message, fmt::format("test.s: pc 1 ({})", m.mnemonic)));
    EXPECT_TRUE(Contains(message, fmt::format("{}-memory cells 57..64 pass the limit of 64 cells", m.bank)));
    // A single cell just past the end.
    const std::string one = error_running(memory_program(m, 1, 64), {}, 0, small_memory(64));
    EXPECT_TRUE(Contains(one, fmt::format("{}-memory cells 64..64", m.bank))) << one;
  }
  // Addresses near 2^63 in a register must not wrap around into the bank.
  for (const MemoryInstruction& m : kMemoryInstructions) {
    if (!m.register_address) continue;
    const std::string message = error_running(memory_program(m, 2, kMax), {}, 0, small_memory(64));
    EXPECT_TRUE(Contains(message, fmt::format("test.s: pc 1 ({})", m.mnemonic)));
    EXPECT_TRUE(Contains(message, std::to_string(kMax))) << message;
  }
}

TEST(SemanticsMemory, NegativeRegisterAddressesAreErrorsNamingTheAddress) {
  for (const MemoryInstruction& m : kMemoryInstructions) {
    if (!m.register_address) continue;
    for (int64_t address : {int64_t{-1}, int64_t{-7}, kMin}) {
      const std::string message = error_running(memory_program(m, 1, address), {}, 0, small_memory(64));
      EXPECT_TRUE(Contains(message, fmt::format("test.s: pc 1 ({})", m.mnemonic)));
      EXPECT_TRUE(Contains(message, fmt::format("{}-memory address {} is negative", m.bank, address)));
    }
  }
}

TEST(SemanticsMemory, MatrixAndConvolutionOperandsAreBoundsChecked) {
  const auto options = small_memory(64);
  // C at 62..65 passes the limit.
  EXPECT_TRUE(Contains(error_running("matmuls 62, 0, 4, 2, 2, 2\n", {}, 0, options), "pc 0 (matmuls)"));
  EXPECT_TRUE(Contains(error_running("matmuls 62, 0, 4, 2, 2, 2\n", {}, 0, options), "s-memory cells 62..65"));
  // A (60..67) and B in c-memory (61..64).
  EXPECT_TRUE(Contains(error_running("matmulsm 0, 60, 0, 2, 4, 1\n", {}, 0, options), "s-memory cells 60..67"));
  EXPECT_TRUE(Contains(error_running("matmulsm 0, 0, 61, 1, 2, 2\n", {}, 0, options), "c-memory cells 61..64"));
  // Two lanes of a 2x2 product at 58: lane 1's C ends at 65.
  EXPECT_TRUE(Contains(error_running("matmuls:2 58, 0, 8, 2, 2, 2\n", {}, 0, options), "s-memory cells 58..65"));
  // A 3x3 image at 60 (60..68).
  EXPECT_TRUE(Contains(error_running("conv2ds 0, 60, 30, 3, 3, 1, 1, 1, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1\n", {}, 0, options),
                       "pc 0 (conv2ds)"));
  EXPECT_EQ(error_running("matmuls 60, 0, 4, 2, 2, 2\n", {}, 0, options), "");
}

// =========================================================================================
// Integer arithmetic
// =========================================================================================

TEST(SemanticsInteger, WrapAroundAtTwoToThe63) {
  const std::string output = run(R"(
    ldint i0, 9223372036854775807
    ldint i1, 1
    addint i2, i0, i1              # INT64_MAX + 1
    ldint i3, -9223372036854775808
    subint i4, i3, i1              # INT64_MIN - 1
    ldint i5, 4294967296
    mulint i6, i5, i5              # 2^64
    ldint i7, -1
    mulint i8, i3, i7              # -INT64_MIN
    ldint i9, 3037000500
    mulint i10, i9, i9             # just past INT64_MAX
    printint i2
    printint i4
    printint i6
    printint i8
    printint i10
  )");
  EXPECT_EQ(output, fmt::format("{}\n{}\n0\n{}\n{}\n", kMin, kMax, kMin, ring_mul(3037000500, 3037000500)));
  // 3037000500^2 = 9223372037000250000 = 2^63 + 145474192, read as signed.
  EXPECT_EQ(ring_mul(3037000500, 3037000500), kMin + 145474192);
}

TEST(SemanticsInteger, EveryOperationOnEveryPairOfEdgeValues) {
  // The i registers get their values from inputs through open and convclear.
  Values a, b;
  for (int64_t x : kEdgeValues)
    for (int64_t y : kEdgeValues) a.push_back(x), b.push_back(y);
  const std::size_t k = a.size();
  const std::string program = fmt::format(
      "input:{0} s0, 0\ninput:{0} s{0}, 0\nopen:{0} c0, s0\nopen:{0} c{0}, s{0}\n"
      "convclear:{0} i0, c0\nconvclear:{0} i{0}, c{0}\n"
      "addint:{0} i{1}, i0, i{0}\nsubint:{0} i{2}, i0, i{0}\nmulint:{0} i{3}, i0, i{0}\n"
      "ltint:{0} i{4}, i0, i{0}\neqint:{0} i{5}, i0, i{0}\n"
      "printint:{0} i{1}\nprintint:{0} i{2}\nprintint:{0} i{3}\nprintint:{0} i{4}\nprintint:{0} i{5}\n",
      k, 2 * k, 3 * k, 4 * k, 5 * k, 6 * k);
  const auto rows = rows_of(run(program, {{0, concatenated(a, b)}}));
  ASSERT_EQ(rows.size(), 5u);
  Values sum, difference, product, less, equal;
  for (std::size_t lane = 0; lane < k; ++lane) {
    sum.push_back(ring_add(a[lane], b[lane]));
    difference.push_back(ring_sub(a[lane], b[lane]));
    product.push_back(ring_mul(a[lane], b[lane]));
    less.push_back(a[lane] < b[lane]);
    equal.push_back(a[lane] == b[lane]);
  }
  EXPECT_EQ(rows[0], sum);
  EXPECT_EQ(rows[1], difference);
  EXPECT_EQ(rows[2], product);
  EXPECT_EQ(rows[3], less);
  EXPECT_EQ(rows[4], equal);
}

TEST(SemanticsInteger, ComparisonsAreSigned) {
  const std::string output = run(R"(
    ldint i0, -1
    ldint i1, 0
    ldint i2, -9223372036854775808
    ldint i3, 9223372036854775807
    ltint i4, i0, i1               # -1 < 0
    ltint i5, i1, i0               # 0 < -1
    ltint i6, i2, i3               # INT64_MIN < INT64_MAX
    ltint i7, i3, i3               # not strict
    eqint i8, i2, i2
    eqint i9, i2, i3
    printint:6 i4
  )");
  EXPECT_EQ(output, "1 0 1 0 1 0\n");
}

// =========================================================================================
// Control flow
// =========================================================================================

TEST(SemanticsControl, JumpsAreTakenExactlyWhenTheirConditionHolds) {
  const std::string output = run(R"(
    ldint i0, 0
    ldint i1, 1
    ldint i2, -1
    ldint i3, -9223372036854775808
    jmp skip
    prints "jmp not taken\n"
  skip:
    jmpnz i0, wrong          # 0: not taken
    prints "a\n"
    jmpeqz i1, wrong         # 1: not taken
    jmpeqz i2, wrong         # -1: not taken
    jmpeqz i3, wrong         # INT64_MIN: not taken
    prints "b\n"
    jmpnz i2, t1             # -1 is nonzero: taken
    prints "jmpnz not taken\n"
  t1: jmpnz i3, t2           # taken
    prints "jmpnz not taken\n"
  t2: jmpeqz i0, t3          # taken
    prints "jmpeqz not taken\n"
  t3: prints "c\n"
    halt
  wrong:
    prints "wrong branch\n"
  )");
  EXPECT_EQ(output, "a\nb\nc\n");
}

TEST(SemanticsControl, BackwardJumpsLoop) {
  const std::string output = run(R"(
    ldint i0, 10      # counter
    ldint i1, 0       # sum
    ldint i2, -1
    ldint i3, 0       # a second loop with jmpeqz at the top
  loop:
    addint i1, i1, i0
    addint i0, i0, i2
    jmpnz i0, loop
    printint i1
    ldint i4, 1
    ldint i5, 4
  top:
    eqint i6, i3, i5
    jmpeqz i6, body
    jmp done
  body:
    addint i3, i3, i4
    printint i3
    jmp top
  done: halt
  )");
  EXPECT_EQ(output, "55\n1\n2\n3\n4\n");
}

TEST(SemanticsControl, NestedCallsReturnToTheirCallers) {
  const std::string output = run(R"(
    prints "main\n"
    call outer
    prints "main again\n"
    call inner
    prints "main end\n"
    halt
  outer:
    prints "outer in\n"
    call inner
    prints "outer middle\n"
    call inner
    prints "outer out\n"
    ret
  inner:
    prints "inner\n"
    ret
  )");
  EXPECT_EQ(output, "main\nouter in\ninner\nouter middle\ninner\nouter out\nmain again\ninner\nmain end\n");
}

TEST(SemanticsControl, RetWithoutACallIsAnError) {
  EXPECT_EQ(error_running("prints \"x\"\nret\n"), "test.s: pc 1 (ret): ret without a matching call");
  // One ret too many: the call's frame is gone by then.
  EXPECT_EQ(error_running("call f\nret\nf: ret\n"), "test.s: pc 1 (ret): ret without a matching call");
}

TEST(SemanticsControl, UnboundedRecursionHitsTheCallDepthLimit) {
  const std::string message = error_running("f: call f\n");
  EXPECT_TRUE(Contains(message, "test.s: pc 0 (call)"));
  EXPECT_TRUE(Contains(message, "call depth"));
  EXPECT_TRUE(Contains(message, std::to_string(mpvm::vm::RunLimits{}.call_depth)));
}

TEST(SemanticsControl, CallDepthLimitAllowsExactlyThatManyFrames) {
  // f recurses `depth` times below the first call: depth + 1 frames in all.
  const auto program = [](int depth) {
    return fmt::format(R"(
      ldint i0, {}
      ldint i1, -1
      call f
      prints "done\n"
      halt
    f:
      jmpeqz i0, base
      addint i0, i0, i1
      call f
    base:
      ret
    )",
                       depth);
  };
  mpvm::vm::RunOptions options;
  options.limits.call_depth = 10;
  EXPECT_EQ(run(program(9), {}, 0, 1, options), "done\n");
  const std::string message = error_running(program(10), {}, 0, options);
  EXPECT_TRUE(Contains(message, "test.s: pc 7 (call)"));
  EXPECT_TRUE(Contains(message, "call depth passes the limit of 10"));
}

TEST(SemanticsControl, HaltStopsEverything) {
  const auto run_result = mpvm::testing::run_emulate(R"(
    prints "before\n"
    halt
    prints "after\n"
    ret                      # would be an error if it ran
  )");
  EXPECT_EQ(run_result.output, "before\n");
  EXPECT_EQ(run_result.statistics.instructions, 2u);

  // halt inside a subroutine stops the program, not just the subroutine.
  EXPECT_EQ(run("call f\nprints \"after call\\n\"\nf: prints \"in f\\n\"\nhalt\n"), "in f\n");
  // Running past the last instruction also halts.
  EXPECT_EQ(run("prints \"end\\n\"\n"), "end\n");
}

// =========================================================================================
// Printing and timers
// =========================================================================================

TEST(SemanticsPrint, VectorsPrintSpaceSeparatedOnOneLine) {
  const std::string output = run(R"(
    ldi c0, 1
    ldi c1, -2
    ldi c2, 0
    ldi c3, -9223372036854775808
    printc:4 c0
    printc c1
    ldint i0, 9223372036854775807
    ldint i1, -5
    ldint i2, 0
    printint:3 i0
    printint i1
  )");
  EXPECT_EQ(output, "1 -2 0 -9223372036854775808\n-2\n9223372036854775807 -5 0\n-5\n");
}

TEST(SemanticsPrint, PrintsDecodesEscapesAndAddsNoNewline) {
  const std::string output = run(R"(
    prints "a"
    prints "b\n"
    prints "tab\there \"quoted\" back\\slash \x41\x7e"
    prints ""
    prints "\n# not a comment\n"
  )");
  EXPECT_EQ(output, "ab\ntab\there \"quoted\" back\\slash A~\n# not a comment\n");
}

TEST(SemanticsTimer, StoppedTimersAppearInTheStatistics) {
  const auto result = mpvm::testing::run_emulate(R"(
    starttimer 3
    ldint i0, 200000
    ldint i1, -1
  loop:
    addint i0, i0, i1
    jmpnz i0, loop
    stoptimer 3
    starttimer 3             # resumed: still one entry
    stoptimer 3
    starttimer 99
    ldsi s0, 2
    muls s1, s0, s0
    stoptimer 99
  )");
  const auto& timers = result.statistics.timers;
  ASSERT_EQ(timers.size(), 2u);
  ASSERT_EQ(timers.count(3), 1u);
  ASSERT_EQ(timers.count(99), 1u);
  // 400000 instructions take measurable time, and a part cannot take longer than the run.
  EXPECT_GT(timers.at(3).seconds, 0.0);
  EXPECT_LE(timers.at(3).seconds, result.statistics.seconds);
  EXPECT_GE(timers.at(99).seconds, 0.0);
}

TEST(SemanticsTimer, MisusedTimersAreErrors) {
  EXPECT_EQ(error_running("stoptimer 5\n"), "test.s: pc 0 (stoptimer): timer 5 is not running");
  EXPECT_EQ(error_running("starttimer 2\nstarttimer 2\n"), "test.s: pc 1 (starttimer): timer 2 is already running");
  EXPECT_EQ(error_running("starttimer 2\nstoptimer 2\nstoptimer 2\n"), "test.s: pc 2 (stoptimer): timer 2 is not running");
  // Timers are independent: stopping 1 while only 0 runs is still an error.
  EXPECT_EQ(error_running("starttimer 0\nstoptimer 1\n"), "test.s: pc 1 (stoptimer): timer 1 is not running");
}

// =========================================================================================
// Coverage
// =========================================================================================

TEST(SemanticsCoverage, EveryInstructionHasASemanticsTest) {
  std::set<std::string_view> in_table;
  for (const auto& row : mpvm::bytecode::kInstructionTable) {
    in_table.insert(row.mnemonic);
    EXPECT_TRUE(kTestedMnemonics.count(row.mnemonic) == 1)
        << "instruction '" << row.mnemonic << "' has no test in tests/unit/test_semantics.cc: add one, then list it "
        << "in kTestedMnemonics";
  }
  for (std::string_view mnemonic : kTestedMnemonics)
    EXPECT_TRUE(in_table.count(mnemonic) == 1) << "kTestedMnemonics lists '" << mnemonic << "', which is not in the table";
}

}  // namespace
