// The TFLite loader: the shared quantized models load with the shapes, operators, options
// and quantization that /work/shared/TFLITE.md and models/README.md document; altered and
// corrupted copies fail with an mpvm::InputError that names the file and the place, and
// never crash or throw anything else.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/errors.h"
#include "compiler_lite/qnn/model.h"
#include "compiler_lite/tflite/loader.h"
#include "tflite_subset_generated.h"

namespace mpvm::testing {

namespace {

namespace fb = mpvm::tflite::schema;
using qnn::ElementType;
using qnn::OperatorKind;
using tflite::load_tflite;
using tflite::load_tflite_file;

std::filesystem::path models_dir() {
  return std::filesystem::path(MPVM_SOURCE_DIR) / ".." / "shared" / "models";
}

// The path of a shared model, or "" (and the caller skips) when the checkout has no
// ../shared/models next to it.
std::string model_path(const std::string& file) {
  std::filesystem::path path = models_dir() / file;
  return std::filesystem::exists(path) ? path.string() : std::string();
}

#define REQUIRE_MODEL(var, file)                                                      \
  std::string var = model_path(file);                                                 \
  if (var.empty()) GTEST_SKIP() << "model " << file << " not found in " << models_dir() \
                                << " (the shared test models live next to the checkout)"

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::map<OperatorKind, int> count_kinds(const qnn::Model& model) {
  std::map<OperatorKind, int> counts;
  for (const auto& op : model.operators) ++counts[op.kind];
  return counts;
}

const qnn::Tensor& tensor(const qnn::Model& m, int index) {
  return m.tensors.at(static_cast<size_t>(index));
}

// The message of the InputError that loading `bytes` throws; success or any other
// exception type is a test failure.
std::string load_error(const std::vector<uint8_t>& bytes, const std::string& name = "model.tflite") {
  try {
    load_tflite(bytes, name);
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "load_tflite threw something other than mpvm::InputError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "load_tflite accepted the model";
  return "";
}

// Loading must either succeed or throw InputError; anything else fails the test.
void expect_model_or_input_error(const std::vector<uint8_t>& bytes, const std::string& what) {
  try {
    load_tflite(bytes, "corrupt.tflite");
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("corrupt.tflite: ", 0), 0u) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": threw something other than mpvm::InputError: " << e.what();
  }
}

// An altered copy of a real model: unpacked into the FlatBuffers object form, changed by
// `edit`, packed again with the TFL3 identifier.
template <typename Edit>
std::vector<uint8_t> altered(const std::vector<uint8_t>& bytes, Edit edit) {
  std::unique_ptr<fb::ModelT> model(fb::GetModel(bytes.data())->UnPack());
  edit(*model);
  flatbuffers::FlatBufferBuilder builder;
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, model.get()));
  return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

TEST(TfliteLoaderModels, MobileNetV1Quarter128) {
  REQUIRE_MODEL(path, "mobilenet_v1_0.25_128_quant.tflite");
  qnn::Model m = load_tflite_file(path);
  EXPECT_EQ(m.name, path);
  ASSERT_EQ(m.inputs.size(), 1u);
  ASSERT_EQ(m.outputs.size(), 1u);
  const qnn::Tensor& input = tensor(m, m.inputs[0]);
  EXPECT_EQ(input.shape, (std::vector<int32_t>{1, 128, 128, 3}));
  EXPECT_EQ(input.type, ElementType::uint8);
  EXPECT_FLOAT_EQ(input.quantization.scales.at(0), 0.0078125f);
  EXPECT_EQ(input.quantization.zero_points.at(0), 128);
  const qnn::Tensor& output = tensor(m, m.outputs[0]);
  EXPECT_EQ(output.shape, (std::vector<int32_t>{1, 1001}));
  EXPECT_EQ(output.type, ElementType::uint8);
  EXPECT_FLOAT_EQ(output.quantization.scales.at(0), 1.0f / 256);
  EXPECT_EQ(output.quantization.zero_points.at(0), 0);

  ASSERT_EQ(m.operators.size(), 31u);
  auto counts = count_kinds(m);
  EXPECT_EQ(counts[OperatorKind::conv_2d], 15);
  EXPECT_EQ(counts[OperatorKind::depthwise_conv_2d], 13);
  EXPECT_EQ(counts[OperatorKind::average_pool_2d], 1);
  EXPECT_EQ(counts[OperatorKind::reshape], 1);
  EXPECT_EQ(counts[OperatorKind::softmax], 1);
  for (size_t i = 0; i < m.operators.size(); ++i) EXPECT_EQ(m.operators[i].index, static_cast<int>(i));

  // Convs and depthwise convs: SAME with fused RELU6, except the 1x1 logits conv (NONE),
  // whose output is s = 0.1308328, zp 96 with weights zp 94.
  int relu6_outputs = 0;
  const qnn::Operator* logits = nullptr;
  for (const auto& op : m.operators) {
    if (op.kind != OperatorKind::conv_2d && op.kind != OperatorKind::depthwise_conv_2d) continue;
    EXPECT_EQ(op.padding, qnn::Padding::same) << op.index;
    if (op.activation == qnn::Activation::relu6) {
      ++relu6_outputs;
      const auto& q = tensor(m, op.outputs[0]).quantization;
      EXPECT_NEAR(q.scales.at(0), 0.023528477, 1e-8) << op.index;
      EXPECT_EQ(q.zero_points.at(0), 0) << op.index;
    } else {
      EXPECT_EQ(op.activation, qnn::Activation::none);
      logits = &op;
    }
  }
  EXPECT_EQ(relu6_outputs, 27);
  ASSERT_NE(logits, nullptr);
  EXPECT_EQ(logits->kind, OperatorKind::conv_2d);
  EXPECT_NEAR(tensor(m, logits->outputs[0]).quantization.scales.at(0), 0.1308328, 1e-6);
  EXPECT_EQ(tensor(m, logits->outputs[0]).quantization.zero_points.at(0), 96);
  EXPECT_EQ(tensor(m, logits->inputs[1]).quantization.zero_points.at(0), 94);
  EXPECT_EQ(tensor(m, logits->outputs[0]).shape, (std::vector<int32_t>{1, 1, 1, 1001}));

  const qnn::Operator* pool = nullptr;
  for (const auto& op : m.operators)
    if (op.kind == OperatorKind::average_pool_2d) pool = &op;
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->filter_h, 4);
  EXPECT_EQ(pool->filter_w, 4);
  EXPECT_EQ(pool->stride_h, 2);
  EXPECT_EQ(pool->padding, qnn::Padding::valid);
  EXPECT_EQ(m.operators.back().kind, OperatorKind::softmax);
  EXPECT_FLOAT_EQ(m.operators.back().beta, 1.0f);

