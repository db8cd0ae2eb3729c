// The model compiler: random small networks (conv with SAME padding and stride 2,
// depthwise with multiplier 2, global average pool, reshape, fully connected, softmax),
// compiled to mpvm programs and run under emulate and rep3, give the plaintext
// reference's logits bit for bit.
#include <cstring>
#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/qnn/reference.h"
#include "tests/support/qnn_models.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

using testing::op_of;
using testing::random_biases;
using testing::random_bytes;
using testing::reference_logits;
using testing::secure_logits;

using namespace qnn;

Model random_network(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Model m;
  m.name = fmt::format("random{}.tflite", seed);
  const float s_in = 0.02f, s_w = 0.01f, s_a = 0.03f, s_b = 0.04f, s_c = 0.05f;
  m.tensors.push_back(testing::make_tensor("image", {1, 8, 8, 3}, ElementType::uint8, s_in, 128));                                     // 0
  m.tensors.push_back(testing::make_tensor("conv/w", {4, 3, 3, 3}, ElementType::uint8, s_w, 120, random_bytes(108, rng)));           // 1
  m.tensors.push_back(testing::make_tensor("conv/b", {4}, ElementType::int32, s_in * s_w, 0, random_biases(4, rng)));                // 2
  m.tensors.push_back(testing::make_tensor("conv/out", {1, 4, 4, 4}, ElementType::uint8, s_a, 3));                                   // 3
  m.tensors.push_back(testing::make_tensor("dw/w", {1, 3, 3, 8}, ElementType::uint8, s_w, 130, random_bytes(72, rng)));              // 4
  m.tensors.push_back(testing::make_tensor("dw/b", {8}, ElementType::int32, s_a * s_w, 0, random_biases(8, rng)));                   // 5
  m.tensors.push_back(testing::make_tensor("dw/out", {1, 4, 4, 8}, ElementType::uint8, s_b, 7));                                     // 6
  m.tensors.push_back(testing::make_tensor("pool/out", {1, 1, 1, 8}, ElementType::uint8, s_b, 7));                                   // 7
  m.tensors.push_back(testing::make_tensor("flat", {1, 8}, ElementType::uint8, s_b, 7));                                             // 8
  m.tensors.push_back(testing::make_tensor("fc/w", {5, 8}, ElementType::uint8, s_w, 125, random_bytes(40, rng)));                    // 9
  m.tensors.push_back(testing::make_tensor("fc/b", {5}, ElementType::int32, s_b * s_w, 0, random_biases(5, rng)));                   // 10
  m.tensors.push_back(testing::make_tensor("logits", {1, 5}, ElementType::uint8, s_c, 128));                                         // 11
  m.tensors.push_back(testing::make_tensor("probabilities", {1, 5}, ElementType::uint8, 1.0f / 256, 0));                             // 12
  Operator conv = op_of(OperatorKind::conv_2d, 0, {0, 1, 2}, 3);
  conv.padding = Padding::same, conv.stride_h = conv.stride_w = 2, conv.activation = Activation::relu6;
  Operator dw = op_of(OperatorKind::depthwise_conv_2d, 1, {3, 4, 5}, 6);
  dw.padding = Padding::same, dw.depth_multiplier = 2, dw.activation = Activation::relu;
  Operator pool = op_of(OperatorKind::average_pool_2d, 2, {6}, 7);
  pool.filter_h = pool.filter_w = 4, pool.stride_h = pool.stride_w = 4, pool.padding = Padding::valid;
  Operator reshape = op_of(OperatorKind::reshape, 3, {7}, 8);
  reshape.new_shape = {1, 8};
  Operator fc = op_of(OperatorKind::fully_connected, 4, {8, 9, 10}, 11);
  Operator softmax = op_of(OperatorKind::softmax, 5, {11}, 12);
  m.operators = {conv, dw, pool, reshape, fc, softmax};
  m.inputs = {0};
  m.outputs = {12};
  return m;
}


