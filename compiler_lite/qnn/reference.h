// The plaintext reference: TFLite's quantized reference kernels (uint8 per-tensor and int8
// per-channel), reproduced bit for bit from the facts in /work/shared/TFLITE.md, and an
// interpreter that runs a qnn::Model on them. It is the golden model the compiled MPC
// program is checked against.
//
// Kernels work on raw arrays in NHWC (filters OHWI, depthwise filters [1, KH, KW, OC]).
// SOFTMAX is deliberately not evaluated: the interpreter passes its input logits through,
// and the label is the argmax of the logits (softmax is monotone).
#pragma once

#include <cstdint>
#include <vector>

#include "compiler_lite/qnn/model.h"
#include "compiler_lite/qnn/quantization.h"

namespace mpvm::qnn {

struct Shape4 {
  int n = 1, h = 1, w = 1, c = 1;
  int64_t size() const { return int64_t{n} * h * w * c; }
  bool operator==(const Shape4&) const = default;
};

// CONV_2D and DEPTHWISE_CONV_2D (reference/conv.h, reference/integer_ops/conv.h,
// reference/depthwiseconv_uint8.h, reference/integer_ops/depthwise_conv.h).
struct ConvParams {
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
  int32_t input_offset = 0;    // −zp_in
  int32_t weights_offset = 0;  // −zp_w (0 for int8 symmetric weights)
  int32_t output_offset = 0;   // +zp_out
  // One per output channel, or a single one for every channel.
  std::vector<QuantizedMultiplier> multipliers;
  ActivationRange range;
};

// Filter [OC, KH, KW, IC / groups]; groups = input.c / filter.c. `bias` may be null.
template <class T>
void conv_2d(const ConvParams& params, Shape4 input_shape, const T* input, Shape4 filter_shape,
             const T* filter, const int32_t* bias, Shape4 output_shape, T* output);

// Filter [1, KH, KW, IC·depth_multiplier]; output channel oc = ic·depth_multiplier + m.
template <class T>
void depthwise_conv_2d(const ConvParams& params, int depth_multiplier, Shape4 input_shape,
                       const T* input, Shape4 filter_shape, const T* filter, const int32_t* bias,
                       Shape4 output_shape, T* output);

// FULLY_CONNECTED (reference/fully_connected.h, reference/integer_ops/fully_connected.h):
// weights [out_depth, in_depth]; acc = Σ (w + w_off)(x + x_off) + bias, then MBQM.
// Uses params' offsets, multipliers and range; the spatial fields are ignored.
template <class T>
void fully_connected(const ConvParams& params, int batches, int in_depth, const T* input,
                     int out_depth, const T* weights, const int32_t* bias, T* output);

// AVERAGE_POOL_2D / MAX_POOL_2D (reference/pooling.h, reference/integer_ops/pooling.h).
struct PoolParams {
  int stride_h = 1, stride_w = 1;
  int filter_h = 1, filter_w = 1;
  int pad_top = 0, pad_left = 0;
  ActivationRange range;
};
// Rounded mean of the in-bounds raw values: uint8 (acc + cnt/2)/cnt; int8 half away from zero.
template <class T>
void average_pool_2d(const PoolParams& params, Shape4 input_shape, const T* input,
                     Shape4 output_shape, T* output);
template <class T>
void max_pool_2d(const PoolParams& params, Shape4 input_shape, const T* input,
                 Shape4 output_shape, T* output);

// ADD (reference/add.h, reference/integer_ops/add.h; prepared as in add.cc / add_common.cc).
struct AddParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int left_shift = 20;
  QuantizedMultiplier input1_multiplier, input2_multiplier, output_multiplier;
  ActivationRange range;
};
// The Prepare step: twice_max = 2·max(s1, s2) (float, exact), real_i = double(s_i)/twice_max,
// real_out = twice_max / (2^20·s_out), each through QuantizeMultiplierSmallerThanOneExp.
AddParams prepare_add(float scale1, int32_t zero_point1, float scale2, int32_t zero_point2,
                      float output_scale, int32_t output_zero_point, ActivationRange range);
// Same-shape element-wise add of `count` elements.
template <class T>
void add(const AddParams& params, int64_t count, const T* input1, const T* input2, T* output);

// CONCATENATION's uint8 rescaling (reference/concatenation.h ConcatenationWithScaling):
// each element f = float(q)·scale + bias in float32 (scale = s_in·(1/s_out),
// bias = float(−zp_in)·scale), out = clamp(int(roundf(f)) + zp_out, 0, 255).
void concatenation_rescale_uint8(const uint8_t* input, int64_t count, float input_scale,
                                 int32_t input_zero_point, float output_scale,
                                 int32_t output_zero_point, uint8_t* output);

// Runs every operator of a model in order on plaintext tensors.
class ReferenceInterpreter {
 public:
  explicit ReferenceInterpreter(const Model& model);

  // Runs the model on the bytes of its single input tensor (raw quantized values).
  // Throws InputError "operator I (KIND): ..." for unsupported combinations or shapes.
  void run(const std::vector<uint8_t>& input_tensor_bytes);

  // The bytes of any tensor after `run` (constants: their data). A SOFTMAX output holds
  // the softmax's input logits, unchanged.
  const std::vector<uint8_t>& tensor_bytes(int tensor) const;
  std::vector<std::vector<uint8_t>> output_bytes() const;

 private:
  void run_operator(const Operator& op);
  const Tensor& tensor(int index) const;
  std::vector<uint8_t>& output_buffer(int index);

  const Model& model_;
  std::vector<std::vector<uint8_t>> values_;
  std::vector<bool> computed_;
};

// Runs the model; returns the bytes of each model output tensor (for a SOFTMAX output:
// the logits that feed it).
std::vector<std::vector<uint8_t>> run_reference(const Model& model,
                                                const std::vector<uint8_t>& input_tensor_bytes);

// The index of the first maximum of the final logits: output 0 as returned by
// run_reference, compared as the element type of the logits (for a SOFTMAX output: the
// type of the SOFTMAX input).
int argmax_label(const Model& model, const std::vector<std::vector<uint8_t>>& outputs);

}  // namespace mpvm::qnn