  // conv0: uint8 weights [8,3,3,3], per tensor, zero point 157 (TFLITE.md "uint8
  // (legacy)"); int32 bias with scale s_in * s_w = 0.0078125 * 0.0088824 = 6.9394e-05.
  const qnn::Operator& conv0 = m.operators[0];
  ASSERT_EQ(conv0.kind, OperatorKind::conv_2d);
  EXPECT_EQ(conv0.stride_h, 2);
  const qnn::Tensor& w0 = tensor(m, conv0.inputs[1]);
  EXPECT_EQ(w0.type, ElementType::uint8);
  EXPECT_EQ(w0.shape, (std::vector<int32_t>{8, 3, 3, 3}));
  EXPECT_EQ(w0.data.size(), 8u * 3 * 3 * 3);
  ASSERT_EQ(w0.quantization.scales.size(), 1u);
  EXPECT_EQ(w0.quantization.zero_points.at(0), 157);
  EXPECT_NEAR(w0.quantization.scales[0], 0.0088824, 1e-7);
  const qnn::Tensor& b0 = tensor(m, conv0.inputs[2]);
  EXPECT_EQ(b0.type, ElementType::int32);
  EXPECT_EQ(b0.data.size(), 8u * 4);
  EXPECT_NEAR(b0.quantization.scales.at(0), 6.9394e-05, 1e-9);
  EXPECT_NEAR(b0.quantization.scales[0], input.quantization.scales[0] * w0.quantization.scales[0], 1e-10);
  EXPECT_EQ(b0.quantization.zero_points.at(0), 0);

  // Activations carry no data; the reshape's output is the [1,1001] logits.
  EXPECT_FALSE(input.is_constant());
}

