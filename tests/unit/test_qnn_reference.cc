// The plaintext TFLite reference (compiler_lite/qnn): multiplier quantization, the gemmlowp
// rounding primitives (cross-checked against Debian's libgemmlowp-dev), hand-computed
// kernels, and the interpreter end to end on a small hand-built model.
#include <gemmlowp/fixedpoint/fixedpoint.h>
#include <gtest/gtest.h>

#include "tests/support/qnn_models.h"

#include <cmath>
#include <functional>
#include <cstring>
#include <limits>
#include <random>

#include "base/errors.h"
#include "compiler_lite/qnn/model.h"
#include "compiler_lite/qnn/quantization.h"
#include "compiler_lite/qnn/reference.h"

namespace mpvm::qnn {
namespace {

constexpr int32_t kOne30 = int32_t{1} << 30;

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

using testing::make_tensor;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

// ---------------------------------------------------------------------------------------
// Multiplier quantization (quantization_util.cc).

TEST(QnnReferenceQuantization, QuantizeMultiplierKnownValues) {
  EXPECT_EQ(quantize_multiplier(0.0), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(quantize_multiplier(0.5), (QuantizedMultiplier{kOne30, 0}));
  EXPECT_EQ(quantize_multiplier(1.0), (QuantizedMultiplier{kOne30, 1}));
  EXPECT_EQ(quantize_multiplier(0.75), (QuantizedMultiplier{1610612736, 0}));
  EXPECT_EQ(quantize_multiplier(0.25), (QuantizedMultiplier{kOne30, -1}));
  // q·2^31 rounds up to 2^31: M0 = 2^30 and the shift is bumped.
  EXPECT_EQ(quantize_multiplier(1.0 - std::ldexp(1.0, -40)), (QuantizedMultiplier{kOne30, 1}));
  // std::round is half away from zero: q = 0.5 + 2^-32 → q·2^31 = 2^30 + 0.5 → 2^30 + 1.
  EXPECT_EQ(quantize_multiplier(0.5 + std::ldexp(1.0, -32)), (QuantizedMultiplier{kOne30 + 1, 0}));
  // shift −31 is kept, below that the multiplier is flushed to zero.
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -32)), (QuantizedMultiplier{kOne30, -31}));
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -33)), (QuantizedMultiplier{0, 0}));

  EXPECT_EQ(quantize_multiplier_smaller_than_one_exp(0.5), (QuantizedMultiplier{kOne30, 0}));
  EXPECT_THROW(quantize_multiplier_smaller_than_one_exp(1.0), InputError);
  EXPECT_THROW(quantize_multiplier_smaller_than_one_exp(0.0), InputError);
  // Rounds up to 1.0 → shift 1 > 0: TFLite's CHECK fails.
  EXPECT_THROW(quantize_multiplier_smaller_than_one_exp(1.0 - std::ldexp(1.0, -40)), InputError);
}

// TFLITE.md's check on MobileNetV2 op 9.
TEST(QnnReferenceQuantization, AddMultipliersOfMobileNetV2) {
  const AddParams p = prepare_add(0.401492953f, 0, 0.275834352f, 0, 0.432168961f, 0, {0, 255});
  EXPECT_EQ(p.left_shift, 20);
  EXPECT_EQ(p.input1_multiplier, (QuantizedMultiplier{1073741824, 0}));
  EXPECT_EQ(p.input2_multiplier, (QuantizedMultiplier{1475367762, -1}));
  EXPECT_EQ(p.output_multiplier, (QuantizedMultiplier{1995052007, -19}));
}

TEST(QnnReferenceQuantization, EffectiveConvMultipliers) {
  // uint8: the product is rounded to float first.
  const float s_in = 0.0078125f, s_w = 0.0088824f, s_out = 0.023528477f;
  EXPECT_EQ(per_tensor_conv_multiplier(s_in, s_w, s_out),
            static_cast<double>(s_in * s_w) / static_cast<double>(s_out));
  EXPECT_EQ(per_channel_conv_multiplier(s_in, s_w, s_out),
            static_cast<double>(s_in) * static_cast<double>(s_w) / static_cast<double>(s_out));
  // A pair where rounding the product to float changes the double result.
  const float a = 0.1f, b = 0.3f, c = 0.7f;
  EXPECT_NE(static_cast<double>(a * b), static_cast<double>(a) * static_cast<double>(b));
  EXPECT_NE(per_tensor_conv_multiplier(a, b, c), per_channel_conv_multiplier(a, b, c));
}

