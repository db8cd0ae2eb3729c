// The model generator (compiler_lite/tflite/generator.h): every architecture gives a file
// that load_tflite accepts; MobileNet V1 0.25/128 has the shared Coral model's operators,
// shapes and options; the bytes depend only on the options; and the random models give
// varied logits that the secure compiler reproduces bit for bit under emulate.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/qnn_models.h"

#include "base/errors.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/qnn/model.h"
#include "compiler_lite/qnn/reference.h"
#include "compiler_lite/tflite/generator.h"
#include "compiler_lite/tflite/loader.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

using testing::numbers_after;

using qnn::OperatorKind;
using tflite::GeneratorOptions;
using tflite::generate_model;
using tflite::load_tflite;

GeneratorOptions options_for(const std::string& arch, uint64_t seed = 1) {
  GeneratorOptions options;
  options.arch = arch;
  options.seed = seed;
  if (arch != "mobilenet_v1") options.classes = 10;
  return options;
}

std::vector<OperatorKind> kinds_of(const qnn::Model& model) {
  std::vector<OperatorKind> kinds;
  for (const auto& op : model.operators) kinds.push_back(op.kind);
  return kinds;
}

const qnn::Tensor& tensor(const qnn::Model& model, int index) { return model.tensors.at(static_cast<size_t>(index)); }

std::vector<uint8_t> random_image(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> bytes(static_cast<size_t>(n));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}


TEST(TfliteGenerator, EveryArchitectureLoads) {
  const std::map<std::string, std::vector<OperatorKind>> expected_kinds = {
      {"cnn", {OperatorKind::conv_2d, OperatorKind::conv_2d, OperatorKind::average_pool_2d, OperatorKind::reshape,
               OperatorKind::fully_connected, OperatorKind::softmax}},
      {"mlp", {OperatorKind::reshape, OperatorKind::fully_connected, OperatorKind::fully_connected, OperatorKind::softmax}},
      {"minionn", {OperatorKind::conv_2d, OperatorKind::max_pool_2d, OperatorKind::conv_2d, OperatorKind::max_pool_2d,
                   OperatorKind::reshape, OperatorKind::fully_connected, OperatorKind::fully_connected, OperatorKind::softmax}},
  };
  for (const std::string& arch : tflite::generator_architectures()) {
    SCOPED_TRACE(arch);
    const GeneratorOptions options = options_for(arch);
    const std::vector<uint8_t> bytes = generate_model(options);
    ASSERT_GE(bytes.size(), 8u);
    EXPECT_EQ(std::string(bytes.begin() + 4, bytes.begin() + 8), "TFL3");
    const qnn::Model model = load_tflite(bytes, arch + ".tflite");
    ASSERT_EQ(model.inputs.size(), 1u);
    ASSERT_EQ(model.outputs.size(), 1u);
    const qnn::Tensor& input = tensor(model, model.inputs[0]);
    const qnn::Tensor& output = tensor(model, model.outputs[0]);
    EXPECT_EQ(input.type, qnn::ElementType::uint8);
    EXPECT_EQ(output.shape, (std::vector<int32_t>{1, options.classes}));
    EXPECT_EQ(output.quantization.scales, std::vector<float>{1.0f / 256});
    EXPECT_EQ(model.operators.back().kind, OperatorKind::softmax);
    if (arch == "mobilenet_v1") {
      EXPECT_EQ(input.shape, (std::vector<int32_t>{1, 128, 128, 3}));
      EXPECT_EQ(model.operators.size(), 31u);
    } else {
      EXPECT_EQ(input.shape, (std::vector<int32_t>{1, 28, 28, 1}));
      EXPECT_EQ(kinds_of(model), expected_kinds.at(arch));
    }
    // Realistic quantization: weight zero points in [100, 155], effective multipliers in
    // [1e-4, 1e-1], biases far inside the accumulator bound.
    for (const qnn::Operator& op : model.operators) {
      if (op.kind != OperatorKind::conv_2d && op.kind != OperatorKind::depthwise_conv_2d &&
          op.kind != OperatorKind::fully_connected)
        continue;
      const qnn::Tensor& in = tensor(model, op.inputs[0]);
      const qnn::Tensor& w = tensor(model, op.inputs[1]);
      const qnn::Tensor& b = tensor(model, op.inputs[2]);
      const qnn::Tensor& out = tensor(model, op.outputs[0]);
      EXPECT_GE(w.quantization.zero_points[0], 100);
      EXPECT_LE(w.quantization.zero_points[0], 155);
      const double m = double(in.quantization.scales[0]) * w.quantization.scales[0] / out.quantization.scales[0];
      EXPECT_GE(m, 1e-4 * 0.999) << "operator " << op.index;
      EXPECT_LE(m, 1e-1 * 1.001) << "operator " << op.index;
      EXPECT_FLOAT_EQ(b.quantization.scales[0], in.quantization.scales[0] * w.quantization.scales[0]);
      const int64_t fan_in = w.element_count() / (op.kind == OperatorKind::depthwise_conv_2d ? w.shape[3] : w.shape[0]);
      for (int64_t k = 0; k < b.element_count(); ++k) {
        int32_t v;
        std::memcpy(&v, b.data.data() + 4 * k, 4);
        EXPECT_LE(std::abs(int64_t{v}), fan_in * 255 * 255 / 4) << "operator " << op.index;
      }
    }
  }
}

