// Built with -ffp-contract=off (CMakeLists.txt): CONCATENATION's uint8 rescaling must round
// the float product and the float sum separately, as TFLite's reference does.
#include "compiler_lite/qnn/reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "base/errors.h"

static_assert(std::endian::native == std::endian::little, "tensor bytes are little-endian");

namespace mpvm::qnn {
namespace {

// x + offset for every element, as int16 (|x + offset| ≤ 255 for valid zero points), so the
// inner products below vectorise as 16×16→32-bit multiply-adds.
template <class T>
std::vector<int16_t> offset_values(const T* data, int64_t count, int32_t offset) {
  std::vector<int16_t> result(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) result[i] = static_cast<int16_t>(int32_t{data[i]} + offset);
  return result;
}

inline int32_t dot(const int16_t* a, const int16_t* b, int n) {
  int32_t sum = 0;
  for (int i = 0; i < n; ++i) sum += int32_t{a[i]} * int32_t{b[i]};
  return sum;
}

// acc → MBQM → + zp_out → clamp, as every conv-like reference kernel ends.
template <class T>
inline T requantize(int32_t acc, const QuantizedMultiplier& m, const ConvParams& params) {
  int32_t value = multiply_by_quantized_multiplier(acc, m.multiplier, m.shift);
  value += params.output_offset;
  value = std::clamp(value, params.range.min, params.range.max);
  return static_cast<T>(value);
}

void check_multipliers(const ConvParams& params, int channels) {
  const size_t n = params.multipliers.size();
  if (n != 1 && n != static_cast<size_t>(channels)) {
    throw InputError(fmt::format("{} output multipliers for {} channels", n, channels));
  }
}

// The window walk every conv-like kernel shares: for each output pixel, start from the bias,
// call `add_tap(acc, xp, ky, kx)` for every filter tap inside the image (out-of-image taps are
// skipped: they would multiply x + x_off = 0), then requantize. `xp` points at the tap's
// input pixel, already offset.
template <class T, class AddTap>
void convolve(const ConvParams& params, Shape4 input_shape, Shape4 filter_shape,
              Shape4 output_shape, const std::vector<int16_t>& x, const int32_t* bias, T* output,
              AddTap add_tap) {
  const int in_c = input_shape.c, out_c = output_shape.c;
  std::vector<int32_t> acc(out_c);
  const bool per_channel = params.multipliers.size() > 1;
  for (int b = 0; b < output_shape.n; ++b) {
    for (int oy = 0; oy < output_shape.h; ++oy) {
      const int iy0 = oy * params.stride_h - params.pad_top;
      for (int ox = 0; ox < output_shape.w; ++ox) {
        const int ix0 = ox * params.stride_w - params.pad_left;
        for (int oc = 0; oc < out_c; ++oc) acc[oc] = bias != nullptr ? bias[oc] : 0;
        for (int ky = 0; ky < filter_shape.h; ++ky) {
          const int iy = iy0 + params.dilation_h * ky;
          if (iy < 0 || iy >= input_shape.h) continue;
          for (int kx = 0; kx < filter_shape.w; ++kx) {
            const int ix = ix0 + params.dilation_w * kx;
            if (ix < 0 || ix >= input_shape.w) continue;
            add_tap(acc.data(), &x[((int64_t{b} * input_shape.h + iy) * input_shape.w + ix) * in_c], ky, kx);
          }
        }
        T* out = &output[((int64_t{b} * output_shape.h + oy) * output_shape.w + ox) * out_c];
        for (int oc = 0; oc < out_c; ++oc) {
          out[oc] = requantize<T>(acc[oc], params.multipliers[per_channel ? oc : 0], params);
        }
      }
    }
  }
}
}  // namespace

// reference/conv.h (uint8) and reference/integer_ops/conv.h (int8): out-of-image taps are
// skipped; acc = Σ (w + w_off)(x + x_off) + bias; MBQM; + zp_out; clamp. The int8 kernel
// has no weights offset (zp_w = 0), which is the same formula with w_off = 0.
template <class T>
void conv_2d(const ConvParams& params, Shape4 input_shape, const T* input, Shape4 filter_shape,
             const T* filter, const int32_t* bias, Shape4 output_shape, T* output) {
  const int in_c = input_shape.c, out_c = output_shape.c, filter_c = filter_shape.c;
  if (filter_shape.n != out_c || filter_c <= 0 || in_c % filter_c != 0 ||
      input_shape.n != output_shape.n) {
    throw InputError("convolution shapes do not match");
  }
  const int groups = in_c / filter_c;  // conv.h: groups = input_depth / filter_input_depth
  if (out_c % groups != 0) throw InputError("output channels are not a multiple of the groups");
  const int filters_per_group = out_c / groups;
  check_multipliers(params, out_c);

  const std::vector<int16_t> x = offset_values(input, input_shape.size(), params.input_offset);
  const std::vector<int16_t> w = offset_values(filter, filter_shape.size(), params.weights_offset);
  convolve(params, input_shape, filter_shape, output_shape, x, bias, output,
           [&](int32_t* acc, const int16_t* xp, int ky, int kx) {
             for (int oc = 0; oc < out_c; ++oc) {
               const int group = oc / filters_per_group;
               const int16_t* wp = &w[((int64_t{oc} * filter_shape.h + ky) * filter_shape.w + kx) * filter_c];
               acc[oc] += dot(wp, xp + int64_t{group} * filter_c, filter_c);
             }
           });
}

// reference/depthwiseconv_uint8.h (kAwayFromZero = MBQM) and
// reference/integer_ops/depthwise_conv.h: filter [1, KH, KW, IC·dm], oc = ic·dm + m.
template <class T>
void depthwise_conv_2d(const ConvParams& params, int depth_multiplier, Shape4 input_shape,
                       const T* input, Shape4 filter_shape, const T* filter, const int32_t* bias,
                       Shape4 output_shape, T* output) {
  const int in_c = input_shape.c, out_c = output_shape.c;
  if (depth_multiplier <= 0 || filter_shape.n != 1 || filter_shape.c != out_c ||
      out_c != in_c * depth_multiplier || input_shape.n != output_shape.n) {
    throw InputError("depthwise convolution shapes do not match");
  }
  check_multipliers(params, out_c);
  const std::vector<int16_t> x = offset_values(input, input_shape.size(), params.input_offset);
  const std::vector<int16_t> w = offset_values(filter, filter_shape.size(), params.weights_offset);
  convolve(params, input_shape, filter_shape, output_shape, x, bias, output,
           [&](int32_t* acc, const int16_t* xp, int ky, int kx) {
             const int16_t* wp = &w[(int64_t{ky} * filter_shape.w + kx) * out_c];
             if (depth_multiplier == 1) {
               for (int c = 0; c < out_c; ++c) acc[c] += int32_t{wp[c]} * int32_t{xp[c]};
               return;
             }
             for (int ic = 0; ic < in_c; ++ic) {
               for (int m = 0; m < depth_multiplier; ++m) {
                 const int oc = ic * depth_multiplier + m;
                 acc[oc] += int32_t{wp[oc]} * int32_t{xp[ic]};
               }
             }
           });
}

// reference/fully_connected.h and reference/integer_ops/fully_connected.h.
template <class T>
void fully_connected(const ConvParams& params, int batches, int in_depth, const T* input,
                     int out_depth, const T* weights, const int32_t* bias, T* output) {
  check_multipliers(params, out_depth);
  const bool per_channel = params.multipliers.size() > 1;
  const std::vector<int16_t> x = offset_values(input, int64_t{batches} * in_depth, params.input_offset);
  const std::vector<int16_t> w = offset_values(weights, int64_t{out_depth} * in_depth, params.weights_offset);
  for (int b = 0; b < batches; ++b) {
    for (int o = 0; o < out_depth; ++o) {
      int32_t acc = dot(&w[int64_t{o} * in_depth], &x[int64_t{b} * in_depth], in_depth);
      if (bias != nullptr) acc += bias[o];
      output[int64_t{b} * out_depth + o] =
          requantize<T>(acc, params.multipliers[per_channel ? o : 0], params);
    }
  }
}

// The in-bounds part of one pooling window: TFLite's pools clip the window to the image.
struct PoolWindow {
  int64_t first_pixel;  // index of input pixel (iy0, ix0), possibly out of the image
  int row_stride;       // pixels per input row
  int ky_begin, ky_end, kx_begin, kx_end;

