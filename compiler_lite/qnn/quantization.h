// The integer arithmetic of TFLite's quantized reference kernels, reproduced bit for bit
// (facts: /work/shared/TFLITE.md): multiplier quantization, the gemmlowp fixed-point
// primitives, effective convolution multipliers, fused-activation ranges and SAME/VALID
// padding. Names follow the TFLite functions they reproduce, in snake_case.
#pragma once

#include <cstdint>

#include "compiler_lite/qnn/model.h"

namespace mpvm::qnn {

// A real multiplier M ≈ multiplier · 2^(shift − 31), multiplier in [2^30, 2^31) or 0.
// `shift` is the frexp exponent: negative means a right shift.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
  bool operator==(const QuantizedMultiplier&) const = default;
};

// QuantizeMultiplier (quantization_util.cc): frexp, std::round(q·2^31), the 2^31 carry,
// and the shift < −31 flush to zero. No saturation for shift > 30 (that is only done in
// single-rounding builds, which mpvm does not reproduce).
QuantizedMultiplier quantize_multiplier(double real_multiplier);

// QuantizeMultiplierSmallerThanOneExp (quantization_util.cc): requires 0 < real < 1 and a
// resulting shift ≤ 0; throws InputError otherwise (TFLite aborts with a CHECK).
QuantizedMultiplier quantize_multiplier_smaller_than_one_exp(double real_multiplier);

// gemmlowp fixedpoint.h SaturatingRoundingDoublingHighMul: round(a·b / 2^31), positive and
// negative ties both rounded toward +infinity; INT32_MIN·INT32_MIN saturates to INT32_MAX.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

// gemmlowp fixedpoint.h RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away
// from zero. 0 ≤ exponent ≤ 31.
int32_t rounding_divide_by_pot(int32_t x, int exponent);

// MultiplyByQuantizedMultiplier (common.cc), default double-rounding build:
// RoundingDivideByPOT(SRDHM(x·2^max(shift,0), M0), max(−shift,0)).
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp (common.h), used by ADD:
// RoundingDivideByPOT(SRDHM(x, M0), −shift), shift ≤ 0.
int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x, int32_t multiplier,
                                                              int shift);
inline int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x,
                                                                     QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier_smaller_than_one_exp(x, m.multiplier, m.shift);
}

// Effective real multipliers of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED.
// Per-tensor (kernel_util.cc GetQuantizedConvolutionMultipler; used for uint8 convs and
// for every per-tensor FULLY_CONNECTED): double(float(s_in·s_w)) / double(s_out), the
// product rounded to float first.
double per_tensor_conv_multiplier(float input_scale, float weight_scale, float output_scale);
// Per-channel (kernel_util.cc PopulateConvolutionQuantizationParams; int8 convs, a
// per-tensor weight scale broadcast to every channel): double(s_in)·double(s_w[c]) /
// double(s_out), all in double.
double per_channel_conv_multiplier(float input_scale, float weight_scale, float output_scale);

// [qmin, qmax] of an 8-bit type: [0,255] for uint8, [−128,127] for int8. Throws
// InputError for any other type.
struct ActivationRange {
  int32_t min = 0;
  int32_t max = 0;
  bool operator==(const ActivationRange&) const = default;
};
ActivationRange type_range(ElementType type);

// CalculateActivationRangeQuantized (kernel_util.cc): the clamp of a fused activation on
// an output with this type, scale and zero point. Bounds are zp + (int)std::round(v / s)
// with the division done in float (v = 0, 6, −1, 1).
ActivationRange activation_range(Activation activation, ElementType type, float output_scale,
                                 int32_t output_zero_point);

// padding.h: ComputeOutSize and ComputePaddingWithOffset for one spatial dimension.
// SAME: out = ceil(in / stride); VALID: out = (in − effective_filter + stride) / stride.
// total = max((out − 1)·stride + effective_filter − in, 0); before = total / 2; the odd
// extra row/column (`offset`) goes after.
struct PaddedSize {
  int output = 0;
  int before = 0;  // pad_top / pad_left
  int after = 0;   // before + offset
};
PaddedSize compute_padding(Padding padding, int input_size, int filter_size, int stride,
                           int dilation);

}  // namespace mpvm::qnn