TEST(TfliteGenerator, MobileNetHasTheRealModelsOperatorsAndShapes) {
  const std::filesystem::path real = std::filesystem::path(MPVM_SOURCE_DIR) / ".." / "shared" / "models" /
                                     "mobilenet_v1_0.25_128_quant.tflite";
  if (!std::filesystem::exists(real)) GTEST_SKIP() << real << " not found (the shared models live next to the checkout)";
  const qnn::Model expected = tflite::load_tflite_file(real.string());
  const qnn::Model model = load_tflite(generate_model(GeneratorOptions{}), "generated.tflite");
  ASSERT_EQ(model.operators.size(), expected.operators.size());
  for (size_t i = 0; i < model.operators.size(); ++i) {
    SCOPED_TRACE(i);
    const qnn::Operator& a = model.operators[i];
    const qnn::Operator& e = expected.operators[i];
    EXPECT_EQ(a.kind, e.kind);
    EXPECT_EQ(a.padding, e.padding);
    EXPECT_EQ(a.stride_h, e.stride_h);
    EXPECT_EQ(a.stride_w, e.stride_w);
    EXPECT_EQ(a.filter_h, e.filter_h);
    EXPECT_EQ(a.filter_w, e.filter_w);
    EXPECT_EQ(a.depth_multiplier, e.depth_multiplier);
    EXPECT_EQ(a.activation, e.activation);
    EXPECT_EQ(a.new_shape, e.new_shape);
    ASSERT_EQ(a.inputs.size(), e.inputs.size());
    for (size_t k = 0; k < a.inputs.size(); ++k) EXPECT_EQ(tensor(model, a.inputs[k]).shape, tensor(expected, e.inputs[k]).shape);
    EXPECT_EQ(tensor(model, a.outputs[0]).shape, tensor(expected, e.outputs[0]).shape);
    // The same activation quantization, except for the logits (zero point 128, not 96).
    if (i + 3 < model.operators.size()) {
      EXPECT_EQ(tensor(model, a.outputs[0]).quantization.zero_points, tensor(expected, e.outputs[0]).quantization.zero_points);
      EXPECT_NEAR(tensor(model, a.outputs[0]).quantization.scales[0], tensor(expected, e.outputs[0]).quantization.scales[0], 1e-5);
    }
  }
}

TEST(TfliteGenerator, TheBytesDependOnlyOnTheOptions) {
  for (const std::string& arch : tflite::generator_architectures()) {
    SCOPED_TRACE(arch);
    const std::vector<uint8_t> a = generate_model(options_for(arch, 7));
    EXPECT_EQ(generate_model(options_for(arch, 7)), a);
    EXPECT_NE(generate_model(options_for(arch, 8)), a);
  }
  GeneratorOptions small;
  small.alpha = 0.5;
  small.resolution = 96;
  small.classes = 20;
  const qnn::Model model = load_tflite(generate_model(small), "small.tflite");
  EXPECT_EQ(tensor(model, model.inputs[0]).shape, (std::vector<int32_t>{1, 96, 96, 3}));
  EXPECT_EQ(tensor(model, model.operators[0].outputs[0]).shape, (std::vector<int32_t>{1, 48, 48, 16}));
  EXPECT_EQ(tensor(model, model.outputs[0]).shape, (std::vector<int32_t>{1, 20}));
}