// ---------------------------------------------------------------------------------------
// gemmlowp primitives against Debian's fixedpoint.h.

TEST(QnnReferenceFixedPoint, MatchesGemmlowpOnRandomValuesAndTies) {
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int> exponent(0, 31);
  std::uniform_int_distribution<int> small_exponent(1, 31);
  for (int i = 0; i < 100000; ++i) {
    const int32_t a = any(rng), b = any(rng);
    ASSERT_EQ(saturating_rounding_doubling_high_mul(a, b), gemmlowp::SaturatingRoundingDoublingHighMul(a, b))
        << a << " " << b;
    const int e = exponent(rng);
    ASSERT_EQ(rounding_divide_by_pot(a, e), gemmlowp::RoundingDivideByPOT(a, e)) << a << " " << e;
  }
  // Exact ties of SRDHM: a·b = odd·2^30, i.e. a = c·2^j, b = d·2^(30−j) with c, d odd.
  for (int i = 0; i < 100000; ++i) {
    const int j = std::uniform_int_distribution<int>(0, 30)(rng);
    const int32_t c_max = j == 0 ? std::numeric_limits<int32_t>::max() : (int32_t{1} << (31 - j)) - 1;
    const int32_t d_max = j == 30 ? std::numeric_limits<int32_t>::max() : (int32_t{1} << (1 + j)) - 1;
    const int32_t c = std::uniform_int_distribution<int32_t>(-c_max, c_max)(rng) | 1;
    const int32_t d = std::uniform_int_distribution<int32_t>(-d_max, d_max)(rng) | 1;
    const int32_t a = static_cast<int32_t>(int64_t{c} << j), b = static_cast<int32_t>(int64_t{d} << (30 - j));
    ASSERT_EQ((int64_t{a} * b) % (int64_t{1} << 31) != 0, true);
    ASSERT_EQ(saturating_rounding_doubling_high_mul(a, b), gemmlowp::SaturatingRoundingDoublingHighMul(a, b))
        << a << " " << b;
  }
  // Exact ties of RDBPOT: x = odd·2^(e−1), both signs.
  for (int i = 0; i < 100000; ++i) {
    const int e = small_exponent(rng);
    const int32_t limit = (e == 1) ? (std::numeric_limits<int32_t>::max() >> 1) : ((int32_t{1} << (32 - e)) - 1);
    const int32_t odd = std::uniform_int_distribution<int32_t>(-limit, limit)(rng) | 1;
    const int32_t x = static_cast<int32_t>(int64_t{odd} << (e - 1));
    ASSERT_EQ(rounding_divide_by_pot(x, e), gemmlowp::RoundingDivideByPOT(x, e)) << x << " " << e;
  }
  // Extremes.
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  for (int32_t a : {lo, lo + 1, -1, 0, 1, hi - 1, hi}) {
    for (int32_t b : {lo, lo + 1, -1, 0, 1, hi - 1, hi}) {
      EXPECT_EQ(saturating_rounding_doubling_high_mul(a, b), gemmlowp::SaturatingRoundingDoublingHighMul(a, b));
    }
    for (int e = 0; e <= 31; ++e) EXPECT_EQ(rounding_divide_by_pot(a, e), gemmlowp::RoundingDivideByPOT(a, e));
  }
}

TEST(QnnReferenceFixedPoint, TieDirections) {
  // SRDHM: positive ties up, negative ties also up (toward +infinity).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kOne30, 3), 2);    // 1.5 → 2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kOne30, -3), -1);  // −1.5 → −1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kOne30, -1), 0);   // −0.5 → 0
  EXPECT_EQ(saturating_rounding_doubling_high_mul(std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::max());
  // RDBPOT: ties away from zero.
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(rounding_divide_by_pot(-4, 3), -1);  // −0.5 → −1
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // −1.25 → −1
  // MBQM = RDBPOT(SRDHM(x·2^left, M0), right): the double rounding.
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, kOne30, 0), -2);   // −2.5 → −2
  EXPECT_EQ(multiply_by_quantized_multiplier(5, kOne30, 1), 5);     // ·1
  EXPECT_EQ(multiply_by_quantized_multiplier(-12, kOne30, -3), -1); // −0.75
  EXPECT_EQ(multiply_by_quantized_multiplier(-8, kOne30, -3), -1);  // −0.5 away from zero
}