TEST(TfliteLoaderModels, MobileNetV1Half160) {
  REQUIRE_MODEL(path, "mobilenet_v1_0.5_160_quant.tflite");
  qnn::Model m = load_tflite_file(path);
  auto counts = count_kinds(m);
  EXPECT_EQ(m.operators.size(), 31u);
  EXPECT_EQ(counts[OperatorKind::conv_2d], 15);
  EXPECT_EQ(counts[OperatorKind::depthwise_conv_2d], 13);
  EXPECT_EQ(counts[OperatorKind::average_pool_2d], 1);
  EXPECT_EQ(counts[OperatorKind::reshape], 1);
  EXPECT_EQ(counts[OperatorKind::softmax], 1);
  EXPECT_EQ(tensor(m, m.inputs.at(0)).shape, (std::vector<int32_t>{1, 160, 160, 3}));
  EXPECT_EQ(tensor(m, m.outputs.at(0)).shape, (std::vector<int32_t>{1, 1001}));
}

TEST(TfliteLoaderModels, MobileNetV2HasResidualAdds) {
  REQUIRE_MODEL(path, "mobilenet_v2_1.0_224_quant.tflite");
  qnn::Model m = load_tflite_file(path);
  auto counts = count_kinds(m);
  EXPECT_EQ(counts[OperatorKind::conv_2d], 36);
  EXPECT_EQ(counts[OperatorKind::depthwise_conv_2d], 17);
  EXPECT_EQ(counts[OperatorKind::add], 10);
  EXPECT_EQ(counts[OperatorKind::average_pool_2d], 1);
  EXPECT_EQ(counts[OperatorKind::reshape], 1);
  EXPECT_EQ(counts[OperatorKind::softmax], 1);
  EXPECT_EQ(m.operators.size(), 66u);
  for (const auto& op : m.operators) {
    if (op.kind != OperatorKind::add) continue;
    EXPECT_EQ(op.activation, qnn::Activation::none) << op.index;
    EXPECT_EQ(tensor(m, op.outputs[0]).type, ElementType::uint8);
  }
  // TFLITE.md "Check on MobileNetV2 op 9": the ADD scales.
  const qnn::Operator& add = m.operators.at(9);
  ASSERT_EQ(add.kind, OperatorKind::add);
  EXPECT_FLOAT_EQ(tensor(m, add.inputs[0]).quantization.scales.at(0), 0.401492953f);
  EXPECT_FLOAT_EQ(tensor(m, add.inputs[1]).quantization.scales.at(0), 0.275834352f);
  EXPECT_FLOAT_EQ(tensor(m, add.outputs[0]).quantization.scales.at(0), 0.432168961f);
  EXPECT_EQ(tensor(m, m.inputs.at(0)).shape, (std::vector<int32_t>{1, 224, 224, 3}));
}