TEST(ModelCompiler, RandomNetworksMatchTheReferenceBitForBit) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const Model model = random_network(seed);
    std::mt19937_64 rng(100 + seed);
    const std::vector<uint8_t> image = random_bytes(8 * 8 * 3, rng);
    const std::vector<int64_t> expected = reference_logits(model, image);
    // Logits that vary and are not clamped: the comparison below has something to catch.
    EXPECT_GT(std::set<int64_t>(expected.begin(), expected.end()).size(), 2u) << "seed " << seed;
    EXPECT_EQ(secure_logits(model, image), expected) << "seed " << seed;
  }
}

// A residual block: conv -> conv -> ADD(first, second) with different scales on each
// side, then pool, FC and softmax.
Model random_residual_network(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Model m;
  m.name = fmt::format("residual{}.tflite", seed);
  const float s_in = 0.02f, s_w = 0.01f, s_a = 0.03f, s_b = 0.05f, s_sum = 0.06f, s_c = 0.05f;
  m.tensors.push_back(testing::make_tensor("image", {1, 6, 6, 2}, ElementType::uint8, s_in, 128));                          // 0
  m.tensors.push_back(testing::make_tensor("c1/w", {4, 3, 3, 2}, ElementType::uint8, s_w, 127, random_bytes(72, rng)));    // 1
  m.tensors.push_back(testing::make_tensor("c1/b", {4}, ElementType::int32, s_in * s_w, 0, random_biases(4, rng)));        // 2
  m.tensors.push_back(testing::make_tensor("c1/out", {1, 6, 6, 4}, ElementType::uint8, s_a, 100));                         // 3
  m.tensors.push_back(testing::make_tensor("c2/w", {4, 1, 1, 4}, ElementType::uint8, s_w, 131, random_bytes(16, rng)));    // 4
  m.tensors.push_back(testing::make_tensor("c2/b", {4}, ElementType::int32, s_a * s_w, 0, random_biases(4, rng)));         // 5
  m.tensors.push_back(testing::make_tensor("c2/out", {1, 6, 6, 4}, ElementType::uint8, s_b, 120));                         // 6
  m.tensors.push_back(testing::make_tensor("sum", {1, 6, 6, 4}, ElementType::uint8, s_sum, 110));                          // 7
  m.tensors.push_back(testing::make_tensor("pool", {1, 1, 1, 4}, ElementType::uint8, s_sum, 110));                         // 8
  m.tensors.push_back(testing::make_tensor("flat", {1, 4}, ElementType::uint8, s_sum, 110));                               // 9
  m.tensors.push_back(testing::make_tensor("fc/w", {3, 4}, ElementType::uint8, s_w, 125, random_bytes(12, rng)));          // 10
  m.tensors.push_back(testing::make_tensor("fc/b", {3}, ElementType::int32, s_sum * s_w, 0, random_biases(3, rng)));      // 11
  m.tensors.push_back(testing::make_tensor("logits", {1, 3}, ElementType::uint8, s_c, 128));                               // 12
  m.tensors.push_back(testing::make_tensor("probabilities", {1, 3}, ElementType::uint8, 1.0f / 256, 0));                   // 13
  Operator c1 = op_of(OperatorKind::conv_2d, 0, {0, 1, 2}, 3);
  c1.padding = Padding::same;
  Operator c2 = op_of(OperatorKind::conv_2d, 1, {3, 4, 5}, 6);
  Operator add = op_of(OperatorKind::add, 2, {3, 6}, 7);
  Operator pool = op_of(OperatorKind::average_pool_2d, 3, {7}, 8);
  pool.filter_h = pool.filter_w = 6, pool.stride_h = pool.stride_w = 6, pool.padding = Padding::valid;
  Operator reshape = op_of(OperatorKind::reshape, 4, {8}, 9);
  Operator fc = op_of(OperatorKind::fully_connected, 5, {9, 10, 11}, 12);
  Operator softmax = op_of(OperatorKind::softmax, 6, {12}, 13);
  m.operators = {c1, c2, add, pool, reshape, fc, softmax};
  m.inputs = {0};
  m.outputs = {13};
  return m;
}

