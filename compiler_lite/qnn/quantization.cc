#include "compiler_lite/qnn/quantization.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/errors.h"

namespace mpvm::qnn {

// tensorflow/lite/kernels/internal/quantization_util.cc, QuantizeMultiplier.
QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  if (real_multiplier == 0.0) return {0, 0};
  int shift = 0;
  const double q = std::frexp(real_multiplier, &shift);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {  // q rounded up to 1.0
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {  // too small to represent: flush to zero
    shift = 0;
    q_fixed = 0;
  }
  return {static_cast<int32_t>(q_fixed), shift};
}

// quantization_util.cc, QuantizeMultiplierSmallerThanOneExp.
QuantizedMultiplier quantize_multiplier_smaller_than_one_exp(double real_multiplier) {
  if (!(real_multiplier > 0.0 && real_multiplier < 1.0)) {
    throw InputError(fmt::format("multiplier {} is not in (0, 1)", real_multiplier));
  }
  const QuantizedMultiplier m = quantize_multiplier(real_multiplier);
  if (m.shift > 0) throw InputError(fmt::format("multiplier {} gives a left shift", real_multiplier));
  return m;
}

// gemmlowp fixedpoint/fixedpoint.h, SaturatingRoundingDoublingHighMul.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t product = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  // The negative nudge is 1 − 2^30, not −2^30: negative ties round toward +infinity.
  const int64_t nudge = product >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((product + nudge) / (int64_t{1} << 31));  // truncating division
}

// gemmlowp fixedpoint/fixedpoint.h, RoundingDivideByPOT.
int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// tensorflow/lite/kernels/internal/common.cc, MultiplyByQuantizedMultiplier with
// TFLITE_SINGLE_ROUNDING undefined (double rounding).
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // x · 2^left_shift in int32 (wrapping, as TFLite's int32 product does in practice).
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right_shift);
}

// tensorflow/lite/kernels/internal/common.h, MultiplyByQuantizedMultiplierSmallerThanOneExp.
int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x, int32_t multiplier,
                                                              int shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), -shift);
}

// tensorflow/lite/kernels/kernel_util.cc, GetQuantizedConvolutionMultipler.
double per_tensor_conv_multiplier(float input_scale, float weight_scale, float output_scale) {
  const float product = input_scale * weight_scale;  // rounded to float
  return static_cast<double>(product) / static_cast<double>(output_scale);
}

// tensorflow/lite/kernels/kernel_util.cc, PopulateConvolutionQuantizationParams.
double per_channel_conv_multiplier(float input_scale, float weight_scale, float output_scale) {
  return static_cast<double>(input_scale) * static_cast<double>(weight_scale) /
         static_cast<double>(output_scale);
}

ActivationRange type_range(ElementType type) {
  switch (type) {
    case ElementType::uint8: return {0, 255};
    case ElementType::int8: return {-128, 127};
    default: break;
  }
  throw InputError(fmt::format("no 8-bit range for type {}", name_of(type)));
}

// tensorflow/lite/kernels/kernel_util.cc, CalculateActivationRangeQuantized (and
// CalculateActivationRangeQuantizedImpl): bound = zp + (int32)TfLiteRound(v / scale), the
// division in float and TfLiteRound(float) = std::round(float).
ActivationRange activation_range(Activation activation, ElementType type, float output_scale,
                                 int32_t output_zero_point) {
  const ActivationRange limits = type_range(type);
  const auto quantize = [&](float value) {
    return output_zero_point + static_cast<int32_t>(std::round(value / output_scale));
  };
  switch (activation) {
    case Activation::none: return limits;
    case Activation::relu: return {std::max(limits.min, quantize(0.0f)), limits.max};
    case Activation::relu6:
      return {std::max(limits.min, quantize(0.0f)), std::min(limits.max, quantize(6.0f))};
    case Activation::relu_n1_to_1:
      return {std::max(limits.min, quantize(-1.0f)), std::min(limits.max, quantize(1.0f))};
  }
  throw InputError("unknown fused activation");
}

// tensorflow/lite/kernels/padding.h, ComputeOutSize and ComputePaddingWithOffset.
PaddedSize compute_padding(Padding padding, int input_size, int filter_size, int stride,
                           int dilation) {
  if (stride <= 0 || dilation <= 0 || filter_size <= 0 || input_size <= 0) {
    throw InputError(fmt::format("bad window: input {}, filter {}, stride {}, dilation {}",
                                 input_size, filter_size, stride, dilation));
  }
  const int effective_filter = (filter_size - 1) * dilation + 1;
  PaddedSize result;
  result.output = padding == Padding::same ? (input_size + stride - 1) / stride
                                           : (input_size + stride - effective_filter) / stride;
  if (result.output <= 0) {
    throw InputError(fmt::format("VALID window of {} does not fit an input of {}",
                                 effective_filter, input_size));
  }
  const int total = std::max((result.output - 1) * stride + effective_filter - input_size, 0);
  result.before = total / 2;
  result.after = total / 2 + total % 2;
  return result;
}

}  // namespace mpvm::qnn