TEST(TfliteLoaderModels, PersonDetectIsInt8PerChannel) {
  REQUIRE_MODEL(path, "person_detect.tflite");
  qnn::Model m = load_tflite_file(path);
  const qnn::Tensor& input = tensor(m, m.inputs.at(0));
  EXPECT_EQ(input.shape, (std::vector<int32_t>{1, 96, 96, 1}));
  EXPECT_EQ(input.type, ElementType::int8);
  EXPECT_NEAR(input.quantization.scales.at(0), 0.0078431, 1e-6);
  EXPECT_EQ(input.quantization.zero_points.at(0), -1);
  const qnn::Tensor& output = tensor(m, m.outputs.at(0));
  EXPECT_EQ(output.shape, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(output.type, ElementType::int8);
  EXPECT_FLOAT_EQ(output.quantization.scales.at(0), 1.0f / 256);
  EXPECT_EQ(output.quantization.zero_points.at(0), -128);

  auto counts = count_kinds(m);
  EXPECT_EQ(m.operators.size(), 31u);
  EXPECT_EQ(counts[OperatorKind::conv_2d], 14);
  EXPECT_EQ(counts[OperatorKind::depthwise_conv_2d], 14);
  EXPECT_EQ(counts[OperatorKind::average_pool_2d], 1);
  EXPECT_EQ(counts[OperatorKind::reshape], 1);
  EXPECT_EQ(counts[OperatorKind::softmax], 1);

  // The first op is a depthwise conv with depth multiplier 8 on the 1-channel input.
  const qnn::Operator& first = m.operators.at(0);
  ASSERT_EQ(first.kind, OperatorKind::depthwise_conv_2d);
  EXPECT_EQ(first.depth_multiplier, 8);
  EXPECT_EQ(first.stride_h, 2);
  EXPECT_EQ(first.stride_w, 2);
  EXPECT_EQ(tensor(m, first.inputs[1]).shape.at(3), 8);

  // Int8 weights: per channel, zero point 0, along dimension 0 (conv OHWI) or 3
  // (depthwise [1,H,W,C]); bias int32 with one scale per output channel.
  int relu6_outputs = 0;
  for (const auto& op : m.operators) {
    if (op.kind != OperatorKind::conv_2d && op.kind != OperatorKind::depthwise_conv_2d) continue;
    const qnn::Tensor& w = tensor(m, op.inputs[1]);
    bool depthwise = op.kind == OperatorKind::depthwise_conv_2d;
    int channels = w.shape.at(depthwise ? 3 : 0);
    EXPECT_EQ(w.type, ElementType::int8) << op.index;
    EXPECT_EQ(w.quantization.quantized_dimension, depthwise ? 3 : 0) << op.index;
    EXPECT_EQ(w.quantization.scales.size(), static_cast<size_t>(channels)) << op.index;
    EXPECT_TRUE(w.quantization.per_channel()) << op.index;
    for (int64_t zp : w.quantization.zero_points) EXPECT_EQ(zp, 0) << op.index;
    const qnn::Tensor& b = tensor(m, op.inputs.at(2));
    EXPECT_EQ(b.type, ElementType::int32) << op.index;
    EXPECT_EQ(b.quantization.scales.size(), static_cast<size_t>(channels)) << op.index;
    // ReLU6 outputs have zero point -128 and almost all have s = 6/255 (models/README;
    // op 26's output range is narrower: s = 0.0186).
    if (op.activation != qnn::Activation::relu6) continue;
    const qnn::Tensor& out = tensor(m, op.outputs[0]);
    if (std::abs(out.quantization.scales.at(0) - 0.0235294) < 1e-6) ++relu6_outputs;
    EXPECT_EQ(out.quantization.zero_points.at(0), -128) << op.index;
  }
  EXPECT_EQ(relu6_outputs, 26);
}

// ---- Malformed files -----------------------------------------------------------------

TEST(TfliteLoaderErrors, MissingFileAndDirectory) {
  std::string missing = (std::filesystem::temp_directory_path() / "mpvm_no_such_model.tflite").string();
  try {
    load_tflite_file(missing);
    FAIL() << "loaded a missing file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing + ": cannot open file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_tflite_file(std::filesystem::temp_directory_path().string()), InputError);
}

TEST(TfliteLoaderErrors, NotATfliteFile) {
  EXPECT_EQ(load_error({}), "model.tflite: not a TFLite file (0 bytes, too short)");
  std::vector<uint8_t> bytes = {0x1c, 0, 0, 0, 'T', 'F', 'L', '2', 0, 0, 0, 0};
  EXPECT_EQ(load_error(bytes),
            "model.tflite: not a TFLite file (identifier 'TFL2' at byte 4, expected 'TFL3')");
  bytes[7] = 0xff;
  EXPECT_NE(load_error(bytes).find("identifier 'TFL\\xff'"), std::string::npos);
  // The right identifier on garbage: the verifier rejects it before anything is read.
  bytes = {0xff, 0xff, 0xff, 0x7f, 'T', 'F', 'L', '3', 1, 2, 3, 4};
  EXPECT_EQ(load_error(bytes), "model.tflite: malformed TFLite file (FlatBuffer verification failed)");
}

TEST(TfliteLoaderErrors, WrongIdentifierOnRealModel) {
  REQUIRE_MODEL(path, "person_detect.tflite");
  std::vector<uint8_t> bytes = read_bytes(path);
  bytes[4] = 'X';
  EXPECT_NE(load_error(bytes).find("not a TFLite file (identifier 'XFL3'"), std::string::npos);
}

// Every truncation, at 300 lengths spread over the file, is refused with an InputError.
TEST(TfliteLoaderErrors, TruncatedCopiesAreRejected) {
  REQUIRE_MODEL(path, "person_detect.tflite");
  std::vector<uint8_t> bytes = read_bytes(path);
  constexpr size_t kCuts = 300;
  for (size_t k = 0; k < kCuts; ++k) {
    size_t length = bytes.size() * k / kCuts;
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
    expect_model_or_input_error(cut, "truncated to " + std::to_string(length) + " bytes");
  }
}

// 2000 copies with random bytes overwritten (fixed seed): each loads or fails with an
// InputError. Half the copies hit anywhere; half hit the first and last 8 KiB, where the
// FlatBuffer's tables and vtables sit (the middle is mostly weight data).
TEST(TfliteLoaderErrors, RandomByteFlipsNeverCrash) {
  REQUIRE_MODEL(path, "person_detect.tflite");
  const std::vector<uint8_t> original = read_bytes(path);
  std::mt19937_64 rng(20240611);
  int rejected = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> bytes = original;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      size_t pos;
      if (trial % 2 == 0) {
        pos = rng() % bytes.size();
      } else {
        size_t edge = rng() % 8192;
        pos = (rng() & 1) ? edge : bytes.size() - 1 - edge;
      }
      bytes[pos] = static_cast<uint8_t>(rng());
    }
    try {
      load_tflite(bytes, "flipped.tflite");
    } catch (const InputError&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "trial " << trial << ": threw something other than mpvm::InputError: " << e.what();
    }
  }
  // Sanity check that the corruptions reach the structure at all.
  EXPECT_GT(rejected, 100);
}