// ---------------------------------------------------------------------------------------
// Activation ranges and padding.

TEST(QnnReferenceActivation, Ranges) {
  // MobileNet's ReLU6 outputs: 6/0.023528477 = 255.01 → [0, 255].
  EXPECT_EQ(activation_range(Activation::relu6, ElementType::uint8, 0.023528477f, 0), (ActivationRange{0, 255}));
  // person_detect's ReLU6: zp −128, 6/0.0235294 ≈ 255 → [−128, 127].
  EXPECT_EQ(activation_range(Activation::relu6, ElementType::int8, 0.0235294f, -128), (ActivationRange{-128, 127}));
  EXPECT_EQ(activation_range(Activation::relu6, ElementType::uint8, 0.05f, 10), (ActivationRange{10, 130}));
  EXPECT_EQ(activation_range(Activation::relu, ElementType::int8, 0.1f, -5), (ActivationRange{-5, 127}));
  EXPECT_EQ(activation_range(Activation::relu_n1_to_1, ElementType::uint8, 0.01f, 128), (ActivationRange{28, 228}));
  EXPECT_EQ(activation_range(Activation::none, ElementType::int8, 0.01f, 3), (ActivationRange{-128, 127}));
  // round(6/4) = round(1.5) = 2 (half away from zero) → 7 + 2.
  EXPECT_EQ(activation_range(Activation::relu6, ElementType::uint8, 4.0f, 7), (ActivationRange{7, 9}));
}

TEST(QnnReferencePadding, SameAndValid) {
  // SAME, odd total: the extra row goes after.
  PaddedSize p = compute_padding(Padding::same, 224, 3, 2, 1);
  EXPECT_EQ(p.output, 112);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 1);
  p = compute_padding(Padding::same, 4, 3, 2, 1);  // total 1
  EXPECT_EQ(p.output, 2);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 1);
  p = compute_padding(Padding::same, 5, 3, 2, 1);  // total 2
  EXPECT_EQ(p.output, 3);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  p = compute_padding(Padding::same, 7, 4, 1, 1);  // total 3
  EXPECT_EQ(p.output, 7);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 2);
  p = compute_padding(Padding::valid, 7, 3, 2, 1);
  EXPECT_EQ(p.output, 3);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 0);
  p = compute_padding(Padding::valid, 5, 3, 1, 2);  // dilated window of 5
  EXPECT_EQ(p.output, 1);
  EXPECT_THROW(compute_padding(Padding::valid, 2, 3, 1, 1), InputError);
}

// ---------------------------------------------------------------------------------------
// Kernels, computed by hand.

// Input 3×3×1, zp_in 2:        x − 2:          Filter 2×2×1, zp_w 10:  w − 10:
//   3 5 2                        1 3  0          11  9                    1 −1
//   4 6 1                        2 4 −1          12 10                    2  0
//   2 2 7                        0 0  5
// VALID accumulators: (0,0) 1−3+4 = 2, (0,1) 3+8 = 11, (1,0) 2−4 = −2, (1,1) 4+1 = 5.
// Bias −10 → −8, 1, −12, −5. Multiplier float(0.5·0.25)/0.25 = 0.5 → (2^30, 0), so the result
// is SRDHM(acc, 2^30) = acc/2 with ties toward +inf: −4, 1 (0.5↑), −6, −2 (−2.5↑). + zp 100.
ConvParams hand_conv_params(Padding padding) {
  ConvParams p;
  p.input_offset = -2;
  p.weights_offset = -10;
  p.output_offset = 100;
  p.multipliers = {quantize_multiplier(per_tensor_conv_multiplier(0.5f, 0.25f, 0.25f))};
  p.range = {0, 255};
  const PaddedSize pad = compute_padding(padding, 3, 2, 1, 1);
  p.pad_top = p.pad_left = pad.before;
  return p;
}
const std::vector<uint8_t> kHandImage = {3, 5, 2, 4, 6, 1, 2, 2, 7};
const std::vector<uint8_t> kHandFilter = {11, 9, 12, 10};

TEST(QnnReferenceKernels, Conv2dUint8Valid) {
  const ConvParams p = hand_conv_params(Padding::valid);
  EXPECT_EQ(p.multipliers[0], (QuantizedMultiplier{kOne30, 0}));
  const int32_t bias = -10;
  std::vector<uint8_t> out(4);
  conv_2d<uint8_t>(p, {1, 3, 3, 1}, kHandImage.data(), {1, 2, 2, 1}, kHandFilter.data(), &bias, {1, 2, 2, 1},
                   out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{96, 101, 94, 98}));
}