  int tap_count() const { return std::max(0, ky_end - ky_begin) * std::max(0, kx_end - kx_begin); }
  template <class Visit>
  void for_each_pixel(Visit visit) const {
    for (int ky = ky_begin; ky < ky_end; ++ky) {
      for (int kx = kx_begin; kx < kx_end; ++kx) visit(first_pixel + int64_t{ky} * row_stride + kx);
    }
  }
};

// The window walk both pools share: `reduce(window, channel)` gives the pooled value of one
// channel, which is then clamped to the activation range and stored.
template <class T, class Reduce>
void pool(const PoolParams& params, Shape4 input_shape, Shape4 output_shape, T* output,
          Reduce reduce) {
  if (input_shape.n != output_shape.n || input_shape.c != output_shape.c) {
    throw InputError("pool shapes do not match");
  }
  const int channels = input_shape.c;
  for (int b = 0; b < output_shape.n; ++b) {
    for (int oy = 0; oy < output_shape.h; ++oy) {
      const int iy0 = oy * params.stride_h - params.pad_top;
      for (int ox = 0; ox < output_shape.w; ++ox) {
        const int ix0 = ox * params.stride_w - params.pad_left;
        const PoolWindow window{(int64_t{b} * input_shape.h + iy0) * input_shape.w + ix0,
                                input_shape.w,
                                std::max(0, -iy0), std::min(params.filter_h, input_shape.h - iy0),
                                std::max(0, -ix0), std::min(params.filter_w, input_shape.w - ix0)};
        T* out = &output[((int64_t{b} * output_shape.h + oy) * output_shape.w + ox) * channels];
        for (int c = 0; c < channels; ++c) {
          out[c] = static_cast<T>(std::clamp(reduce(window, c), params.range.min, params.range.max));
        }
      }
    }
  }
}

// reference/pooling.h AveragePool (uint8) and reference/integer_ops/pooling.h (int8): only
// in-bounds taps are summed and counted.
template <class T>
void average_pool_2d(const PoolParams& params, Shape4 input_shape, const T* input,
                     Shape4 output_shape, T* output) {
  const int channels = input_shape.c;
  pool(params, input_shape, output_shape, output, [&](const PoolWindow& window, int c) {
    const int count = window.tap_count();
    if (count == 0) throw InputError("an average pool window lies entirely in the padding");
    int32_t acc = 0;
    window.for_each_pixel([&](int64_t pixel) { acc += input[pixel * channels + c]; });
    if constexpr (std::is_same_v<T, uint8_t>) {
      return (acc + count / 2) / count;  // pooling.h: acc ≥ 0
    } else {
      // integer_ops/pooling.h: half away from zero (C++ division truncates).
      return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    }
  });
}

// reference/pooling.h MaxPool and reference/integer_ops/pooling.h MaxPool: the maximum of
// the in-bounds raw values (start: the type's lowest value), clamped.
template <class T>
void max_pool_2d(const PoolParams& params, Shape4 input_shape, const T* input,
                 Shape4 output_shape, T* output) {
  const int channels = input_shape.c;
  pool(params, input_shape, output_shape, output, [&](const PoolWindow& window, int c) {
    int32_t max = std::numeric_limits<T>::lowest();
    window.for_each_pixel([&](int64_t pixel) { max = std::max<int32_t>(max, input[pixel * channels + c]); });
    return max;
  });
}

// tensorflow/lite/kernels/add.cc Prepare (uint8) and micro/kernels/add_common.cc
// CalculateOpDataAdd (int8): the same multipliers.
AddParams prepare_add(float scale1, int32_t zero_point1, float scale2, int32_t zero_point2,
                      float output_scale, int32_t output_zero_point, ActivationRange range) {
  if (!(scale1 > 0.0f) || !(scale2 > 0.0f) || !(output_scale > 0.0f)) {
    throw InputError("ADD needs positive scales");
  }
  AddParams params;
  params.input1_offset = -zero_point1;
  params.input2_offset = -zero_point2;
  params.output_offset = output_zero_point;
  params.left_shift = 20;
  const double twice_max_input_scale = static_cast<double>(2.0f * std::max(scale1, scale2));
  const double real1 = static_cast<double>(scale1) / twice_max_input_scale;
  const double real2 = static_cast<double>(scale2) / twice_max_input_scale;
  const double real_output =
      twice_max_input_scale / (static_cast<double>(1 << params.left_shift) * static_cast<double>(output_scale));
  params.input1_multiplier = quantize_multiplier_smaller_than_one_exp(real1);
  params.input2_multiplier = quantize_multiplier_smaller_than_one_exp(real2);
  params.output_multiplier = quantize_multiplier_smaller_than_one_exp(real_output);
  params.range = range;
  return params;
}

// reference/add.h AddElementwise (uint8) and reference/integer_ops/add.h (int8).
template <class T>
void add(const AddParams& params, int64_t count, const T* input1, const T* input2, T* output) {
  for (int64_t i = 0; i < count; ++i) {
    const int32_t x1 = (params.input1_offset + int32_t{input1[i]}) * (int32_t{1} << params.left_shift);
    const int32_t x2 = (params.input2_offset + int32_t{input2[i]}) * (int32_t{1} << params.left_shift);
    const int32_t v1 = multiply_by_quantized_multiplier_smaller_than_one_exp(x1, params.input1_multiplier);
    const int32_t v2 = multiply_by_quantized_multiplier_smaller_than_one_exp(x2, params.input2_multiplier);
    const int32_t sum = v1 + v2;
    int32_t out = multiply_by_quantized_multiplier_smaller_than_one_exp(sum, params.output_multiplier) +
                  params.output_offset;
    out = std::clamp(out, params.range.min, params.range.max);
    output[i] = static_cast<T>(out);
  }
}

// reference/concatenation.h ConcatenationWithScaling; cppmath.h TfLiteRound = std::round
// (the float overload, roundf). Each float operation is rounded separately (no FMA).
void concatenation_rescale_uint8(const uint8_t* input, int64_t count, float input_scale,
                                 int32_t input_zero_point, float output_scale,
                                 int32_t output_zero_point, uint8_t* output) {
  const float inverse_output_scale = 1.0f / output_scale;
  const float scale = input_scale * inverse_output_scale;
  const float bias = static_cast<float>(-input_zero_point) * scale;
  for (int64_t i = 0; i < count; ++i) {
    const float product = static_cast<float>(input[i]) * scale;
    const float value = product + bias;
    const int32_t rounded = static_cast<int32_t>(std::round(value)) + output_zero_point;
    output[i] = static_cast<uint8_t>(std::clamp(rounded, 0, 255));
  }
}

#define MPVM_QNN_INSTANTIATE(T)                                                                   \
  template void conv_2d<T>(const ConvParams&, Shape4, const T*, Shape4, const T*, const int32_t*, \
                           Shape4, T*);                                                           \
  template void depthwise_conv_2d<T>(const ConvParams&, int, Shape4, const T*, Shape4, const T*,  \
                                     const int32_t*, Shape4, T*);                                 \
  template void fully_connected<T>(const ConvParams&, int, int, const T*, int, const T*,          \
                                   const int32_t*, T*);                                           \
  template void average_pool_2d<T>(const PoolParams&, Shape4, const T*, Shape4, T*);              \
  template void max_pool_2d<T>(const PoolParams&, Shape4, const T*, Shape4, T*);                  \
  template void add<T>(const AddParams&, int64_t, const T*, const T*, T*);
MPVM_QNN_INSTANTIATE(uint8_t)
MPVM_QNN_INSTANTIATE(int8_t)
#undef MPVM_QNN_INSTANTIATE

}  // namespace mpvm::qnn
