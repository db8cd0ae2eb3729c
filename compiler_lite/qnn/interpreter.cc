// ReferenceInterpreter: checks each operator's tensors, prepares the parameters the way
// TFLite's Prepare functions do, and runs the kernels of reference.cc.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/errors.h"
#include "compiler_lite/qnn/reference.h"

namespace mpvm::qnn {
namespace {

int element_size(ElementType type) {
  switch (type) {
    case ElementType::uint8:
    case ElementType::int8: return 1;
    case ElementType::int16: return 2;
    case ElementType::int32:
    case ElementType::float32: return 4;
    case ElementType::int64: return 8;
  }
  return 1;
}

bool is_8bit(ElementType type) { return type == ElementType::uint8 || type == ElementType::int8; }

std::string shape_text(const std::vector<int32_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

std::string describe(const Tensor& t, int index) {
  return fmt::format("tensor {} '{}' {}", index, t.name, shape_text(t.shape));
}

Shape4 shape4(const Tensor& t, int index) {
  if (t.shape.size() != 4) throw InputError(fmt::format("{} is not 4-dimensional", describe(t, index)));
  return {t.shape[0], t.shape[1], t.shape[2], t.shape[3]};
}

float scale_of(const Tensor& t, int index) {
  if (t.quantization.scales.size() != 1 || !(t.quantization.scales[0] > 0.0f)) {
    throw InputError(fmt::format("{} has no single positive scale", describe(t, index)));
  }
  return t.quantization.scales[0];
}

// The per-tensor zero point (0 if none is given), checked to lie in the type's range.
int32_t zero_point_of(const Tensor& t, int index) {
  const auto& zps = t.quantization.zero_points;
  if (zps.size() > 1 && std::any_of(zps.begin(), zps.end(), [&](int64_t z) { return z != zps[0]; })) {
    throw InputError(fmt::format("{} has per-channel zero points", describe(t, index)));
  }
  const int64_t zp = zps.empty() ? 0 : zps[0];
  if (is_8bit(t.type)) {
    const ActivationRange r = type_range(t.type);
    if (zp < r.min || zp > r.max) {
      throw InputError(fmt::format("{} has zero point {} outside its type", describe(t, index), zp));
    }
  }
  return static_cast<int32_t>(zp);
}

QuantizedMultiplier checked_multiplier(double real) {
  if (!(real >= 0.0) || !std::isfinite(real)) throw InputError(fmt::format("bad real multiplier {}", real));
  const QuantizedMultiplier m = quantize_multiplier(real);
  if (m.shift > 30) throw InputError(fmt::format("real multiplier {} is too large", real));
  return m;
}

template <class T>
const T* as(const std::vector<uint8_t>& bytes) {
  return reinterpret_cast<const T*>(bytes.data());
}
template <class T>
T* as(std::vector<uint8_t>& bytes) {
  return reinterpret_cast<T*>(bytes.data());
}

}  // namespace

ReferenceInterpreter::ReferenceInterpreter(const Model& model)
    : model_(model), values_(model.tensors.size()), computed_(model.tensors.size(), false) {}

const Tensor& ReferenceInterpreter::tensor(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= model_.tensors.size()) {
    throw InputError(fmt::format("tensor index {} out of range", index));
  }
  return model_.tensors[index];
}

const std::vector<uint8_t>& ReferenceInterpreter::tensor_bytes(int index) const {
  const Tensor& t = tensor(index);
  if (t.is_constant()) return t.data;
  if (!computed_[index]) throw InputError(fmt::format("{} is read before it is computed", describe(t, index)));
  return values_[index];
}

std::vector<uint8_t>& ReferenceInterpreter::output_buffer(int index) {
  const Tensor& t = tensor(index);
  if (t.is_constant()) throw InputError(fmt::format("{} is constant but written", describe(t, index)));
  for (int32_t d : t.shape) {
    if (d < 0) throw InputError(fmt::format("{} has a negative dimension", describe(t, index)));
  }
  values_[index].assign(static_cast<size_t>(t.element_count() * element_size(t.type)), 0);
  computed_[index] = true;
  return values_[index];
}

std::vector<std::vector<uint8_t>> ReferenceInterpreter::output_bytes() const {
  std::vector<std::vector<uint8_t>> result;
  for (int index : model_.outputs) result.push_back(tensor_bytes(index));
  return result;
}

void ReferenceInterpreter::run(const std::vector<uint8_t>& input_tensor_bytes) {
  if (model_.inputs.size() != 1) {
    throw InputError(fmt::format("the reference runs models with one input, not {}", model_.inputs.size()));
  }
  std::fill(computed_.begin(), computed_.end(), false);
  const int input = model_.inputs[0];
  const Tensor& t = tensor(input);
  const auto expected = static_cast<size_t>(t.element_count() * element_size(t.type));
  if (input_tensor_bytes.size() != expected) {
    throw InputError(fmt::format("input {} needs {} bytes, got {}", describe(t, input), expected,
                                 input_tensor_bytes.size()));
  }
  values_[input] = input_tensor_bytes;
  computed_[input] = true;
  for (const Operator& op : model_.operators) {
    try {
      run_operator(op);
    } catch (...) {
      rethrow_with_context(fmt::format("operator {} ({})", op.index, name_of(op.kind)));
    }
  }
}

void ReferenceInterpreter::run_operator(const Operator& op) {
  const auto require_inputs = [&](size_t min, size_t max) {
    if (op.inputs.size() < min || op.inputs.size() > max || op.outputs.size() != 1) {
      throw InputError(fmt::format("has {} inputs and {} outputs", op.inputs.size(), op.outputs.size()));
    }
    for (size_t i = 0; i < min; ++i) {
      if (op.inputs[i] < 0) throw InputError(fmt::format("input {} is missing", i));
    }
  };
  const auto require_same_8bit = [&](std::initializer_list<int> indices) {
    const ElementType type = tensor(*indices.begin()).type;
    for (int index : indices) {
      const Tensor& t = tensor(index);
      if (!is_8bit(t.type)) throw InputError(fmt::format("{} has unsupported type {}", describe(t, index), name_of(t.type)));
      if (t.type != type) {
        throw InputError(fmt::format("{} is {}, expected {}", describe(t, index), name_of(t.type), name_of(type)));
      }
    }
    return type;
  };
  const int out_index = op.outputs.empty() ? -1 : op.outputs[0];

  switch (op.kind) {
    case OperatorKind::conv_2d:
    case OperatorKind::depthwise_conv_2d:
    case OperatorKind::fully_connected: {
      require_inputs(2, 3);
      const bool depthwise = op.kind == OperatorKind::depthwise_conv_2d;
      const bool fc = op.kind == OperatorKind::fully_connected;
      const int in_index = op.inputs[0], w_index = op.inputs[1];
      const int bias_index = op.inputs.size() > 2 ? op.inputs[2] : -1;
      const ElementType type = require_same_8bit({in_index, w_index, out_index});
      const Tensor& in = tensor(in_index);
      const Tensor& weights = tensor(w_index);
      const Tensor& out = tensor(out_index);

      int out_channels;
      if (fc) {
        if (weights.shape.size() != 2) throw InputError(fmt::format("weights {} are not 2-dimensional", describe(weights, w_index)));
        out_channels = weights.shape[0];
      } else {
        shape4(weights, w_index);  // checks the rank
        out_channels = weights.shape[depthwise ? 3 : 0];
      }

      ConvParams params;
      const float s_in = scale_of(in, in_index), s_out = scale_of(out, out_index);
      params.input_offset = -zero_point_of(in, in_index);
      params.output_offset = zero_point_of(out, out_index);
      params.range = activation_range(op.activation, type, s_out, params.output_offset);

      // Weights: uint8 per-tensor with any zero point; int8 symmetric, per-tensor or per-channel.
      const auto& w_scales = weights.quantization.scales;
      const bool per_channel = weights.quantization.per_channel();
      if (w_scales.empty()) throw InputError(fmt::format("{} has no scale", describe(weights, w_index)));
      for (float s : w_scales) {
        if (!(s > 0.0f)) throw InputError(fmt::format("{} has a non-positive scale", describe(weights, w_index)));
      }
      if (per_channel) {
        if (type != ElementType::int8) throw InputError("per-channel weights need int8");
        const int expected_dim = fc ? 0 : (depthwise ? 3 : 0);
        if (weights.quantization.quantized_dimension != expected_dim ||
            w_scales.size() != static_cast<size_t>(out_channels)) {
          throw InputError(fmt::format("{} has {} scales along dimension {}", describe(weights, w_index),
                                       w_scales.size(), weights.quantization.quantized_dimension));
        }
      }
      const auto& w_zps = weights.quantization.zero_points;
      if (per_channel || type == ElementType::int8) {
        for (int64_t zp : w_zps) {
          // The int8 conv kernels have no weights offset; FC's does, but int8 weights are symmetric.
          if (zp != 0 && (!fc || per_channel)) throw InputError(fmt::format("int8 weights {} have zero point {}", describe(weights, w_index), zp));
        }
      }
      params.weights_offset = per_channel ? 0 : -zero_point_of(weights, w_index);

      // The effective multiplier (kernel_util.cc): per-tensor float product for uint8 and for
      // per-tensor FULLY_CONNECTED (fully_connected_common.cc); double per channel for int8 convs.
      const bool float_product = type == ElementType::uint8 || (fc && !per_channel);
      if (float_product && bias_index >= 0) {
        // GetQuantizedConvolutionMultipler's check: |s_in·s_w − s_bias| / s_out ≤ 0.02.
        const Tensor& bias = tensor(bias_index);
        if (bias.quantization.scales.size() == 1) {
          const double product = static_cast<double>(s_in * w_scales[0]);
          const double diff = std::abs(product - static_cast<double>(bias.quantization.scales[0]));
          if (diff / static_cast<double>(s_out) > 0.02) {
            throw InputError(fmt::format("bias scale {} does not match input·weight scale {}",
                                         bias.quantization.scales[0], product));
          }
        }
      }
      for (float s_w : w_scales) {
        const double real = float_product ? per_tensor_conv_multiplier(s_in, s_w, s_out)
                                          : per_channel_conv_multiplier(s_in, s_w, s_out);
        params.multipliers.push_back(checked_multiplier(real));
      }

      std::vector<int32_t> bias_values;
      if (bias_index >= 0) {
        const Tensor& bias = tensor(bias_index);
        if (bias.type != ElementType::int32 || bias.element_count() != out_channels) {
          throw InputError(fmt::format("bias {} must be INT32 with {} elements", describe(bias, bias_index), out_channels));
        }
        const auto& bytes = tensor_bytes(bias_index);
        bias_values.resize(out_channels);
        std::memcpy(bias_values.data(), bytes.data(), bias_values.size() * sizeof(int32_t));
      }
      const int32_t* bias_ptr = bias_index >= 0 ? bias_values.data() : nullptr;
      const auto& x = tensor_bytes(in_index);
      const auto& w = tensor_bytes(w_index);

      if (fc) {
        const int in_depth = weights.shape[1];
        if (in_depth <= 0 || in.element_count() % in_depth != 0) {
          throw InputError(fmt::format("input {} does not divide into rows of {}", describe(in, in_index), in_depth));
        }
        const int batches = static_cast<int>(in.element_count() / in_depth);
        if (out.element_count() != int64_t{batches} * out_channels) {
          throw InputError(fmt::format("output {} should have {}×{} elements", describe(out, out_index), batches, out_channels));
        }
        auto& y = output_buffer(out_index);
        if (type == ElementType::uint8) {
          fully_connected(params, batches, in_depth, as<uint8_t>(x), out_channels, as<uint8_t>(w), bias_ptr, as<uint8_t>(y));
        } else {
          fully_connected(params, batches, in_depth, as<int8_t>(x), out_channels, as<int8_t>(w), bias_ptr, as<int8_t>(y));
        }
        return;
      }

      const Shape4 in_shape = shape4(in, in_index), w_shape = shape4(weights, w_index);
      const Shape4 out_shape = shape4(out, out_index);
      params.stride_h = op.stride_h;
      params.stride_w = op.stride_w;
      params.dilation_h = op.dilation_h;
      params.dilation_w = op.dilation_w;
      const PaddedSize ph = compute_padding(op.padding, in_shape.h, w_shape.h, op.stride_h, op.dilation_h);
      const PaddedSize pw = compute_padding(op.padding, in_shape.w, w_shape.w, op.stride_w, op.dilation_w);
      params.pad_top = ph.before;
      params.pad_left = pw.before;
      const Shape4 expected{in_shape.n, ph.output, pw.output, out_channels};
      if (!(out_shape == expected)) {
        throw InputError(fmt::format("output {} should be [{},{},{},{}]", describe(out, out_index), expected.n,
                                     expected.h, expected.w, expected.c));
      }
      auto& y = output_buffer(out_index);
      if (depthwise) {
        if (in_shape.c <= 0 || out_channels % in_shape.c != 0) {
          throw InputError(fmt::format("{} output channels are not a multiple of {} input channels", out_channels, in_shape.c));
        }
        const int depth_multiplier = out_channels / in_shape.c;
        if (op.depth_multiplier > 0 && op.depth_multiplier != depth_multiplier) {
          throw InputError(fmt::format("depth_multiplier {} does not match the shapes ({})", op.depth_multiplier, depth_multiplier));
        }
        if (type == ElementType::uint8) {
          depthwise_conv_2d(params, depth_multiplier, in_shape, as<uint8_t>(x), w_shape, as<uint8_t>(w), bias_ptr, out_shape, as<uint8_t>(y));
        } else {
          depthwise_conv_2d(params, depth_multiplier, in_shape, as<int8_t>(x), w_shape, as<int8_t>(w), bias_ptr, out_shape, as<int8_t>(y));
        }
      } else {
        if (type == ElementType::uint8) {
          conv_2d(params, in_shape, as<uint8_t>(x), w_shape, as<uint8_t>(w), bias_ptr, out_shape, as<uint8_t>(y));
        } else {
          conv_2d(params, in_shape, as<int8_t>(x), w_shape, as<int8_t>(w), bias_ptr, out_shape, as<int8_t>(y));
        }
      }
      return;
    }

    case OperatorKind::average_pool_2d:
    case OperatorKind::max_pool_2d: {
      require_inputs(1, 1);
      const int in_index = op.inputs[0];
      const ElementType type = require_same_8bit({in_index, out_index});
      const Tensor& in = tensor(in_index);
      const Tensor& out = tensor(out_index);
      const float s_in = scale_of(in, in_index), s_out = scale_of(out, out_index);
      const int32_t zp_in = zero_point_of(in, in_index), zp_out = zero_point_of(out, out_index);
      // pooling_common.cc: the pools do not requantize.
      if (std::abs(s_in - s_out) > 1e-6f || zp_in != zp_out) {
        throw InputError(fmt::format("input and output quantization differ ({}, {} vs {}, {})", s_in, zp_in, s_out, zp_out));
      }
      const Shape4 in_shape = shape4(in, in_index), out_shape = shape4(out, out_index);
      PoolParams params;
      params.stride_h = op.stride_h;
      params.stride_w = op.stride_w;
      params.filter_h = op.filter_h;
      params.filter_w = op.filter_w;
      const PaddedSize ph = compute_padding(op.padding, in_shape.h, op.filter_h, op.stride_h, 1);
      const PaddedSize pw = compute_padding(op.padding, in_shape.w, op.filter_w, op.stride_w, 1);
      params.pad_top = ph.before;
      params.pad_left = pw.before;
      params.range = activation_range(op.activation, type, s_out, zp_out);
      const Shape4 expected{in_shape.n, ph.output, pw.output, in_shape.c};
      if (!(out_shape == expected)) {
        throw InputError(fmt::format("output {} should be [{},{},{},{}]", describe(out, out_index), expected.n,
                                     expected.h, expected.w, expected.c));
      }
      const auto& x = tensor_bytes(in_index);
      auto& y = output_buffer(out_index);
      const bool average = op.kind == OperatorKind::average_pool_2d;
      if (type == ElementType::uint8) {
        if (average) average_pool_2d(params, in_shape, as<uint8_t>(x), out_shape, as<uint8_t>(y));
        else max_pool_2d(params, in_shape, as<uint8_t>(x), out_shape, as<uint8_t>(y));
      } else {
        if (average) average_pool_2d(params, in_shape, as<int8_t>(x), out_shape, as<int8_t>(y));
        else max_pool_2d(params, in_shape, as<int8_t>(x), out_shape, as<int8_t>(y));
      }
      return;
    }

    case OperatorKind::add: {
      require_inputs(2, 2);
      const int a_index = op.inputs[0], b_index = op.inputs[1];
      const ElementType type = require_same_8bit({a_index, b_index, out_index});
      const Tensor& a = tensor(a_index);
      const Tensor& b = tensor(b_index);
      const Tensor& out = tensor(out_index);
      if (a.shape != b.shape || a.shape != out.shape) {
        throw InputError(fmt::format("broadcasting is not supported: {} + {} -> {}", shape_text(a.shape),
                                     shape_text(b.shape), shape_text(out.shape)));
      }
      const float s_out = scale_of(out, out_index);
      const int32_t zp_out = zero_point_of(out, out_index);
      const AddParams params = prepare_add(scale_of(a, a_index), zero_point_of(a, a_index), scale_of(b, b_index),
                                           zero_point_of(b, b_index), s_out, zp_out,
                                           activation_range(op.activation, type, s_out, zp_out));
      const auto& x1 = tensor_bytes(a_index);
      const auto& x2 = tensor_bytes(b_index);
      auto& y = output_buffer(out_index);
      if (type == ElementType::uint8) {
        add(params, out.element_count(), as<uint8_t>(x1), as<uint8_t>(x2), as<uint8_t>(y));
      } else {
        add(params, out.element_count(), as<int8_t>(x1), as<int8_t>(x2), as<int8_t>(y));
      }
      return;
    }

    case OperatorKind::reshape:
    case OperatorKind::squeeze:
    case OperatorKind::softmax: {
      // RESHAPE/SQUEEZE: a byte copy. SOFTMAX: deliberately not evaluated; the logits pass
      // through unchanged (their argmax is the label).
      require_inputs(1, 2);
      const int in_index = op.inputs[0];
      const Tensor& in = tensor(in_index);
      const Tensor& out = tensor(out_index);
      if (in.element_count() != out.element_count()) {
        throw InputError(fmt::format("{} and {} differ in size", describe(in, in_index), describe(out, out_index)));
      }
      if (op.kind == OperatorKind::softmax) {
        if (!is_8bit(in.type)) throw InputError(fmt::format("{} is not 8-bit", describe(in, in_index)));
        if (op.inputs.size() != 1) throw InputError("has 2 inputs");
      } else if (in.type != out.type) {
        throw InputError(fmt::format("{} is {} but {} is {}", describe(in, in_index), name_of(in.type),
                                     describe(out, out_index), name_of(out.type)));
      }
      const std::vector<uint8_t> copy = tensor_bytes(in_index);  // input may alias output
      auto& y = output_buffer(out_index);
      y = copy;
      return;
    }

    case OperatorKind::concatenation: {
      if (op.inputs.empty() || op.outputs.size() != 1) throw InputError("needs inputs and one output");
      if (op.activation != Activation::none) throw InputError("a fused activation is not supported");
      const Tensor& out = tensor(out_index);
      const int rank = static_cast<int>(out.shape.size());
      const int axis = op.axis < 0 ? op.axis + rank : op.axis;
      if (axis < 0 || axis >= rank) throw InputError(fmt::format("axis {} out of range for rank {}", op.axis, rank));
      const bool is_uint8 = out.type == ElementType::uint8;
      if (!is_8bit(out.type)) throw InputError(fmt::format("unsupported type {}", name_of(out.type)));
      const float s_out = scale_of(out, out_index);
      const int32_t zp_out = zero_point_of(out, out_index);
      int64_t outer = 1, inner = 1;
      for (int d = 0; d < axis; ++d) outer *= out.shape[d];
      for (int d = axis + 1; d < rank; ++d) inner *= out.shape[d];
      int64_t axis_total = 0;
      for (int index : op.inputs) {
        const Tensor& in = tensor(index);
        if (in.type != out.type) throw InputError(fmt::format("{} is {}", describe(in, index), name_of(in.type)));
        bool shape_ok = static_cast<int>(in.shape.size()) == rank;
        for (int d = 0; shape_ok && d < rank; ++d) shape_ok = d == axis || in.shape[d] == out.shape[d];
        if (!shape_ok) throw InputError(fmt::format("{} does not fit output {}", describe(in, index), shape_text(out.shape)));
        axis_total += in.shape[axis];
        // concatenation.cc Prepare: int8 inputs must share the output's quantization.
        if (!is_uint8 && (scale_of(in, index) != s_out || zero_point_of(in, index) != zp_out)) {
          throw InputError(fmt::format("int8 {} has other quantization than the output", describe(in, index)));
        }
      }
      if (axis_total != out.shape[axis]) throw InputError("input sizes along the axis do not add up");
      std::vector<std::vector<uint8_t>> blocks;  // each input, rescaled if needed
      for (int index : op.inputs) {
        const Tensor& in = tensor(index);
        const auto& bytes = tensor_bytes(index);
        if (!is_uint8 || (scale_of(in, index) == s_out && zero_point_of(in, index) == zp_out)) {
          blocks.push_back(bytes);
        } else {
          std::vector<uint8_t> scaled(bytes.size());
          concatenation_rescale_uint8(bytes.data(), static_cast<int64_t>(bytes.size()), scale_of(in, index),
                                      zero_point_of(in, index), s_out, zp_out, scaled.data());
          blocks.push_back(std::move(scaled));
        }
      }
      auto& y = output_buffer(out_index);
      size_t pos = 0;
      for (int64_t o = 0; o < outer; ++o) {
        for (size_t i = 0; i < op.inputs.size(); ++i) {
          const size_t block = static_cast<size_t>(tensor(op.inputs[i]).shape[axis] * inner);
          std::memcpy(&y[pos], &blocks[i][o * block], block);
          pos += block;
        }
      }
      return;
    }

    case OperatorKind::pad: {
      require_inputs(2, 2);
      const int in_index = op.inputs[0], pad_index = op.inputs[1];
      const ElementType type = require_same_8bit({in_index, out_index});
      const Tensor& in = tensor(in_index);
      const Tensor& paddings = tensor(pad_index);
      const Tensor& out = tensor(out_index);
      const int rank = static_cast<int>(in.shape.size());
      if (paddings.element_count() != 2 * rank ||
          (paddings.type != ElementType::int32 && paddings.type != ElementType::int64)) {
        throw InputError(fmt::format("paddings {} must be INT32/INT64 [{},2]", describe(paddings, pad_index), rank));
      }
      const auto& pad_bytes = tensor_bytes(pad_index);
      std::vector<int64_t> before(rank), after(rank);
      for (int d = 0; d < rank; ++d) {
        for (int k = 0; k < 2; ++k) {
          int64_t v;
          if (paddings.type == ElementType::int32) {
            int32_t v32;
            std::memcpy(&v32, &pad_bytes[(2 * d + k) * 4], 4);
            v = v32;
          } else {
            std::memcpy(&v, &pad_bytes[(2 * d + k) * 8], 8);
          }
          if (v < 0) throw InputError("negative padding");
          (k == 0 ? before : after)[d] = v;
        }
      }
      bool shape_ok = static_cast<int>(out.shape.size()) == rank;
      for (int d = 0; shape_ok && d < rank; ++d) shape_ok = out.shape[d] == in.shape[d] + before[d] + after[d];
      if (!shape_ok) throw InputError(fmt::format("output {} does not match the padded input", describe(out, out_index)));
      // pad.h / pad_common.cc: the pad value of a quantized PAD is the output zero point.
      const int32_t pad_value = zero_point_of(out, out_index);
      (void)type;
      const auto& x = tensor_bytes(in_index);
      auto& y = output_buffer(out_index);
      std::fill(y.begin(), y.end(), static_cast<uint8_t>(pad_value));
      if (in.element_count() == 0) return;
      // Copy each innermost row of the input to its place in the output.
      const int64_t row = rank == 0 ? 1 : in.shape[rank - 1];
      const int64_t rows = in.element_count() / row;
      std::vector<int64_t> index(rank, 0);
      for (int64_t r = 0; r < rows; ++r) {
        int64_t offset = 0;
        for (int d = 0; d < rank; ++d) offset = offset * out.shape[d] + index[d] + before[d];
        std::memcpy(&y[offset], &x[r * row], row);
        for (int d = rank - 2; d >= 0; --d) {  // next row index (odometer over all but the last dim)
          if (++index[d] < in.shape[d]) break;
          index[d] = 0;
        }
      }
      return;
    }
  }
  throw InputError("unsupported operator");
}

std::vector<std::vector<uint8_t>> run_reference(const Model& model,
                                                const std::vector<uint8_t>& input_tensor_bytes) {
  ReferenceInterpreter interpreter(model);
  interpreter.run(input_tensor_bytes);
  return interpreter.output_bytes();
}

int argmax_label(const Model& model, const std::vector<std::vector<uint8_t>>& outputs) {
  if (model.outputs.empty() || outputs.empty()) throw InputError("the model has no output");
  const int output = model.outputs[0];
  if (output < 0 || static_cast<size_t>(output) >= model.tensors.size()) throw InputError("bad output tensor index");
  ElementType type = model.tensors[output].type;
  for (const Operator& op : model.operators) {  // the last producer of the output decides
    if (std::find(op.outputs.begin(), op.outputs.end(), output) == op.outputs.end()) continue;
    if (op.kind == OperatorKind::softmax && !op.inputs.empty() && op.inputs[0] >= 0 &&
        static_cast<size_t>(op.inputs[0]) < model.tensors.size()) {
      type = model.tensors[op.inputs[0]].type;
    } else {
      type = model.tensors[output].type;
    }
  }
  const std::vector<uint8_t>& bytes = outputs[0];
  if (bytes.empty()) throw InputError("the output is empty");
  if (!is_8bit(type)) throw InputError(fmt::format("logits of type {} are not supported", name_of(type)));
  int best = 0;
  for (size_t i = 1; i < bytes.size(); ++i) {  // strict >: the first maximum wins
    const int value = type == ElementType::int8 ? int{static_cast<int8_t>(bytes[i])} : int{bytes[i]};
    const int current = type == ElementType::int8 ? int{static_cast<int8_t>(bytes[best])} : int{bytes[best]};
    if (value > current) best = static_cast<int>(i);
  }
  return best;
}

}  // namespace mpvm::qnn