// SAME: total padding 1 → none before, one row/column after. The extra taps are skipped:
// (0,2) 0·1 + (−1)·2 = −2; (1,2) −1 + 5·2 = 9; (2,0) 0 − 0 = 0; (2,1) 0 − 5 = −5; (2,2) 5.
// + bias −10, /2 ties up, + 100:
//   96 101 94 / 94 98 100 / 95 93 98
TEST(QnnReferenceKernels, Conv2dUint8SamePadding) {
  const ConvParams p = hand_conv_params(Padding::same);
  EXPECT_EQ(p.pad_top, 0);
  const int32_t bias = -10;
  std::vector<uint8_t> out(9);
  conv_2d<uint8_t>(p, {1, 3, 3, 1}, kHandImage.data(), {1, 2, 2, 1}, kHandFilter.data(), &bias, {1, 3, 3, 1},
                   out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{96, 101, 94, 94, 98, 100, 95, 93, 98}));
}

// Groups: input 1×1×1×4, filter [2, 1, 1, 2] → 2 groups; output channel 0 sees input
// channels 0–1, output channel 1 sees 2–3. int8, per channel, no offsets, multipliers 1.
TEST(QnnReferenceKernels, Conv2dInt8Groups) {
  ConvParams p;
  p.multipliers = {quantize_multiplier(1.0), quantize_multiplier(0.5)};
  p.range = {-128, 127};
  const std::vector<int8_t> x = {1, 2, 3, 4}, w = {10, 1, -1, -2};
  std::vector<int8_t> out(2);
  conv_2d<int8_t>(p, {1, 1, 1, 4}, x.data(), {2, 1, 1, 2}, w.data(), nullptr, {1, 1, 1, 2}, out.data());
  // oc0: 1·10 + 2·1 = 12; oc1: (3·(−1) + 4·(−2))·0.5 = −5.5 → SRDHM ties up → −5.
  EXPECT_EQ(out, (std::vector<int8_t>{12, -5}));
}

// Depthwise, int8 per channel, depth multiplier 2, via the interpreter.
// Input 1×2×2×2, zp −1; x + 1 per channel: ch0 [[2,3],[4,5]], ch1 [[0,1],[2,3]].
// Filter [1,2,2,4] (oc = ic·2 + m), per tap: (0,0) [1,2,−1,0] (0,1) [0,1,1,1]
// (1,0) [2,0,0,−1] (1,1) [1,1,3,2].
//   oc0 = 2·1 + 3·0 + 4·2 + 5·1 = 15    oc1 = 2·2 + 3·1 + 4·0 + 5·1 = 12
//   oc2 = 0·−1 + 1·1 + 2·0 + 3·3 = 10   oc3 = 0·0 + 1·1 + 2·−1 + 3·2 = 5
// Bias [1, 0, −18, 3] → 16, 12, −8, 8. s_in 0.5, s_w [0.25, 0.5, 0.125, 1], s_out 1 →
// multipliers 0.125, 0.25, 0.0625, 0.5 → 2, 3, −0.5 → −1 (RDBPOT away from zero), 4.
// + zp 5 → 7, 8, 4, 9; ReLU6 on (s 1, zp 5) clamps to [5, 11] → 7, 8, 5, 9.
TEST(QnnReferenceKernels, DepthwiseInt8MultiplierTwo) {
  Model m;
  m.tensors.push_back(make_tensor("in", {1, 2, 2, 2}, ElementType::int8, 0.5f, -1));
  Tensor filter = make_tensor("filter", {1, 2, 2, 4}, ElementType::int8, 0, 0,
                              bytes_of(std::vector<int8_t>{1, 2, -1, 0, 0, 1, 1, 1, 2, 0, 0, -1, 1, 1, 3, 2}));
  filter.quantization.scales = {0.25f, 0.5f, 0.125f, 1.0f};
  filter.quantization.zero_points = {0, 0, 0, 0};
  filter.quantization.quantized_dimension = 3;
  m.tensors.push_back(filter);
  Tensor bias = make_tensor("bias", {4}, ElementType::int32, 0, 0, bytes_of(std::vector<int32_t>{1, 0, -18, 3}));
  bias.quantization.scales = {0.125f, 0.25f, 0.0625f, 0.5f};
  bias.quantization.zero_points = {0, 0, 0, 0};
  m.tensors.push_back(bias);
  m.tensors.push_back(make_tensor("out", {1, 1, 1, 4}, ElementType::int8, 1.0f, 5));
  Operator op;
  op.kind = OperatorKind::depthwise_conv_2d;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  op.depth_multiplier = 2;
  op.activation = Activation::relu6;
  m.operators.push_back(op);
  m.inputs = {0};
  m.outputs = {3};
  const auto outputs = run_reference(m, bytes_of(std::vector<int8_t>{1, -1, 2, 0, 3, 1, 4, 2}));
  EXPECT_EQ(outputs[0], bytes_of(std::vector<int8_t>{7, 8, 5, 9}));

  m.operators[0].depth_multiplier = 3;
  EXPECT_EQ(error_of([&] { run_reference(m, std::vector<uint8_t>(8)); }),
            "operator 0 (DEPTHWISE_CONV_2D): depth_multiplier 3 does not match the shapes (2)");
}