TEST(ModelCompiler, ResidualAddMatchesTheReferenceBitForBit) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Model model = random_residual_network(seed);
    std::mt19937_64 rng(200 + seed);
    const std::vector<uint8_t> image = random_bytes(6 * 6 * 2, rng);
    ReferenceInterpreter reference(model);
    reference.run(image);
    // The residual sum must be varied, or the ADD is not really tested.
    const auto& sum = reference.tensor_bytes(7);
    EXPECT_GT(std::set<uint8_t>(sum.begin(), sum.end()).size(), 10u) << "seed " << seed;
    EXPECT_EQ(secure_logits(model, image), reference_logits(model, image)) << "seed " << seed;
  }
}

// The int8 flavour: per-channel symmetric weights (zero point 0, a scale per output
// channel), int8 activations with negative zero points, and the int8 average pool whose
// rounding depends on the sign of the sum.
Model random_int8_network(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto per_channel = [&](Tensor t, int channels, int dimension) {
    t.quantization.scales.clear();
    t.quantization.zero_points.assign(static_cast<std::size_t>(channels), 0);
    for (int c = 0; c < channels; ++c) t.quantization.scales.push_back(0.004f + 0.002f * static_cast<float>(rng() % 8));
    t.quantization.quantized_dimension = dimension;
    for (uint8_t& b : t.data) b = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>(rng() % 255) - 127));
    return t;
  };
  auto biases = [&](const Tensor& weights, float input_scale) {
    std::vector<uint8_t> bytes(4 * weights.quantization.scales.size());
    for (std::size_t c = 0; c < weights.quantization.scales.size(); ++c) {
      const int32_t v = static_cast<int32_t>(rng() % 4001) - 2000;
      std::memcpy(bytes.data() + 4 * c, &v, 4);
    }
    Tensor t = testing::make_tensor("bias", {static_cast<int32_t>(weights.quantization.scales.size())}, ElementType::int32, 0, 0, bytes);
    t.quantization.scales.clear();
    t.quantization.zero_points.assign(weights.quantization.scales.size(), 0);
    for (float s : weights.quantization.scales) t.quantization.scales.push_back(input_scale * s);
    return t;
  };
  Model m;
  m.name = fmt::format("int8_{}.tflite", seed);
  const float s_in = 0.02f, s_a = 0.03f, s_b = 0.04f, s_c = 0.05f;
  m.tensors.push_back(testing::make_tensor("image", {1, 8, 8, 2}, ElementType::int8, s_in, -1));                         // 0
  m.tensors.push_back(per_channel(testing::make_tensor("c/w", {4, 3, 3, 2}, ElementType::int8, 1, 0, std::vector<uint8_t>(72)), 4, 0));  // 1
  m.tensors.push_back(biases(m.tensors[1], s_in));                                                                        // 2
  m.tensors.push_back(testing::make_tensor("c/out", {1, 4, 4, 4}, ElementType::int8, s_a, -128));                        // 3
  m.tensors.push_back(per_channel(testing::make_tensor("dw/w", {1, 3, 3, 8}, ElementType::int8, 1, 0, std::vector<uint8_t>(72)), 8, 3));  // 4
  m.tensors.push_back(biases(m.tensors[4], s_a));                                                                         // 5
  m.tensors.push_back(testing::make_tensor("dw/out", {1, 4, 4, 8}, ElementType::int8, s_b, 5));                         // 6
  m.tensors.push_back(testing::make_tensor("pool", {1, 1, 1, 8}, ElementType::int8, s_b, 5));                            // 7
  m.tensors.push_back(testing::make_tensor("flat", {1, 8}, ElementType::int8, s_b, 5));                                  // 8
  m.tensors.push_back(per_channel(testing::make_tensor("fc/w", {3, 8}, ElementType::int8, 1, 0, std::vector<uint8_t>(24)), 3, 0));  // 9
  m.tensors.push_back(biases(m.tensors[9], s_b));                                                                         // 10
  m.tensors.push_back(testing::make_tensor("logits", {1, 3}, ElementType::int8, s_c, 3));                                // 11
  m.tensors.push_back(testing::make_tensor("probabilities", {1, 3}, ElementType::int8, 1.0f / 256, -128));               // 12
  Operator conv = op_of(OperatorKind::conv_2d, 0, {0, 1, 2}, 3);
  conv.padding = Padding::same, conv.stride_h = conv.stride_w = 2, conv.activation = Activation::relu6;
  Operator dw = op_of(OperatorKind::depthwise_conv_2d, 1, {3, 4, 5}, 6);
  dw.padding = Padding::same, dw.depth_multiplier = 2;
  Operator pool = op_of(OperatorKind::average_pool_2d, 2, {6}, 7);
  pool.filter_h = pool.filter_w = 4, pool.stride_h = pool.stride_w = 4, pool.padding = Padding::valid;
  Operator reshape = op_of(OperatorKind::reshape, 3, {7}, 8);
  Operator fc = op_of(OperatorKind::fully_connected, 4, {8, 9, 10}, 11);
  Operator softmax = op_of(OperatorKind::softmax, 5, {11}, 12);
  m.operators = {conv, dw, pool, reshape, fc, softmax};
  m.inputs = {0};
  m.outputs = {12};
  return m;
}

