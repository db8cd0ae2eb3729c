// The model compiler's MAX_POOL_2D, PAD and CONCATENATION: small hand-built models compiled
// and run under emulate and rep3 (three in-memory parties) give the plaintext reference's
// values bit for bit on random inputs; PAD and a same-quantization CONCATENATION cost no
// communication; a max pool's rounds grow with log2 of its window, not with the number of
// windows; and the generated MiniONN network runs privately, equal to the reference.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/qnn/quantization.h"
#include "compiler_lite/qnn/reference.h"
#include "compiler_lite/tflite/generator.h"
#include "compiler_lite/tflite/loader.h"
#include "tests/support/qnn_models.h"

namespace mpvm {
namespace {

using namespace qnn;
using testing::make_tensor;
using testing::op_of;
using testing::random_biases;
using testing::random_bytes;
using testing::reference_logits;
using testing::run_secure;
using testing::secure_logits;

struct Quant {
  float scale;
  int64_t zero_point;
};

// Appends RESHAPE to [1, n] and SOFTMAX after tensor `last`, so that the compiled program
// reveals that tensor's values as its logits (and the reference returns them).
void reveal(Model& m, int last) {
  const Tensor t = m.tensors[static_cast<std::size_t>(last)];  // a copy: push_back below may move the tensors
  const int32_t n = static_cast<int32_t>(t.element_count());
  const Tensor flat = make_tensor("flat", {1, n}, t.type, t.quantization.scales[0], t.quantization.zero_points[0]);
  const int64_t softmax_zero = t.type == ElementType::int8 ? -128 : 0;
  m.tensors.push_back(flat);
  m.tensors.push_back(make_tensor("probabilities", {1, n}, t.type, 1.0f / 256, softmax_zero));
  const int flat_index = static_cast<int>(m.tensors.size()) - 2;
  const int index = static_cast<int>(m.operators.size());
  Operator reshape = op_of(OperatorKind::reshape, index, {last}, flat_index);
  reshape.new_shape = {1, n};
  m.operators.push_back(reshape);
  m.operators.push_back(op_of(OperatorKind::softmax, index + 1, {flat_index}, flat_index + 1));
  m.outputs = {flat_index + 1};
}

struct PoolShape {
  int filter_h, filter_w, stride;
  Padding padding;
};

// image -> MAX_POOL_2D (operator 0) -> revealed.
Model max_pool_model(std::vector<int32_t> image, PoolShape pool, Activation activation = Activation::none,
                     ElementType type = ElementType::uint8, Quant q = {0.05f, 20}) {
  Model m;
  m.name = fmt::format("maxpool{}x{}.tflite", pool.filter_h, pool.filter_w);
  const PaddedSize h = compute_padding(pool.padding, image[1], pool.filter_h, pool.stride, 1);
  const PaddedSize w = compute_padding(pool.padding, image[2], pool.filter_w, pool.stride, 1);
  m.tensors.push_back(make_tensor("image", image, type, q.scale, q.zero_point));
  m.tensors.push_back(make_tensor("pool", {image[0], h.output, w.output, image[3]}, type, q.scale, q.zero_point));
  Operator op = op_of(OperatorKind::max_pool_2d, 0, {0}, 1);
  op.filter_h = pool.filter_h, op.filter_w = pool.filter_w, op.stride_h = op.stride_w = pool.stride;
  op.padding = pool.padding, op.activation = activation;
  m.operators = {op};
  m.inputs = {0};
  reveal(m, 1);
  return m;
}

std::size_t distinct(const std::vector<int64_t>& values) { return std::set<int64_t>(values.begin(), values.end()).size(); }

// The model's values on a random image equal the reference's, exact and fast mode alike
// (these layers do not requantize, so the mode must not change them).
void expect_matches_reference(const Model& model, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<uint8_t> image = random_bytes(static_cast<std::size_t>(model.tensors[0].element_count()), rng);
  const std::vector<int64_t> expected = reference_logits(model, image);
  EXPECT_GT(distinct(expected), 10u) << model.name << ": the values barely vary";
  EXPECT_EQ(secure_logits(model, image, true), expected) << model.name << " (exact)";
  EXPECT_EQ(secure_logits(model, image, false), expected) << model.name << " (fast)";
}

TEST(ModelCompilerPooling, MaxPool2x2Stride2MatchesTheReferenceBitForBit) {
  const PoolShape pool{2, 2, 2, Padding::valid};
  expect_matches_reference(max_pool_model({1, 8, 8, 3}, pool), 1);
  expect_matches_reference(max_pool_model({1, 7, 9, 2}, pool), 2);  // odd sizes: the last row and column are left out
  expect_matches_reference(max_pool_model({1, 8, 8, 3}, pool, Activation::none, ElementType::int8, {0.05f, -5}), 3);
  // RELU6 at scale 0.06 and zero point 150 clamps to [150, 250]: both bounds bite.
  const Model clamped = max_pool_model({1, 8, 8, 3}, pool, Activation::relu6, ElementType::uint8, {0.06f, 150});
  EXPECT_EQ(activation_range(Activation::relu6, ElementType::uint8, 0.06f, 150), (ActivationRange{150, 250}));
  std::mt19937_64 rng(4);
  const std::vector<uint8_t> image = random_bytes(8 * 8 * 3, rng);
  const std::vector<int64_t> expected = reference_logits(clamped, image);
  EXPECT_GT(std::count(expected.begin(), expected.end(), 150), 0);
  EXPECT_GT(std::count(expected.begin(), expected.end(), 250), 0);
  expect_matches_reference(clamped, 4);
}

TEST(ModelCompilerPooling, MaxPool3x3Stride2SamePaddingMatchesTheReferenceBitForBit) {
  const PoolShape pool{3, 3, 2, Padding::same};
  // 7: one padded row and column on each side; 8: one at the bottom and right only.
  EXPECT_EQ(compute_padding(Padding::same, 7, 3, 2, 1).before, 1);
  EXPECT_EQ(compute_padding(Padding::same, 8, 3, 2, 1).before, 0);
  expect_matches_reference(max_pool_model({1, 7, 7, 3}, pool), 5);
  expect_matches_reference(max_pool_model({1, 8, 8, 3}, pool), 6);
  expect_matches_reference(max_pool_model({1, 7, 8, 2}, pool, Activation::relu, ElementType::int8, {0.05f, -5}), 7);
}

// Rounds of operator 0 (its VM timer) at rep3 party 0, on a random image.
uint64_t rounds_of_first_layer(const Model& model) {
  std::mt19937_64 rng(9);
  const testing::SecureRun run =
      run_secure(model, random_bytes(static_cast<std::size_t>(model.tensors[0].element_count()), rng));
  return run.rep3.statistics.at(0).timers.at(0).communication.rounds;
}

TEST(ModelCompilerPooling, MaxPoolRoundsGrowWithLog2OfTheWindowNotWithTheWindows) {
  const uint64_t two = rounds_of_first_layer(max_pool_model({1, 8, 8, 2}, {2, 1, 1, Padding::valid}));
  const uint64_t four = rounds_of_first_layer(max_pool_model({1, 8, 8, 2}, {2, 2, 1, Padding::valid}));
  const uint64_t nine = rounds_of_first_layer(max_pool_model({1, 8, 8, 2}, {3, 3, 1, Padding::valid}));
  const uint64_t sixteen = rounds_of_first_layer(max_pool_model({1, 8, 8, 2}, {4, 4, 1, Padding::valid}));
  // One tree level is one ltz of 9-bit differences (rep3: 2 + ceil(log2 8) = 5 rounds) and
  // one muls: a wider ltz would take more rounds.
  EXPECT_EQ(two, 6u);
  EXPECT_EQ(four, 2 * two);     // ceil(log2 4) = 2 levels
  EXPECT_EQ(nine, 4 * two);     // ceil(log2 9) = 4
  EXPECT_EQ(sixteen, 4 * two);  // ceil(log2 16) = 4
  // 49 windows of 2 channels or 225 of 8: the same rounds.
  EXPECT_EQ(rounds_of_first_layer(max_pool_model({1, 16, 16, 8}, {2, 2, 1, Padding::valid})), four);
}

// image -> PAD (operator 0) -> [MAX_POOL_2D 3x3/2 VALID] -> revealed.
Model pad_model(std::vector<int32_t> image, std::vector<int32_t> paddings, ElementType type, Quant q, bool then_pool) {
  Model m;
  m.name = fmt::format("pad{}.tflite", then_pool ? "_pool" : "");
  std::vector<int32_t> padded = image;
  for (std::size_t d = 0; d < image.size(); ++d) padded[d] += paddings[2 * d] + paddings[2 * d + 1];
  std::vector<uint8_t> bytes(4 * paddings.size());
  std::memcpy(bytes.data(), paddings.data(), bytes.size());
  m.tensors.push_back(make_tensor("image", image, type, q.scale, q.zero_point));
  Tensor pad_values = make_tensor("paddings", {static_cast<int32_t>(image.size()), 2}, ElementType::int32, 0, 0, bytes);
  pad_values.quantization = {};
  m.tensors.push_back(pad_values);
  m.tensors.push_back(make_tensor("padded", padded, type, q.scale, q.zero_point));
  m.operators = {op_of(OperatorKind::pad, 0, {0, 1}, 2)};
  m.inputs = {0};
  if (!then_pool) {
    reveal(m, 2);
    return m;
  }
  const PaddedSize h = compute_padding(Padding::valid, padded[1], 3, 2, 1), w = compute_padding(Padding::valid, padded[2], 3, 2, 1);
  m.tensors.push_back(make_tensor("pool", {1, h.output, w.output, padded[3]}, type, q.scale, q.zero_point));
  Operator pool = op_of(OperatorKind::max_pool_2d, 1, {2}, 3);
  pool.filter_h = pool.filter_w = 3, pool.stride_h = pool.stride_w = 2;
  m.operators.push_back(pool);
  reveal(m, 3);
  return m;
}

TEST(ModelCompilerPooling, PadMatchesTheReferenceAndIsLocal) {
  struct Case {
    std::vector<int32_t> image, paddings;
    ElementType type;
    Quant q;
  };
  const std::vector<Case> cases = {
      {{1, 5, 6, 3}, {0, 0, 1, 2, 2, 1, 0, 0}, ElementType::uint8, {0.05f, 37}},   // height and width, unevenly
      {{1, 4, 4, 3}, {0, 0, 0, 0, 0, 0, 2, 1}, ElementType::uint8, {0.05f, 200}},  // channels: one block per pixel
      {{1, 5, 5, 2}, {0, 0, 1, 1, 1, 1, 1, 0}, ElementType::int8, {0.05f, -9}},    // int8, every spatial dim and channels
  };
  for (const Case& c : cases) {
    for (bool then_pool : {false, true}) {
      const Model model = pad_model(c.image, c.paddings, c.type, c.q, then_pool);
      SCOPED_TRACE(fmt::format("paddings [{}], then pool: {}", fmt::join(c.paddings, ","), then_pool));
      std::mt19937_64 rng(then_pool ? 11 : 12);
      const std::vector<uint8_t> image = random_bytes(static_cast<std::size_t>(model.tensors[0].element_count()), rng);
      const std::vector<int64_t> expected = reference_logits(model, image);
      const testing::SecureRun run = run_secure(model, image);
      EXPECT_EQ(run.logits, expected);
      if (!then_pool) {
        // The zero point fills at least the padded cells (and perhaps a few image pixels).
        const int64_t padded_cells = model.tensors[2].element_count() - model.tensors[0].element_count();
        EXPECT_GE(std::count(expected.begin(), expected.end(), c.q.zero_point), padded_cells);
        for (const auto& party : run.rep3.statistics) {
          EXPECT_EQ(party.timers.at(0).communication.rounds, 0u) << "PAD communicates";
          EXPECT_EQ(party.timers.at(0).communication.bytes_sent, 0u) << "PAD communicates";
        }
      }
    }
  }
}

// image [1,6,6,3] -> conv A (1x1, operator 0) and conv B (3x3 SAME, operator 1) ->
// CONCATENATION (operator 2) of A, the image and B along `axis` -> revealed. Along the
// channels A has 2 channels and B 4, else 3 each.
Model concatenation_model(uint64_t seed, int axis, Quant a, Quant b, Quant out) {
  std::mt19937_64 rng(seed);
  const Quant image{0.02f, 128};
  const float weight_scale = 0.01f;
  const int32_t a_channels = axis == 3 ? 2 : 3, b_channels = axis == 3 ? 4 : 3;
  std::vector<int32_t> out_shape = {1, 6, 6, 3};
  out_shape[static_cast<std::size_t>(axis)] = axis == 3 ? a_channels + 3 + b_channels : 18;
  Model m;
  m.name = fmt::format("concat_axis{}_{}.tflite", axis, seed);
  m.tensors.push_back(make_tensor("image", {1, 6, 6, 3}, ElementType::uint8, image.scale, image.zero_point));              // 0
  m.tensors.push_back(make_tensor("a/w", {a_channels, 1, 1, 3}, ElementType::uint8, weight_scale, 124,
                                  random_bytes(static_cast<std::size_t>(a_channels * 3), rng)));                             // 1
  m.tensors.push_back(make_tensor("a/b", {a_channels}, ElementType::int32, image.scale * weight_scale, 0,
                                  random_biases(static_cast<std::size_t>(a_channels), rng)));                                // 2
  m.tensors.push_back(make_tensor("a", {1, 6, 6, a_channels}, ElementType::uint8, a.scale, a.zero_point));                   // 3
  m.tensors.push_back(make_tensor("b/w", {b_channels, 3, 3, 3}, ElementType::uint8, weight_scale, 131,
                                  random_bytes(static_cast<std::size_t>(b_channels * 27), rng)));                            // 4
  m.tensors.push_back(make_tensor("b/b", {b_channels}, ElementType::int32, image.scale * weight_scale, 0,
                                  random_biases(static_cast<std::size_t>(b_channels), rng)));                                // 5
  m.tensors.push_back(make_tensor("b", {1, 6, 6, b_channels}, ElementType::uint8, b.scale, b.zero_point));                   // 6
  m.tensors.push_back(make_tensor("concat", out_shape, ElementType::uint8, out.scale, out.zero_point));                      // 7
  Operator conv_b = op_of(OperatorKind::conv_2d, 1, {0, 4, 5}, 6);
  conv_b.padding = Padding::same;
  Operator concat = op_of(OperatorKind::concatenation, 2, {3, 0, 6}, 7);
  concat.axis = axis == 3 ? -1 : axis;  // a negative axis counts from the end
  m.operators = {op_of(OperatorKind::conv_2d, 0, {0, 1, 2}, 3), conv_b, concat};
  m.inputs = {0};
  reveal(m, 7);
  return m;
}

// Bytes and rounds of the CONCATENATION (operator 2) at the busiest rep3 party, after
// checking the model against the reference on a random image.
protocols::CommunicationCounters concatenation_matches_reference(const Model& model, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<uint8_t> image = random_bytes(6 * 6 * 3, rng);
  const std::vector<int64_t> expected = reference_logits(model, image);
  EXPECT_GT(distinct(expected), 40u) << model.name << ": the values barely vary";
  const testing::SecureRun run = run_secure(model, image);
  EXPECT_EQ(run.logits, expected) << model.name;
  protocols::CommunicationCounters most;
  for (const auto& party : run.rep3.statistics) {
    most.rounds = std::max(most.rounds, party.timers.at(2).communication.rounds);
    most.bytes_sent = std::max(most.bytes_sent, party.timers.at(2).communication.bytes_sent);
  }
  return most;
}

TEST(ModelCompilerPooling, ConcatenationWithEqualQuantizationIsALocalCopy) {
  const Quant same{0.02f, 128};  // the image's, so all three inputs are copied as they are
  for (int axis : {3, 1, 2}) {
    SCOPED_TRACE(fmt::format("axis {}", axis));
    const protocols::CommunicationCounters cost = concatenation_matches_reference(concatenation_model(axis + 20, axis, same, same, same), axis);
    EXPECT_EQ(cost.rounds, 0u);
    EXPECT_EQ(cost.bytes_sent, 0u);
  }
}

TEST(ModelCompilerPooling, ConcatenationRescalesDifferingInputsAsTfliteDoes) {
  // Three inputs, three quantizations, none the output's: rescaled in one truncation.
  const Quant a{0.03f, 3}, b{0.05f, 120}, out{0.04f, 60};
  for (int axis : {3, 1, 2}) {
    SCOPED_TRACE(fmt::format("axis {}", axis));
    const protocols::CommunicationCounters cost = concatenation_matches_reference(concatenation_model(axis + 30, axis, a, b, out), axis);
    EXPECT_GT(cost.rounds, 0u);
  }
  // Only B differs from the output: A and the image are copied, B is rescaled.
  EXPECT_GT(concatenation_matches_reference(concatenation_model(40, 3, {0.02f, 128}, b, {0.02f, 128}), 40).rounds, 0u);
}

// image [1,16,16,1] -> CONCATENATION(image, image) along the channels, quantized as `out`.
Model rescaling_model(Quant in, Quant out) {
  Model m;
  m.name = fmt::format("rescale_{}_{}_to_{}_{}.tflite", in.scale, in.zero_point, out.scale, out.zero_point);
  m.tensors.push_back(make_tensor("image", {1, 16, 16, 1}, ElementType::uint8, in.scale, in.zero_point));
  m.tensors.push_back(make_tensor("concat", {1, 16, 16, 2}, ElementType::uint8, out.scale, out.zero_point));
  m.operators = {op_of(OperatorKind::concatenation, 0, {0, 0}, 1)};
  m.operators[0].axis = 3;
  m.inputs = {0};
  reveal(m, 1);
  return m;
}

TEST(ModelCompilerPooling, ConcatenationRescalingIsExactForEveryValue) {
  // The image holds each of the 256 values once (shuffled), so every value's rescaling is
  // compared with the reference's float arithmetic.
  std::vector<uint8_t> every(256);
  for (int q = 0; q < 256; ++q) every[static_cast<std::size_t>(q)] = static_cast<uint8_t>(q);
  std::shuffle(every.begin(), every.end(), std::mt19937_64(5));
  const std::vector<std::pair<Quant, Quant>> cases = {
      {{0.02f, 128}, {0.03f, 100}},   // shrinks, no clamping
      {{0.05f, 128}, {0.025f, 128}},  // doubles: clamped at 0 and at 255
      {{0.125f, 7}, {0.25f, 100}},    // halves exactly: ties at every other value, rounded away from zero
      {{0.125f, 128}, {0.25f, 128}},  // the same, with as many ties below the zero point as above
      {{0.001f, 0}, {0.1f, 3}},       // nearly constant
      {{0.0123f, 255}, {0.0071f, 31}},
  };
  for (const auto& [in, out] : cases) {
    const Model model = rescaling_model(in, out);
    SCOPED_TRACE(model.name);
    const std::vector<int64_t> expected = reference_logits(model, every);
    EXPECT_EQ(secure_logits(model, every), expected);
  }
  // The halving case really has ties that a round-half-up formula would get wrong:
  // q = 6 gives (6 - 7) / 2 = -0.5, which TFLite rounds to -1.
  uint8_t six = 6, rescaled = 0;
  concatenation_rescale_uint8(&six, 1, 0.125f, 7, 0.25f, 100, &rescaled);
  EXPECT_EQ(rescaled, 99);
  EXPECT_NE(static_cast<int>(std::floor((6 - 7) * 0.5 + 0.5)) + 100, 99);
}

TEST(ModelCompilerPooling, RefusesWhatItCannotCompileByName) {
  Model pad = pad_model({1, 4, 4, 1}, {0, 0, 1, 1, 1, 1, 0, 0}, ElementType::uint8, {0.05f, 3}, false);
  pad.tensors[1].data.clear();  // paddings computed at run time
  std::string message = testing::error_of([&] { compile_model(pad); });
  EXPECT_NE(message.find("operator 0 (PAD): paddings that are not a constant"), std::string::npos) << message;

  Model pool = max_pool_model({1, 4, 4, 1}, {2, 2, 2, Padding::valid});
  pool.tensors[1].quantization.zero_points = {21};  // a max pool does not requantize
  message = testing::error_of([&] { compile_model(pool); });
  EXPECT_NE(message.find("operator 0 (MAX_POOL_2D): an output quantized unlike the input"), std::string::npos) << message;

  Model concat = rescaling_model({0.02f, 128}, {0.02f, 128});
  concat.operators[0].activation = Activation::relu;
  message = testing::error_of([&] { compile_model(concat); });
  EXPECT_NE(message.find("operator 0 (CONCATENATION): a fused activation"), std::string::npos) << message;
}

// The generated MiniONN MNIST network: two max pools between convolutions, then two
// fully connected layers; all 10 logits equal the reference's under emulate and rep3.
TEST(ModelCompilerPooling, GeneratedMiniOnnMatchesTheReferenceBitForBit) {
  tflite::GeneratorOptions options;
  options.arch = "minionn";
  options.classes = 10;
  const Model model = tflite::load_tflite(tflite::generate_model(options), "minionn.tflite");
  for (uint64_t seed : {1, 2}) {
    std::mt19937_64 rng(seed);
    const std::vector<uint8_t> image = random_bytes(28 * 28, rng);
    const std::vector<int64_t> expected = reference_logits(model, image);
    ASSERT_EQ(expected.size(), 10u);
    EXPECT_GE(distinct(expected), 5u) << "the logits barely vary";
    const testing::SecureRun exact = run_secure(model, image, true);
    EXPECT_EQ(exact.logits, expected) << "seed " << seed;
    // Fast mode rounds once per requantization: not the reference's logits, but the same
    // program under emulate and rep3 (run_secure checks) and close to them.
    const std::vector<int64_t> fast = run_secure(model, image, false).logits;
    ASSERT_EQ(fast.size(), 10u);
    for (std::size_t k = 0; k < fast.size(); ++k) EXPECT_LE(std::abs(fast[k] - expected[k]), 8) << "logit " << k;
  }
}

}  // namespace
}  // namespace mpvm