// FC uint8: x − 128 = [2, −2, 0]; w − 100 = [[1, 2, −1], [0, −10, 10]];
// acc = [2 − 4, 20] = [−2, 20]; + bias [8, −3] → 6, 17; multiplier float(0.5·0.5)/1 = 0.25
// = (2^30, −1): 6 → SRDHM 3 → RDBPOT(3, 1) = 1.5 → 2; 17 → SRDHM 8.5 → 9 (tie up) →
// RDBPOT(9, 1) = 4.5 → 5, not round(4.25) = 4: the double rounding. + zp 10 → 12, 15.
TEST(QnnReferenceKernels, FullyConnectedUint8) {
  ConvParams p;
  p.input_offset = -128;
  p.weights_offset = -100;
  p.output_offset = 10;
  p.multipliers = {quantize_multiplier(per_tensor_conv_multiplier(0.5f, 0.5f, 1.0f))};
  p.range = {0, 255};
  const std::vector<uint8_t> x = {130, 126, 128}, w = {101, 102, 99, 100, 90, 110};
  const std::vector<int32_t> bias = {8, -3};
  std::vector<uint8_t> out(2);
  fully_connected<uint8_t>(p, 1, 3, x.data(), 2, w.data(), bias.data(), out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{12, 15}));
}

TEST(QnnReferenceKernels, AveragePoolRounding) {
  PoolParams p;
  p.filter_h = p.filter_w = 2;
  p.range = {0, 255};
  // uint8: (acc + cnt/2)/cnt: 3/4 → 1, 6/4 → 2.
  const std::vector<uint8_t> xu = {1, 2, 4, 0, 0, 0};
  std::vector<uint8_t> ou(2);
  average_pool_2d<uint8_t>(p, {1, 2, 3, 1}, xu.data(), {1, 1, 2, 1}, ou.data());
  EXPECT_EQ(ou, (std::vector<uint8_t>{1, 2}));
  // int8: half away from zero: −3/4 → −1, −6/4 = −1.5 → −2, −5/4 → −1, 6/4 → 2.
  p.range = {-128, 127};
  const std::vector<int8_t> xi = {-1, -2, -4, 3, 0, 0, 0, 0, 0, 0, 3, 0};  // [1,2,3,2]
  std::vector<int8_t> oi(4);
  average_pool_2d<int8_t>(p, {1, 2, 3, 2}, xi.data(), {1, 1, 2, 2}, oi.data());
  // ch0 windows: {−1,−4,0,0} = −5 → −1, {−4,0,0,3} = −1 → (−1−2)/4 = 0;
  // ch1 windows: {−2,3,0,0} = 1 → (1+2)/4 = 0, {3,0,0,0} = 3 → 1.
  EXPECT_EQ(oi, (std::vector<int8_t>{-1, 0, 0, 1}));
  const std::vector<int8_t> xn = {-1, -2, -4, 0, 0, 0};
  std::vector<int8_t> on(2);
  average_pool_2d<int8_t>(p, {1, 2, 3, 1}, xn.data(), {1, 1, 2, 1}, on.data());
  EXPECT_EQ(on, (std::vector<int8_t>{-1, -2}));  // −3/4 → −1, −6/4 → −2
  // SAME, 3×3 window on a 2×2 image: every window holds all 4 pixels (padding not counted):
  // (1+2+3+5 + 2)/4 = 3.
  PoolParams s;
  s.filter_h = s.filter_w = 3;
  s.pad_top = s.pad_left = compute_padding(Padding::same, 2, 3, 1, 1).before;
  s.range = {0, 255};
  const std::vector<uint8_t> xs = {1, 2, 3, 5};
  std::vector<uint8_t> os(4);
  average_pool_2d<uint8_t>(s, {1, 2, 2, 1}, xs.data(), {1, 2, 2, 1}, os.data());
  EXPECT_EQ(os, (std::vector<uint8_t>{3, 3, 3, 3}));
}