TEST(ModelCompiler, Int8PerChannelNetworksMatchTheReferenceBitForBit) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const Model model = random_int8_network(seed);
    std::mt19937_64 rng(300 + seed);
    const std::vector<uint8_t> image = random_bytes(8 * 8 * 2, rng);
    ReferenceInterpreter reference(model);
    reference.run(image);
    // The pool sees sums of both signs, or its sign-dependent rounding is not tested.
    std::set<int> signs;
    for (uint8_t v : reference.tensor_bytes(6)) signs.insert(static_cast<int8_t>(v) > 0 ? 1 : -1);  // raw q, as the pool sums
    EXPECT_EQ(signs.size(), 2u) << "seed " << seed;
    EXPECT_EQ(secure_logits(model, image), reference_logits(model, image)) << "seed " << seed;
  }
}

TEST(ModelCompiler, FastModeIsCheaperAndTheSameUnderEveryProtocol) {
  // Fast mode rounds once (at most one LSB per requantization): the same program must
  // print the same under emulate and rep3 (secure_logits checks), and cost fewer bytes.
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    for (const Model& model : {random_network(seed), random_int8_network(seed), random_residual_network(seed)}) {
      std::mt19937_64 rng(400 + seed);
      const std::vector<uint8_t> image = random_bytes(static_cast<std::size_t>(model.tensors[0].element_count()), rng);
      uint64_t exact_bytes = 0, fast_bytes = 0;
      secure_logits(model, image, true, &exact_bytes);
      secure_logits(model, image, false, &fast_bytes);
      EXPECT_LT(fast_bytes, exact_bytes) << model.name;
    }
  }
}

TEST(ModelCompiler, MbqmsNonNegativeBranchIsExactWhereverMbqmIsNotNegative) {
  // Why exact mode needs no sign test under a ReLU-type clamp (compiler.cc,
  // emit_requantization): wherever MBQM(acc) >= 0, T0 = floor((acc M0 + 2^30 [+ 2^(30+e)])
  // / 2^(31+e)) equals it, negative acc included.
  int checked_negative = 0;
  for (const int32_t multiplier : {1073741824, 1288490189, 1518500250, 1992735498, 2147483647})
    for (int shift = -12; shift <= 0; ++shift) {
      const int e = -shift;
      const int64_t offset = (int64_t{1} << 30) + (e > 0 ? int64_t{1} << (30 + e) : 0);
      for (int64_t acc = -(int64_t{1} << 15); acc <= (int64_t{1} << 15); ++acc) {
        const int32_t mbqm = qnn::multiply_by_quantized_multiplier(static_cast<int32_t>(acc), multiplier, shift);
        if (mbqm < 0) continue;
        const int64_t t0 = (acc * multiplier + offset) >> (31 + e);
        ASSERT_EQ(t0, mbqm) << "acc " << acc << ", M0 " << multiplier << ", shift " << shift;
        checked_negative += acc < 0;
      }
    }
  EXPECT_GT(checked_negative, 0) << "negative accumulators that round to 0 must be among the cases";
}

TEST(ModelCompiler, RefusesWhatItCannotCompileByName) {
  Model model = random_network(1);
  model.operators[2].filter_h = 2;  // a pool that is not global
  const std::string message = testing::error_of([&] { compile_model(model); });
  EXPECT_NE(message.find("operator 2 (AVERAGE_POOL_2D): an average pool other than a global one"), std::string::npos) << message;
}

}  // namespace
}  // namespace mpvm
