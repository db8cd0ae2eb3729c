// A quantized neural network in memory, independent of any file format: what the TFLite
// loader produces, what the plaintext reference runs and what the model compiler turns
// into an mpvm program. Only the integer (quantized) subset of TFLite is represented.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpvm::qnn {

enum class ElementType { uint8, int8, int16, int32, int64, float32 };

// real = scale * (q - zero_point). One scale and zero point per tensor, or one per
// channel along `quantized_dimension` (int8 weights: dimension 0 for conv OHWI filters,
// 3 for depthwise [1, H, W, C] filters).
struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int quantized_dimension = 0;
  bool per_channel() const { return scales.size() > 1; }
};

struct Tensor {
  std::string name;
  std::vector<int32_t> shape;  // NHWC for activations, OHWI for conv filters
  ElementType type = ElementType::uint8;
  Quantization quantization;
  std::vector<uint8_t> data;  // constant contents, little-endian; empty for activations
  bool is_constant() const { return !data.empty(); }
  int64_t element_count() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
};

enum class OperatorKind {
  conv_2d,
  depthwise_conv_2d,
  fully_connected,
  average_pool_2d,
  max_pool_2d,
  add,
  reshape,
  squeeze,
  concatenation,
  pad,
  softmax,
};

enum class Padding { same, valid };
enum class Activation { none, relu, relu6, relu_n1_to_1 };

struct Operator {
  OperatorKind kind = OperatorKind::conv_2d;
  int index = 0;              // position in the file's operator list, for messages
  std::vector<int> inputs;    // tensor indices; -1 for an absent optional input (e.g. bias)
  std::vector<int> outputs;
  // Options; each kind uses those that apply to it.
  Padding padding = Padding::valid;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int filter_h = 0, filter_w = 0;  // pools
  int depth_multiplier = 1;        // depthwise
  Activation activation = Activation::none;
  int axis = 0;                    // concatenation (negative: counted from the end)
  std::vector<int32_t> new_shape;  // reshape (may also come from a shape input tensor)
  std::vector<int32_t> squeeze_dims;
  float beta = 1.0f;               // softmax
};

struct Model {
  std::string name;         // file name, for messages
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Operator> operators;  // in execution order
  std::vector<int> inputs;          // tensor indices
  std::vector<int> outputs;
};

const char* name_of(OperatorKind kind);  // "CONV_2D", ...
const char* name_of(ElementType type);   // "UINT8", ...

}  // namespace mpvm::qnn