TEST(TfliteGenerator, RefusesOptionsOutOfRange) {
  auto message = [](GeneratorOptions options) {
    try {
      generate_model(options);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  GeneratorOptions o;
  o.arch = "resnet";
  EXPECT_NE(message(o).find("unknown architecture 'resnet'"), std::string::npos) << message(o);
  o = {};
  o.alpha = 0;
  EXPECT_NE(message(o).find("alpha"), std::string::npos) << message(o);
  o = {};
  o.resolution = 8;
  EXPECT_NE(message(o).find("resolution"), std::string::npos) << message(o);
  o = {};
  o.classes = 1;
  EXPECT_NE(message(o).find("classes"), std::string::npos) << message(o);
}

// The random weights give varied logits (activations neither vanish nor saturate), the
// logits depend on the image, and the compiled program reproduces them bit for bit.
TEST(TfliteGenerator, SecureInferenceMatchesTheReferenceBitForBit) {
  GeneratorOptions mobilenet;
  mobilenet.resolution = 96;
  for (const GeneratorOptions& options : {options_for("cnn", 3), options_for("mlp", 4), mobilenet}) {
    SCOPED_TRACE(options.arch);
    const qnn::Model model = load_tflite(generate_model(options), options.arch + ".tflite");
    const qnn::CompiledModel compiled = qnn::compile_model(model, qnn::CompileOptions{true});
    const bytecode::Program program = compiler_lite::assemble(
        compiled.assembly, "net.s", compiler_lite::AssembleOptions{{std::string(MPVM_SOURCE_DIR) + "/programs"}});
    const std::vector<uint8_t> image = random_image(compiled.client_input_count, 11);
    const auto reference = qnn::run_reference(model, image);
    const std::vector<int64_t> expected(reference[0].begin(), reference[0].end());
    ASSERT_EQ(expected.size(), static_cast<size_t>(options.classes));
    const std::set<int64_t> distinct(expected.begin(), expected.end());
    EXPECT_GE(distinct.size(), options.classes >= 100 ? 20u : 4u) << "the logits barely vary";
    EXPECT_GT(*distinct.begin(), 0) << "logits clamped at 0";
    EXPECT_LT(*distinct.rbegin(), 255) << "logits clamped at 255";
    // Another image gives other logits: the features do not collapse to constants.
    EXPECT_NE(qnn::run_reference(model, random_image(compiled.client_input_count, 12))[0], reference[0]);

    const std::map<int, std::vector<int64_t>> inputs = {{0, compiled.owner_inputs},
                                                        {1, std::vector<int64_t>(image.begin(), image.end())}};
    const std::string emulated = testing::run_emulate(program, inputs, 2).output;
    EXPECT_EQ(numbers_after(emulated, "P1: "), expected) << "emulate";
  }
}

TEST(TfliteGenerator, CompiledMobileNetReusesDeadMemoryCells) {
  // The model compiler releases a tensor's s-memory cells after its last reader and an
  // operator's temporaries when it ends (compiler.cc, allocate): the program's memory
  // high-water is the owner's weights plus a few activations, not the sum over the 29
  // layers: without reuse every tensor (and every temporary) has cells of its own, so the
  // high-water mark would pass the weights plus the sum of all activation tensors.
  const qnn::Model model = load_tflite(generate_model(GeneratorOptions{}), "generated.tflite");
  const qnn::CompiledModel compiled = qnn::compile_model(model);
  int64_t high_water = 0, largest = 0, every_tensor = 0;
  for (const qnn::Tensor& t : model.tensors)
    if (!t.is_constant()) largest = std::max(largest, t.element_count()), every_tensor += t.element_count();
  std::istringstream lines(compiled.assembly);
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t at = line.find_first_not_of(' ');
    if (at == std::string::npos || (line.compare(at, 5, "ldms:") != 0 && line.compare(at, 5, "stms:") != 0)) continue;
    const int64_t count = std::stoll(line.substr(at + 5));
    const int64_t address = std::stoll(line.substr(line.rfind(',') + 1));
    high_water = std::max(high_water, address + count);
  }
  const int64_t weights = static_cast<int64_t>(compiled.owner_inputs.size());
  EXPECT_LE(high_water, weights + 6 * largest) << "every tensor: " << every_tensor << ", largest: " << largest;
  EXPECT_LT(high_water, weights + every_tensor);
}

}  // namespace
}  // namespace mpvm