TEST(QnnReferenceKernels, MaxPool) {
  PoolParams p;
  p.filter_h = p.filter_w = 2;
  p.stride_h = p.stride_w = 2;
  p.range = {-128, 127};
  const std::vector<int8_t> x = {-5, -3, -7, -100, -50, -60, -70, -80};  // [1,2,2,2]
  std::vector<int8_t> out(2);
  max_pool_2d<int8_t>(p, {1, 2, 2, 2}, x.data(), {1, 1, 1, 2}, out.data());
  // ch0 {−5, −7, −50, −70} → −5; ch1 {−3, −100, −60, −80} → −3.
  EXPECT_EQ(out, (std::vector<int8_t>{-5, -3}));
  p.range = {-10, 127};  // a fused ReLU with zp −10 clamps
  const std::vector<int8_t> y = {-50, -60, -70, -80};
  std::vector<int8_t> out1(1);
  max_pool_2d<int8_t>(p, {1, 2, 2, 1}, y.data(), {1, 1, 1, 1}, out1.data());
  EXPECT_EQ(out1[0], -10);
  // SAME with padding: windows clipped, padding never wins.
  PoolParams s;
  s.filter_h = s.filter_w = 2;
  s.range = {0, 255};
  const std::vector<uint8_t> u = {1, 9, 4, 2};
  std::vector<uint8_t> ou(4);
  max_pool_2d<uint8_t>(s, {1, 2, 2, 1}, u.data(), {1, 2, 2, 1}, ou.data());
  EXPECT_EQ(ou, (std::vector<uint8_t>{9, 9, 4, 2}));
}

// ADD with s1 = 1, s2 = 0.5, s_out = 1: real1 = 0.5, real2 = 0.25, real_out = 2/2^20, so
// out = x1 + x2/2 with the half rounded away from zero by the final RDBPOT.
TEST(QnnReferenceKernels, AddRescalesAndRounds) {
  const AddParams p = prepare_add(1.0f, 0, 0.5f, 0, 1.0f, 0, {-128, 127});
  EXPECT_EQ(p.input1_multiplier, (QuantizedMultiplier{kOne30, 0}));
  EXPECT_EQ(p.input2_multiplier, (QuantizedMultiplier{kOne30, -1}));
  EXPECT_EQ(p.output_multiplier, (QuantizedMultiplier{kOne30, -18}));
  const std::vector<int8_t> a = {0, 0, 0, 0, 1, 127}, b = {-1, 1, 3, -3, -5, 127};
  std::vector<int8_t> out(a.size());
  add<int8_t>(p, static_cast<int64_t>(a.size()), a.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-1, 1, 2, -2, -2, 127}));  // last: 190.5 clamped

  // uint8 with zero points: 1·(15 − 10) + 1·(30 − 20) + 5 = 20.
  const AddParams q = prepare_add(1.0f, 10, 1.0f, 20, 1.0f, 5, {0, 255});
  const std::vector<uint8_t> c = {15, 255, 10}, d = {30, 255, 0};
  std::vector<uint8_t> o(3);
  add<uint8_t>(q, 3, c.data(), d.data(), o.data());
  EXPECT_EQ(o, (std::vector<uint8_t>{20, 255, 0}));
}