TEST(TfliteLoaderErrors, UnalignedBufferLoads) {
  REQUIRE_MODEL(path, "person_detect.tflite");
  std::vector<uint8_t> bytes = read_bytes(path);
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  qnn::Model m = load_tflite(std::span<const uint8_t>(shifted).subspan(1), "shifted.tflite");
  EXPECT_EQ(m.operators.size(), 31u);
}

// ---- Altered copies of a real model: each error names the place -------------------------

class TfliteLoaderAltered : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = model_path("person_detect.tflite");
    if (path.empty()) GTEST_SKIP() << "person_detect.tflite not found in " << models_dir();
    bytes_ = read_bytes(path);
  }
  template <typename Edit>
  std::string error_after(Edit edit) {
    return load_error(altered(bytes_, edit));
  }
  std::vector<uint8_t> bytes_;
};

TEST_F(TfliteLoaderAltered, RoundTripStillLoads) {
  qnn::Model m = load_tflite(altered(bytes_, [](fb::ModelT&) {}), "copy.tflite");
  EXPECT_EQ(m.operators.size(), 31u);
}

TEST_F(TfliteLoaderAltered, UnsupportedOperatorNamesIt) {
  std::string error = error_after([](fb::ModelT& m) {
    // Operator 0 uses its own code; renumber that code to MEAN (40).
    auto& code = *m.operator_codes[m.subgraphs[0]->operators[0]->opcode_index];
    code.deprecated_builtin_code = 40;
    code.builtin_code = static_cast<fb::BuiltinOperator>(40);
  });
  EXPECT_EQ(error.rfind("model.tflite: operator ", 0), 0u) << error;
  EXPECT_NE(error.find("(MEAN): unsupported operator"), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, EffectiveCodeIsTheLargerField) {
  // An old-style file sets only deprecated_builtin_code (builtin_code reads as 0 = ADD):
  // the deprecated field must win. A code only in builtin_code (above 127 in real files)
  // must win over the deprecated field.
  qnn::Model m = load_tflite(altered(bytes_, [](fb::ModelT& model) {
                               for (auto& code : model.operator_codes) {
                                 code->builtin_code = static_cast<fb::BuiltinOperator>(0);
                               }
                             }),
                             "old.tflite");
  EXPECT_EQ(m.operators.at(0).kind, OperatorKind::depthwise_conv_2d);
  std::string error = error_after([](fb::ModelT& model) {
    for (auto& code : model.operator_codes) code->builtin_code = static_cast<fb::BuiltinOperator>(150);
  });
  EXPECT_NE(error.find("operator 0 (BUILTIN_150): unsupported operator"), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, CustomOperator) {
  std::string error = error_after([](fb::ModelT& m) {
    auto& code = *m.operator_codes[m.subgraphs[0]->operators[3]->opcode_index];
    code.deprecated_builtin_code = 32;
    code.builtin_code = static_cast<fb::BuiltinOperator>(32);
    code.custom_code = "MyOp";
  });
  EXPECT_NE(error.find("(custom 'MyOp'): custom operators are not supported"), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, SubgraphCount) {
  EXPECT_EQ(error_after([](fb::ModelT& m) { m.subgraphs.clear(); }),
            "model.tflite: the model has 0 subgraphs; only models with exactly one are supported");
  EXPECT_EQ(error_after([](fb::ModelT& m) {
              m.subgraphs.push_back(std::make_unique<fb::SubGraphT>());
            }),
            "model.tflite: the model has 2 subgraphs; only models with exactly one are supported");
}

TEST_F(TfliteLoaderAltered, BufferOutOfRange) {
  std::string error = error_after([](fb::ModelT& m) { m.subgraphs[0]->tensors[5]->buffer = 100000; });
  EXPECT_NE(error.find("model.tflite: tensor 5 '"), std::string::npos) << error;
  EXPECT_NE(error.find("buffer 100000 is out of range"), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, DataSizeMustMatchShape) {
  std::string error = error_after([](fb::ModelT& m) {
    auto& t = *m.subgraphs[0]->tensors[static_cast<size_t>(m.subgraphs[0]->operators[0]->inputs[1])];
    t.shape[1] += 1;  // the filter now claims more elements than its buffer holds
  });
  EXPECT_NE(error.find("bytes, but shape ["), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, FloatTensorUsedByAnOperator) {
  std::string error = error_after([](fb::ModelT& m) {
    auto& g = *m.subgraphs[0];
    g.tensors[static_cast<size_t>(g.operators[0]->inputs[0])]->type = fb::TensorType::FLOAT32;
  });
  EXPECT_NE(error.find("model.tflite: operator 0 (DEPTHWISE_CONV_2D): tensor "), std::string::npos) << error;
  EXPECT_NE(error.find("unsupported type FLOAT32"), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, UnknownTensorType) {
  std::string error = error_after([](fb::ModelT& m) {
    m.subgraphs[0]->tensors[2]->type = static_cast<fb::TensorType>(6);
  });
  EXPECT_NE(error.find("tensor 2 '"), std::string::npos) << error;
  EXPECT_NE(error.find("unsupported type BOOL"), std::string::npos) << error;
}

TEST_F(TfliteLoaderAltered, OperatorChecks) {
  // Wrong options union type for the operator.
  std::string error = error_after([](fb::ModelT& m) {
    auto& op = *m.subgraphs[0]->operators[0];
    fb::Pool2DOptionsT pool;
    op.builtin_options.Set(pool);
  });
  EXPECT_NE(error.find("operator 0 (DEPTHWISE_CONV_2D): has options of union type 5, expected "
                       "DepthwiseConv2DOptions"), std::string::npos) << error;
  // Unsupported fused activation.
  error = error_after([](fb::ModelT& m) {
    // Operator 2 is the first CONV_2D (0 and 1 are depthwise).
    auto* conv = m.subgraphs[0]->operators[2]->builtin_options.AsConv2DOptions();
    ASSERT_NE(conv, nullptr);
    conv->fused_activation_function = fb::ActivationFunctionType::TANH;
  });
  EXPECT_NE(error.find("operator 2 (CONV_2D): fused activation TANH is not supported"), std::string::npos)
      << error;
  // Tensor index out of range.
  error = error_after([](fb::ModelT& m) { m.subgraphs[0]->operators[2]->inputs[0] = 9999; });
  EXPECT_NE(error.find("operator 2 (CONV_2D): input tensor index 9999 is out of range"),
            std::string::npos) << error;
  // Depth multiplier that does not match the filter.
  error = error_after([](fb::ModelT& m) {
    m.subgraphs[0]->operators[0]->builtin_options.AsDepthwiseConv2DOptions()->depth_multiplier = 4;
  });
  EXPECT_NE(error.find("operator 0 (DEPTHWISE_CONV_2D): filter shape [1,3,3,8] does not match input "
                       "channels 1 with depth multiplier 4"), std::string::npos) << error;
  // Stride that does not give the output shape.
  error = error_after([](fb::ModelT& m) {
    m.subgraphs[0]->operators[0]->builtin_options.AsDepthwiseConv2DOptions()->stride_h = 1;
  });
  EXPECT_NE(error.find("output shape [1,48,48,8] does not match input [1,96,96,1]"), std::string::npos)
      << error;
  // Operators out of execution order.
  error = error_after([](fb::ModelT& m) {
    auto& ops = m.subgraphs[0]->operators;
    std::swap(ops[0], ops[1]);
  });
  EXPECT_NE(error.find("is neither a constant, a model input nor the output of an earlier operator"),
            std::string::npos) << error;
  // Per-channel scale count that does not match the quantized dimension.
  error = error_after([](fb::ModelT& m) {
    auto& g = *m.subgraphs[0];
    auto& q = *g.tensors[static_cast<size_t>(g.operators[2]->inputs[1])]->quantization;
    q.scale.pop_back();
    q.zero_point.pop_back();
  });
  EXPECT_NE(error.find("per-channel scales, but dimension 0 of shape"), std::string::npos) << error;
}

// ---- A small hand-built int8 model with the operators the MobileNets do not use ---------

// input [1,4,4,2] → PAD 1 around H and W → MAX_POOL 2x2/2 → CONCATENATION with itself on
// channels → ADD to itself → RESHAPE [1,36] → FULLY_CONNECTED 2 → SQUEEZE → SOFTMAX.
class TfliteLoaderSynthetic : public ::testing::Test {
 protected:
  static std::unique_ptr<fb::QuantizationParametersT> quant(float scale, int64_t zero_point) {
    auto q = std::make_unique<fb::QuantizationParametersT>();
    q->scale = {scale};
    q->zero_point = {zero_point};
    return q;
  }
  // Adds a tensor (and its buffer when `data` is non-empty); returns its index.
  int add_tensor(std::vector<int32_t> shape, fb::TensorType type, std::vector<uint8_t> data = {},
                 float scale = 0.5f, int64_t zero_point = 0) {
    auto t = std::make_unique<fb::TensorT>();
    t->shape = std::move(shape);
    t->type = type;
    t->name = "t" + std::to_string(graph().tensors.size());
    if (type == fb::TensorType::INT8) t->quantization = quant(scale, zero_point);
    if (!data.empty()) {
      auto b = std::make_unique<fb::BufferT>();
      b->data = std::move(data);
      t->buffer = static_cast<uint32_t>(model_.buffers.size());
      model_.buffers.push_back(std::move(b));
    }
    graph().tensors.push_back(std::move(t));
    return static_cast<int>(graph().tensors.size() - 1);
  }
  fb::OperatorT& add_op(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    auto c = std::make_unique<fb::OperatorCodeT>();
    c->deprecated_builtin_code = static_cast<int8_t>(code);
    c->builtin_code = static_cast<fb::BuiltinOperator>(code);
    model_.operator_codes.push_back(std::move(c));
    auto op = std::make_unique<fb::OperatorT>();
    op->opcode_index = static_cast<uint32_t>(model_.operator_codes.size() - 1);
    op->inputs = std::move(inputs);
    op->outputs = std::move(outputs);
    graph().operators.push_back(std::move(op));
    return *graph().operators.back();
  }
  fb::SubGraphT& graph() { return *model_.subgraphs[0]; }

  // Builds the model afresh (tests call it again to undo an alteration).
  void SetUp() override {
    model_ = fb::ModelT();
    model_.version = 3;
    model_.buffers.push_back(std::make_unique<fb::BufferT>());  // buffer 0: the empty sentinel
    model_.subgraphs.push_back(std::make_unique<fb::SubGraphT>());
    using T = fb::TensorType;
    int input = add_tensor({1, 4, 4, 2}, T::INT8);
    std::vector<int32_t> pads = {0, 0, 1, 1, 1, 1, 0, 0};
    std::vector<uint8_t> pad_bytes(pads.size() * 4);
    std::memcpy(pad_bytes.data(), pads.data(), pad_bytes.size());
    int paddings = add_tensor({4, 2}, T::INT32, pad_bytes);
    int padded = add_tensor({1, 6, 6, 2}, T::INT8);
    add_op(34, {input, paddings}, {padded}).builtin_options.Set(fb::PadOptionsT());
    int pooled = add_tensor({1, 3, 3, 2}, T::INT8);
    fb::Pool2DOptionsT pool;
    pool.padding = fb::Padding::VALID;
    pool.stride_w = pool.stride_h = 2;
    pool.filter_width = pool.filter_height = 2;
    add_op(17, {padded}, {pooled}).builtin_options.Set(pool);
    int joined = add_tensor({1, 3, 3, 4}, T::INT8);
    fb::ConcatenationOptionsT concat;
    concat.axis = -1;
    add_op(2, {pooled, pooled}, {joined}).builtin_options.Set(concat);
    int sum = add_tensor({1, 3, 3, 4}, T::INT8, {}, 1.0f);
    fb::AddOptionsT add;
    add.fused_activation_function = fb::ActivationFunctionType::RELU;
    add_op(0, {joined, joined}, {sum}).builtin_options.Set(add);
    int flat = add_tensor({1, 36}, T::INT8, {}, 1.0f);
    fb::ReshapeOptionsT reshape;
    reshape.new_shape = {1, 36};
    add_op(22, {sum}, {flat}).builtin_options.Set(reshape);
    int weights = add_tensor({2, 36}, T::INT8, std::vector<uint8_t>(72, 1), 0.25f);
    int bias = add_tensor({2}, T::INT32, std::vector<uint8_t>(8, 0));
    int logits = add_tensor({1, 2}, T::INT8, {}, 0.1f, 3);
    add_op(9, {flat, weights, bias}, {logits}).builtin_options.Set(fb::FullyConnectedOptionsT());
    int squeezed = add_tensor({2}, T::INT8, {}, 0.1f, 3);
    fb::SqueezeOptionsT squeeze;
    squeeze.squeeze_dims = {0};
    add_op(43, {logits}, {squeezed}).builtin_options.Set(squeeze);
    int probabilities = add_tensor({2}, T::INT8, {}, 1.0f / 256, -128);
    fb::SoftmaxOptionsT softmax;
    softmax.beta = 1.0f;
    add_op(25, {squeezed}, {probabilities}).builtin_options.Set(softmax);
    graph().inputs = {input};
    graph().outputs = {probabilities};
  }
  std::vector<uint8_t> pack() {
    flatbuffers::FlatBufferBuilder builder;
    fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &model_));
    return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  }
  fb::ModelT model_;
};

TEST_F(TfliteLoaderSynthetic, AllOtherOperatorsLoad) {
  qnn::Model m = load_tflite(pack(), "small.tflite");
  ASSERT_EQ(m.operators.size(), 8u);
  std::vector<OperatorKind> kinds;
  for (const auto& op : m.operators) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OperatorKind>{OperatorKind::pad, OperatorKind::max_pool_2d,
                                              OperatorKind::concatenation, OperatorKind::add,
                                              OperatorKind::reshape, OperatorKind::fully_connected,
                                              OperatorKind::squeeze, OperatorKind::softmax}));
  EXPECT_EQ(m.operators[1].filter_h, 2);
  EXPECT_EQ(m.operators[1].padding, qnn::Padding::valid);
  EXPECT_EQ(m.operators[2].axis, -1);
  EXPECT_EQ(m.operators[3].activation, qnn::Activation::relu);
  EXPECT_EQ(m.operators[4].new_shape, (std::vector<int32_t>{1, 36}));
  EXPECT_EQ(m.operators[6].squeeze_dims, (std::vector<int32_t>{0}));
  EXPECT_FLOAT_EQ(m.operators[7].beta, 1.0f);
  EXPECT_EQ(tensor(m, m.operators[0].inputs[1]).data.size(), 32u);
}

TEST_F(TfliteLoaderSynthetic, OperatorRulesAreEnforced) {
  // int8 concatenation inputs must share the output's quantization.
  graph().tensors[static_cast<size_t>(graph().operators[2]->outputs[0])]->quantization = quant(0.75f, 0);
  std::string error = load_error(pack());
  EXPECT_NE(error.find("model.tflite: operator 2 (CONCATENATION): tensor 3 't3' (scale 0.5, zero point 0) "
                       "and tensor 4 't4' (scale 0.75, zero point 0) must share their quantization"),
            std::string::npos) << error;
  SetUp();
  graph().operators[2]->builtin_options.AsConcatenationOptions()->fused_activation_function =
      fb::ActivationFunctionType::RELU6;
  EXPECT_NE(load_error(pack()).find("operator 2 (CONCATENATION): a fused activation is not allowed"),
            std::string::npos);
  SetUp();
  graph().tensors.back()->quantization = quant(1.0f / 128, -128);
  EXPECT_NE(load_error(pack()).find("operator 7 (SOFTMAX): tensor 11 't11': output quantization must be "
                                    "scale 1/256, zero point -128"), std::string::npos);
  SetUp();
  graph().operators[6]->builtin_options.AsSqueezeOptions()->squeeze_dims = {1};
  EXPECT_NE(load_error(pack()).find("operator 6 (SQUEEZE): squeeze dimension 1 of [1,2] is not 1"),
            std::string::npos);
  SetUp();
  graph().tensors[2]->shape = {1, 7, 6, 2};  // PAD output that the paddings do not give
  EXPECT_NE(load_error(pack()).find("operator 0 (PAD): output shape [1,7,6,2] does not match input"),
            std::string::npos);
  SetUp();
  graph().operators[3]->inputs = {3, 4};  // ADD of [1,3,3,2] and [1,3,3,4]
  EXPECT_NE(load_error(pack()).find("operator 3 (ADD): input shapes [1,3,3,2] and [1,3,3,4] do not "
                                    "broadcast"), std::string::npos);
}

}  // namespace

}  // namespace mpvm::testing