TEST(QnnReferenceKernels, ConcatenationRescalingUint8) {
  // roundf(0.49999997f) = 0, where floor(f + 0.5f) would give 1.
  const float just_below_half = std::nextafter(0.5f, 0.0f);
  ASSERT_EQ(just_below_half, 0.49999997f);
  ASSERT_EQ(std::floor(just_below_half + 0.5f), 1.0f);
  Model m;
  m.tensors.push_back(make_tensor("a", {2, 1}, ElementType::uint8, just_below_half, 0));
  m.tensors.push_back(make_tensor("b", {2, 1}, ElementType::uint8, 0.5f, 4, bytes_of(std::vector<uint8_t>{1, 3})));
  m.tensors.push_back(make_tensor("c", {2, 1}, ElementType::uint8, 1.0f, 10, bytes_of(std::vector<uint8_t>{200, 201})));
  m.tensors.push_back(make_tensor("out", {2, 3}, ElementType::uint8, 1.0f, 10));
  Operator op;
  op.kind = OperatorKind::concatenation;
  op.index = 4;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  op.axis = -1;
  m.operators.push_back(op);
  m.inputs = {0};
  m.outputs = {3};
  // a: 1·0.49999997 → 0 → 10; 2·0.49999997 = 0.99999994 → 1 → 11.
  // b: bias = −4·0.5 = −2: 0.5 − 2 = −1.5 → −2 → 8; 1.5 − 2 = −0.5 → −1 → 9 (half away from zero).
  // c: same quantization as the output: copied byte for byte.
  const auto outputs = run_reference(m, {1, 2});
  EXPECT_EQ(outputs[0], (std::vector<uint8_t>{10, 8, 200, 11, 9, 201}));

  // int8 requires equal quantization.
  for (Tensor& t : m.tensors) t.type = ElementType::int8;
  EXPECT_EQ(error_of([&] { run_reference(m, {1, 2}); }),
            "operator 4 (CONCATENATION): int8 tensor 0 'a' [2,1] has other quantization than the output");
}

TEST(QnnReferenceKernels, PadWithOutputZeroPoint) {
  Model m;
  m.tensors.push_back(make_tensor("in", {1, 1, 2, 1}, ElementType::uint8, 0.1f, 3));
  m.tensors.push_back(make_tensor("paddings", {4, 2}, ElementType::int32, 0, 0,
                                  bytes_of(std::vector<int32_t>{0, 0, 1, 0, 0, 2, 0, 0})));
  m.tensors.push_back(make_tensor("out", {1, 2, 4, 1}, ElementType::uint8, 0.1f, 3));
  Operator op;
  op.kind = OperatorKind::pad;
  op.inputs = {0, 1};
  op.outputs = {2};
  m.operators.push_back(op);
  m.inputs = {0};
  m.outputs = {2};
  EXPECT_EQ(run_reference(m, {7, 8})[0], (std::vector<uint8_t>{3, 3, 3, 3, 7, 8, 3, 3}));
}

TEST(QnnReferenceKernels, AddRefusesBroadcasting) {
  Model m;
  m.tensors.push_back(make_tensor("a", {1, 2, 2, 1}, ElementType::uint8, 1.0f, 0));
  m.tensors.push_back(make_tensor("b", {1, 1, 1, 1}, ElementType::uint8, 1.0f, 0, {5}));
  m.tensors.push_back(make_tensor("out", {1, 2, 2, 1}, ElementType::uint8, 1.0f, 0));
  Operator op;
  op.kind = OperatorKind::add;
  op.index = 7;
  op.inputs = {0, 1};
  op.outputs = {2};
  m.operators.push_back(op);
  m.inputs = {0};
  m.outputs = {2};
  EXPECT_EQ(error_of([&] { run_reference(m, {1, 2, 3, 4}); }),
            "operator 7 (ADD): broadcasting is not supported: [1,2,2,1] + [1,1,1,1] -> [1,2,2,1]");
}

// ---------------------------------------------------------------------------------------
// A hand-built CONV_2D → FULLY_CONNECTED → SOFTMAX model, end to end.
//
// The conv is the hand-checked VALID conv above (outputs 96 101 94 98, s 0.25, zp 100).
// FC: x − 100 = [−4, 1, −6, −2]; weights zp 128, rows − 128 = [1,1,1,1] and [−1,0,0,1]:
// acc = [−11, 2]; + bias [1, 0] → −10, 2; multiplier float(0.25·1)/0.5 = 0.5 → −5, 1;
// + zp 50 → 45, 51. SOFTMAX passes the logits through; the label is 1.
TEST(QnnReferenceInterpreter, ConvFullyConnectedSoftmaxEndToEnd) {
  Model m;
  m.name = "hand.tflite";
  m.tensors.push_back(make_tensor("image", {1, 3, 3, 1}, ElementType::uint8, 0.5f, 2));
  m.tensors.push_back(make_tensor("conv/filter", {1, 2, 2, 1}, ElementType::uint8, 0.25f, 10, kHandFilter));
  m.tensors.push_back(make_tensor("conv/bias", {1}, ElementType::int32, 0.125f, 0, bytes_of(std::vector<int32_t>{-10})));
  m.tensors.push_back(make_tensor("conv/out", {1, 2, 2, 1}, ElementType::uint8, 0.25f, 100));
  m.tensors.push_back(make_tensor("fc/weights", {2, 4}, ElementType::uint8, 1.0f, 128,
                                  {129, 129, 129, 129, 127, 128, 128, 129}));
  m.tensors.push_back(make_tensor("fc/bias", {2}, ElementType::int32, 0.25f, 0, bytes_of(std::vector<int32_t>{1, 0})));
  m.tensors.push_back(make_tensor("logits", {1, 2}, ElementType::uint8, 0.5f, 50));
  m.tensors.push_back(make_tensor("probabilities", {1, 2}, ElementType::uint8, 1.0f / 256, 0));
  Operator conv;
  conv.kind = OperatorKind::conv_2d;
  conv.index = 0;
  conv.inputs = {0, 1, 2};
  conv.outputs = {3};
  conv.padding = Padding::valid;
  conv.activation = Activation::relu6;  // s 0.25, zp 100 → [100, 124]
  Operator fc;
  fc.kind = OperatorKind::fully_connected;
  fc.index = 1;
  fc.inputs = {3, 4, 5};
  fc.outputs = {6};
  Operator softmax;
  softmax.kind = OperatorKind::softmax;
  softmax.index = 2;
  softmax.inputs = {6};
  softmax.outputs = {7};
  m.operators = {conv, fc, softmax};
  m.inputs = {0};
  m.outputs = {7};

  // With ReLU6 the conv outputs clamp to [100, 124]: 100 101 100 100.
  ReferenceInterpreter interpreter(m);
  interpreter.run(kHandImage);
  EXPECT_EQ(interpreter.tensor_bytes(3), (std::vector<uint8_t>{100, 101, 100, 100}));
  // x − 100 = [0,1,0,0]: acc = [1, 0] + bias [1, 0] = [2, 0] → ·0.5 → 1, 0 → 51, 50.
  EXPECT_EQ(interpreter.tensor_bytes(6), (std::vector<uint8_t>{51, 50}));
  EXPECT_EQ(argmax_label(m, interpreter.output_bytes()), 0);

  // Without the activation: the hand values of the comment above.
  m.operators[0].activation = Activation::none;
  const auto outputs = run_reference(m, kHandImage);
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0], (std::vector<uint8_t>{45, 51}));
  EXPECT_EQ(argmax_label(m, outputs), 1);

  // Ties: the first maximum wins; int8 logits compare signed.
  EXPECT_EQ(argmax_label(m, {{7, 9, 9}}), 1);
  for (Tensor& t : m.tensors) {
    if (t.type == ElementType::uint8) t.type = ElementType::int8;
  }
  EXPECT_EQ(argmax_label(m, {{0x80, 0x7f, 0xff}}), 1);

  // A model without an input.
  m = Model{};
  EXPECT_THROW(run_reference(m, {}), InputError);
}

TEST(QnnReferenceInterpreter, ErrorsNameTheOperator) {
  Model m;
  m.tensors.push_back(make_tensor("image", {1, 3, 3, 1}, ElementType::uint8, 0.5f, 2));
  m.tensors.push_back(make_tensor("filter", {1, 2, 2, 1}, ElementType::uint8, 0.25f, 10, kHandFilter));
  m.tensors.push_back(make_tensor("out", {1, 3, 3, 1}, ElementType::uint8, 0.25f, 100));
  Operator conv;
  conv.kind = OperatorKind::conv_2d;
  conv.index = 5;
  conv.inputs = {0, 1, -1};
  conv.outputs = {2};
  m.operators = {conv};
  m.inputs = {0};
  m.outputs = {2};
  EXPECT_EQ(error_of([&] { run_reference(m, kHandImage); }),
            "operator 5 (CONV_2D): output tensor 2 'out' [1,3,3,1] should be [1,2,2,1]");
  m.operators[0].padding = Padding::same;  // now the shape fits; no bias is fine
  EXPECT_NO_THROW(run_reference(m, kHandImage));
  EXPECT_EQ(error_of([&] { run_reference(m, {1, 2}); }),
            "input tensor 0 'image' [1,3,3,1] needs 9 bytes, got 2");
}

}  // namespace
}  // namespace mpvm::qnn
