#include "compiler_lite/qnn/compiler.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "base/errors.h"
#include "compiler_lite/qnn/quantization.h"
#include "compiler_lite/qnn/reference.h"

namespace mpvm::qnn {
namespace {


// The smallest k such that floor(n * m / 2^k) == floor(n / d) for every 0 <= n <= limit,
// with m = ceil(2^k / d): exact division by a public d with one multiplication and one
// exact truncation (Granlund-Montgomery, PLDI 1994, §4). Checked here by brute force.
std::pair<int64_t, int> exact_reciprocal(int64_t d, int64_t limit, int min_k = 1) {
  for (int k = min_k; k < 48; ++k) {
    const int64_t m = ((int64_t{1} << k) + d - 1) / d;
    bool exact = true;
    for (int64_t n = 0; n <= limit && exact; ++n) exact = (n * m) >> k == n / d;
    if (exact) return {m, k};
  }
  throw InputError(fmt::format("no exact reciprocal for division by {}", d));
}

class Compiler {
 public:
  Compiler(const Model& model, const CompileOptions& options) : model_(model), options_(options) {}

  CompiledModel run() {
    check_supported();
    plan_registers();
    emit("# {} compiled by mpvm: weights and biases are party 0's input, the image party 1's.", model_.name);
    emit("# Registers: s0.. the working tensor, s{}.. requantization scratch, s{}.. weights.", scratch_, weights_);
    emit(".include \"lib/tflite.s\"");
    emit("");
    // All of party 0's weights and biases come in one `input` (one round), into s-memory
    // from address 0; each layer then loads its part.
    int64_t owner_total = 0;
    for (const Operator& op : model_.operators)
      if (op.kind == OperatorKind::conv_2d || op.kind == OperatorKind::depthwise_conv_2d || op.kind == OperatorKind::fully_connected)
        for (std::size_t i = 1; i < op.inputs.size(); ++i)
          if (op.inputs[i] >= 0) owner_total += tensor(op.inputs[i]).element_count();
    owner_region_ = allocate(-1, owner_total);
    emit("# the model owner's weights and biases, {} values, in one round", owner_total);
    emit("    input:{} s{}, 0", owner_total, weights_);
    emit("    stms:{} s{}, {}", owner_total, weights_, owner_region_);
    const Tensor& input = model_.tensors[static_cast<std::size_t>(model_.inputs[0])];
    out_.client_input_count = input.element_count();
    const int64_t in_addr = allocate(model_.inputs[0]);
    emit("# the client's image, {} values", input.element_count());
    emit("    input:{} s0, 1", input.element_count());
    emit("    stms:{} s0, {}", input.element_count(), in_addr);
    for (const Operator& op : model_.operators) compile(op);
    return std::move(out_);
  }

 private:
  template <class... Args>
  void emit(fmt::format_string<Args...> format, Args&&... args) {
    out_.assembly += fmt::format(format, std::forward<Args>(args)...) + "\n";
  }

  const Tensor& tensor(int index) const { return model_.tensors.at(static_cast<std::size_t>(index)); }
  [[noreturn]] void unsupported(const Operator& op, const std::string& what) const {
    throw InputError(fmt::format("{}: operator {} ({}): {} (not supported by the secure compiler yet)", model_.name,
                                 op.index, name_of(op.kind), what));
  }

  void check_supported() {
    if (model_.inputs.size() != 1) throw InputError(fmt::format("{}: one input tensor expected", model_.name));
    for (const Operator& op : model_.operators) {
      switch (op.kind) {
        case OperatorKind::conv_2d:
        case OperatorKind::depthwise_conv_2d:
        case OperatorKind::fully_connected:
          if (tensor(op.inputs[1]).type == ElementType::uint8 && tensor(op.inputs[1]).quantization.per_channel())
            unsupported(op, "per-channel uint8 weights");
          break;
        case OperatorKind::add:
          if (tensor(op.inputs[0]).type != ElementType::uint8) unsupported(op, "int8 ADD");
          if (tensor(op.inputs[0]).shape != tensor(op.inputs[1]).shape) unsupported(op, "broadcasting ADD");
          break;
        case OperatorKind::average_pool_2d:
        case OperatorKind::reshape:
        case OperatorKind::squeeze:
        case OperatorKind::softmax: break;
        default: unsupported(op, "this operator");
      }
    }
    if (model_.operators.empty() || model_.operators.back().kind != OperatorKind::softmax)
      throw InputError(fmt::format("{}: the secure compiler expects a classifier ending in SOFTMAX", model_.name));
  }

  // Registers: s0.. the working tensor (the largest activation), then 10x that of
  // requantization scratch, which also stages weights and biases before a layer uses it
  // (the owner's whole input passes through it once, at the start).
  void plan_registers() {
    int64_t largest = 1;
    for (const Tensor& t : model_.tensors)
      if (!t.is_constant()) largest = std::max(largest, t.element_count());
    scratch_ = largest;
    weights_ = largest;  // weights pass through before a layer's scratch is needed
    largest_ = largest;
  }

  int64_t allocate(int tensor_index, int64_t cells = -1) {
    const int64_t size = cells >= 0 ? cells : tensor(tensor_index).element_count();
    const int64_t address = next_address_;
    next_address_ += size;
    if (tensor_index >= 0) address_[tensor_index] = address;
    return address;
  }
  int64_t address_of(int tensor_index) const { return address_.at(tensor_index); }

  // Party 0's constant tensor, as integers, in `order` (an index permutation; empty: as
  // is), appended to the owner's input; returns its s-memory address.
  int64_t owner_values(const Tensor& t, const std::vector<int64_t>& order = {}) {
    const int64_t address = owner_region_ + static_cast<int64_t>(out_.owner_inputs.size());
    const int64_t n = t.element_count();
    auto value = [&](int64_t k) -> int64_t {
      switch (t.type) {
        case ElementType::uint8: return t.data[static_cast<std::size_t>(k)];
        case ElementType::int8: return static_cast<int8_t>(t.data[static_cast<std::size_t>(k)]);
        case ElementType::int32: {
          int32_t v;
          std::memcpy(&v, t.data.data() + 4 * k, 4);
          return v;
        }
        default: throw InputError(fmt::format("{}: tensor '{}' has an unsupported constant type", model_.name, t.name));
      }
    };
    for (int64_t k = 0; k < n; ++k) out_.owner_inputs.push_back(value(order.empty() ? k : order[static_cast<std::size_t>(k)]));
    return address;
  }

  // Loads party 0's weights, centres them on their zero point, stores them at `address`.
  void input_weights(const Tensor& w, int64_t address, const std::vector<int64_t>& order = {}) {
    const int64_t n = w.element_count();
    emit("    ldms:{} s{}, {}", n, weights_, owner_values(w, order));
    emit("    addsi:{} s{}, s{}, {}", n, weights_, weights_, -w.quantization.zero_points.at(0));
    emit("    stms:{} s{}, {}", n, weights_, address);
  }

  // Each operator runs under VM timer `index` (timers go to 99), so a run reports time,
  // bytes and rounds per layer.
  void compile(const Operator& op) {
    const bool timed = op.index <= 99 && op.kind != OperatorKind::reshape && op.kind != OperatorKind::squeeze;
    if (timed) emit("    starttimer {}", op.index);
    compile_operator(op);
    if (timed) emit("    stoptimer {}", op.index);
  }

  void compile_operator(const Operator& op) {
    switch (op.kind) {
      case OperatorKind::conv_2d:
      case OperatorKind::depthwise_conv_2d:
      case OperatorKind::fully_connected: return compile_linear(op);
      case OperatorKind::average_pool_2d: return compile_average_pool(op);
      case OperatorKind::add: return compile_add(op);
      case OperatorKind::reshape:
      case OperatorKind::squeeze:
        address_[op.outputs[0]] = address_of(op.inputs[0]);  // the same cells, another shape
        out_.layers.push_back(fmt::format("{} {}", op.index, name_of(op.kind)));
        return;
      case OperatorKind::softmax: return compile_argmax(op);
      default: unsupported(op, "this operator");
    }
  }

  void compile_linear(const Operator& op) {
    const Tensor& in = tensor(op.inputs[0]);
    const Tensor& w = tensor(op.inputs[1]);
    const Tensor& out = tensor(op.outputs[0]);
    const int64_t n_in = in.element_count(), n_out = out.element_count();
    const int64_t center = allocate(-1, n_in), weights = allocate(-1, w.element_count());
    const int64_t accumulators = allocate(-1, n_out), out_addr = allocate(op.outputs[0]);
    const int64_t in_zero = in.quantization.zero_points.at(0);
    emit("");
    emit("# ---- operator {}: {} -> [{}] ----", op.index, name_of(op.kind), fmt::join(out.shape, ","));
    out_.layers.push_back(fmt::format("{} {} -> [{}]", op.index, name_of(op.kind), fmt::join(out.shape, ",")));
    emit("    ldms:{} s0, {}", n_in, address_of(op.inputs[0]));
    emit("    addsi:{} s0, s0, {}", n_in, -in_zero);
    emit("    stms:{} s0, {}", n_in, center);
    int64_t channels = 0;
    if (op.kind == OperatorKind::fully_connected) {
      // out[1 x units] = x[1 x inner] * W^T: as matmuls of W[units x inner] by x[inner x 1].
      const int64_t units = w.shape.at(0), inner = w.shape.at(1);
      input_weights(w, weights);
      emit("    matmuls {}, {}, {}, {}, {}, 1", accumulators, weights, center, units, inner);
      channels = units;
    } else {
      const int in_h = in.shape[1], in_w = in.shape[2], in_c = in.shape[3];
      const int out_h = out.shape[1], out_w = out.shape[2], out_c = out.shape[3];
      const int k_h = w.shape[1], k_w = w.shape[2];
      const PaddedSize pad_y = compute_padding(op.padding, in_h, k_h, op.stride_h, op.dilation_h);
      const PaddedSize pad_x = compute_padding(op.padding, in_w, k_w, op.stride_w, op.dilation_w);
      int groups = 1;
      std::vector<int64_t> order;
      if (op.kind == OperatorKind::depthwise_conv_2d) {
        // TFLite's depthwise filter [1, kh, kw, in_c * m] is our grouped OHWI filter
        // [out_c][kh][kw][1] with groups = in_c: filter (ky, kx, oc) moves to oc*kh*kw + ky*kw + kx.
        groups = in_c;
        order.resize(static_cast<std::size_t>(w.element_count()));
        for (int oc = 0; oc < out_c; ++oc)
          for (int ky = 0; ky < k_h; ++ky)
            for (int kx = 0; kx < k_w; ++kx)
              order[static_cast<std::size_t>((oc * k_h + ky) * k_w + kx)] = (int64_t{ky} * k_w + kx) * out_c + oc;
      }
      input_weights(w, weights, order);
      emit("    conv2ds {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}", accumulators, center, weights,
           in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, op.stride_h, op.stride_w, pad_y.before, pad_x.before,
           op.dilation_h, op.dilation_w, groups);
      channels = out_c;
    }
    // Bias: one per output channel, repeated over the positions (a loop of stores).
    emit("    ldms:{} s0, {}", n_out, accumulators);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const Tensor& bias = tensor(op.inputs[2]);
      const int64_t broadcast = allocate(-1, n_out);
      emit("    ldms:{} s{}, {}", channels, weights_, owner_values(bias));
      emit("    ldint i0, 0");
      emit("    ldint i1, {}", broadcast);
      emit("    ldint i2, {}", channels);
      emit("    ldint i3, 1");
      emit("    ldint i4, {}", n_out / channels);
      emit("bias_{}:", op.index);
      emit("    stmsi:{} s{}, i1", channels, weights_);
      emit("    addint i1, i1, i2");
      emit("    addint i0, i0, i3");
      emit("    ltint i5, i0, i4");
      emit("    jmpnz i5, bias_{}", op.index);
      emit("    ldms:{} s{}, {}", n_out, scratch_, broadcast);
      emit("    adds:{} s0, s0, s{}", n_out, scratch_);
    }
    // Requantize to the output's scale and zero point, clamped to the fused activation.
    // uint8: one multiplier, the product of scales rounded to float (kernel_util.cc);
    // int8: per channel, all in double (PopulateConvolutionQuantizationParams).
    std::vector<QuantizedMultiplier> multipliers;
    for (int64_t c = 0; c < (w.type == ElementType::int8 ? channels : 1); ++c) {
      const float weight_scale = w.quantization.scales.at(w.quantization.per_channel() ? static_cast<std::size_t>(c) : 0);
      multipliers.push_back(quantize_multiplier(
          w.type == ElementType::int8 ? per_channel_conv_multiplier(in.quantization.scales.at(0), weight_scale, out.quantization.scales.at(0))
                                      : per_tensor_conv_multiplier(in.quantization.scales.at(0), weight_scale, out.quantization.scales.at(0))));
    }
    const int64_t out_zero = out.quantization.zero_points.at(0);
    const ActivationRange range = activation_range(op.activation, out.type, out.quantization.scales.at(0), static_cast<int32_t>(out_zero));
    const int64_t terms = op.kind == OperatorKind::fully_connected ? w.shape.at(1) : w.element_count() / channels;
    emit_requantization(op, n_out, accumulator_bits(op, terms), multipliers, out_zero, range);
    emit("    stms:{} s0, {}", n_out, out_addr);
  }

  // The accumulators' public bound: |sum of `terms` products of centred 8-bit values| is
  // below terms * 255^2, and the biases must stay below it too (checked here, so the
  // program states only that they do).
  int accumulator_bits(const Operator& op, int64_t terms) {
    const int64_t bound = terms * 255 * 255;
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const Tensor& bias = tensor(op.inputs[2]);
      for (int64_t k = 0; k < bias.element_count(); ++k) {
        int32_t v;
        std::memcpy(&v, bias.data.data() + 4 * k, 4);
        if (std::abs(int64_t{v}) > bound) unsupported(op, fmt::format("a bias beyond the accumulator bound {}", bound));
      }
    }
    int bits = 1;
    while ((int64_t{1} << (bits - 1)) <= 2 * bound) ++bits;
    return bits;  // |acc| <= 2 * bound < 2^(bits-1)
  }

  // out = clamp(MBQM(acc) + zero, lo, hi) with every comparison and truncation in ONE
  // `trunc` of 5N lanes, then two `muls` rounds. Since out is monotone in acc, the clamps
  // are comparisons of acc with public thresholds found here by binary search; MBQM's
  // sign test [q < 0] is one too (programs/lib/tflite.s derives MBQM =
  // floor((q + 2^(30+e) - 2^31 [q < 0]) / 2^(31+e))). A comparison [x >= 0] for
  // |x| < 2^33 is itself a truncation: floor((x 2^(m-33) + 2^m) / 2^m), so all five lanes
  // share one shift m = max(31 + E, 34), each MBQM lane scaled by 2^(m - 31 - e) to match.
  // With per-channel multipliers (int8 models) the per-lane constants are clear vectors
  // (channel = lane mod C, as in HWC); with one multiplier they are immediates.
  void emit_requantization(const Operator& op, int64_t n, int acc_bits, const std::vector<QuantizedMultiplier>& multipliers,
                           int64_t zero, ActivationRange range) {
    const int64_t limit = int64_t{1} << (acc_bits - 1);
    int max_e = 0;
    for (const QuantizedMultiplier& m : multipliers) {
      if (acc_bits + std::max(m.shift, 0) > 32) unsupported(op, "accumulators that overflow int32 after the left shift");
      max_e = std::max(max_e, std::max(-m.shift, 0));
    }
    const int shift = std::max(31 + max_e, 34);
    struct Channel {
      int64_t multiplier, offset0, offset1, a_q, a_lo, a_hi;
    };
    std::vector<Channel> channels;
    int bits = shift + 2;
    for (const QuantizedMultiplier& m : multipliers) {
      const int left = std::max(m.shift, 0), e = std::max(-m.shift, 0), k = shift - (31 + e);
      const int64_t scaled = int64_t{m.multiplier} << left;
      // The function the program computes: TFLite's MBQM, or in fast mode one rounding,
      // floor((acc M' + 2^(30+e)) / 2^(31+e)); the clamp thresholds are found for it.
      auto f = [&](int64_t acc) {
        if (options_.exact) return int64_t{multiply_by_quantized_multiplier(static_cast<int32_t>(acc), m.multiplier, m.shift)} + zero;
        return ((acc * scaled + (int64_t{1} << (30 + e))) >> (31 + e)) + zero;
      };
      auto first_at_least = [&](int64_t target) {  // the least acc with f(acc) >= target; limit if none
        int64_t low = -limit, high = limit;
        while (low < high) {
          const int64_t mid = low + (high - low) / 2;
          if (f(mid) >= target) high = mid;
          else low = mid + 1;
        }
        return low;
      };
      const int64_t offset0 = options_.exact ? ((int64_t{1} << 30) + (e > 0 ? (int64_t{1} << (30 + e)) : 0)) << k
                                             : (int64_t{1} << (30 + e)) << k;
      channels.push_back({scaled << k, offset0, offset0 - (e > 0 ? (int64_t{1} << (31 + k)) : 0),
                          -((int64_t{1} << 30) / scaled), first_at_least(range.min), first_at_least(int64_t{range.max} + 1) - 1});
      // |acc M'| < 2^(acc_bits - 1 + 31 + left) and the offsets stay below 2^(31 + e): the
      // scaled MBQM lanes fit in this many signed bits.
      bits = std::max(bits, acc_bits + 31 + left + k + 1);
    }
    if (bits > 64) unsupported(op, "accumulators too wide for one 64-bit truncation");
    const int64_t C = static_cast<int64_t>(channels.size());
    auto with_constant = [&](const char* immediate_op, const char* clear_op, int64_t dst, int64_t src, int64_t Channel::*field) {
      emit_with_constant(immediate_op, clear_op, n, dst, src, channels, field);
    };
    if (!options_.exact) return emit_fast_requantization(n, channels, shift, bits, zero, range);
    // Scratch (10N): T0 T1 GQ GLO GHI (the truncation's lanes), then P (2N), P3, W, W2.
    const int64_t R = scratch_, T0 = R, T1 = R + n, GQ = R + 2 * n, GLO = R + 3 * n, GHI = R + 4 * n;
    const int64_t P = R + 5 * n, P3 = R + 7 * n, W = R + 8 * n, W2 = R + 9 * n;
    emit("    # requantize: {} multiplier(s), zero {}, range [{}, {}], one truncation by {}", C, zero, range.min, range.max, shift);
    with_constant("mulsi", "mulm", T0, 0, &Channel::multiplier);
    emit("    movs:{} s{}, s{}", n, T1, T0);
    with_constant("addsi", "addm", T0, T0, &Channel::offset0);
    with_constant("addsi", "addm", T1, T1, &Channel::offset1);
    comparison_lane(GQ, &Channel::a_q, channels, n, shift);
    comparison_lane(GLO, &Channel::a_lo, channels, n, shift);
    comparison_upper(GHI, &Channel::a_hi, channels, n, shift);
    emit("    trunc:{} s{}, s{}, {}, {}", 5 * n, R, R, shift, bits);
    // out = c (T1 + zero) + c g_q (T0 - T1) + (1 - g_lo) lo + (1 - g_hi) hi, c = g_lo + g_hi - 1
    emit_clamp_terms(n, GLO, GHI, W, W2, range);  // c in place of g_lo: GQ GLO = [g_q | c]
    emit("    subs:{} s{}, s{}, s{}", n, T0, T0, T1);     // T0 - T1 | T1 + zero
    emit("    addsi:{} s{}, s{}, {}", n, T1, T1, zero);
    emit("    muls:{} s{}, s{}, s{}", 2 * n, P, GQ, T0);   // g_q (T0 - T1) | c (T1 + zero)
    emit("    muls:{} s{}, s{}, s{}", n, P3, GLO, P);      // c g_q (T0 - T1)
    emit("    adds:{} s0, s{}, s{}", n, P + n, P3);
    emit("    adds:{} s0, s0, s{}", n, W);
  }

  // Fast mode: T = floor((acc M' + 2^(30+e)) / 2^(31+e)) and the two clamp comparisons in
  // one 3N-lane truncation, then out = c (T + zero) + (1 - g_lo) lo + (1 - g_hi) hi with
  // c = g_lo + g_hi - 1: one multiplication round.
  template <class Channel>
  void emit_fast_requantization(int64_t n, const std::vector<Channel>& channels, int shift, int bits, int64_t zero,
                                ActivationRange range) {
    const int64_t C = static_cast<int64_t>(channels.size());
    const int64_t R = scratch_, T = R, GLO = R + n, GHI = R + 2 * n, W = R + 3 * n, W2 = R + 4 * n, P = R + 5 * n;
    auto constant = [&](const char* immediate_op, const char* clear_op, int64_t dst, int64_t src, int64_t Channel::*field) {
      emit_with_constant(immediate_op, clear_op, n, dst, src, channels, field);
    };
    emit("    # requantize (fast: one rounding): {} multiplier(s), zero {}, range [{}, {}]", C, zero, range.min, range.max);
    constant("mulsi", "mulm", T, 0, &Channel::multiplier);
    constant("addsi", "addm", T, T, &Channel::offset0);
    comparison_lane(GLO, &Channel::a_lo, channels, n, shift);
    comparison_upper(GHI, &Channel::a_hi, channels, n, shift);
    emit("    trunc:{} s{}, s{}, {}, {}", 3 * n, R, R, shift, bits);
    emit_clamp_terms(n, GLO, GHI, W, W2, range);
    emit("    addsi:{} s{}, s{}, {}", n, T, T, zero);
    emit("    muls:{} s{}, s{}, s{}", n, P, GLO, T);
    emit("    adds:{} s0, s{}, s{}", n, P, W);
  }

  // `dst = src op constant` lane by lane: an immediate if every channel has the same value,
  // else a clear vector built from the per-channel values.
  template <class Channel, class Field>
  void emit_with_constant(const char* immediate_op, const char* clear_op, int64_t n, int64_t dst, int64_t src,
                          const std::vector<Channel>& channels, Field field) {
    bool uniform = true;
    for (const Channel& c : channels) uniform = uniform && c.*field == channels[0].*field;
    if (uniform) return emit("    {}:{} s{}, s{}, {}", immediate_op, n, dst, src, channels[0].*field);
    emit("    {}:{} s{}, s{}, c{}", clear_op, n, dst, src,
         clear_vector(n, static_cast<int64_t>(channels.size()), [&](int64_t c) { return channels[static_cast<std::size_t>(c)].*field; }));
  }

  // From the clamp comparisons g_lo = [acc >= a_lo] and g_hi = [acc <= a_hi]: W = (1 - g_lo) lo +
  // (1 - g_hi) hi (with W2 as scratch), and c = g_lo + g_hi - 1 written over g_lo.
  void emit_clamp_terms(int64_t n, int64_t g_lo, int64_t g_hi, int64_t W, int64_t W2, ActivationRange range) {
    emit("    mulsi:{} s{}, s{}, {}", n, W, g_lo, -int64_t{range.min});
    emit("    addsi:{} s{}, s{}, {}", n, W, W, int64_t{range.min} + range.max);
    emit("    mulsi:{} s{}, s{}, {}", n, W2, g_hi, -int64_t{range.max});
    emit("    adds:{} s{}, s{}, s{}", n, W, W, W2);
    emit("    adds:{} s{}, s{}, s{}", n, g_lo, g_lo, g_hi);
    emit("    addsi:{} s{}, s{}, -1", n, g_lo, g_lo);
  }

  // lane = [acc >= a] as a truncation lane: (acc - a) 2^(m-33) + 2^m.
  template <class Field, class Channel>
  void comparison_lane(int64_t lane, Field field, const std::vector<Channel>& channels, int64_t n, int shift) {
    bool uniform = true;
    for (const Channel& c : channels) uniform = uniform && c.*field == channels[0].*field;
    if (uniform) emit("    addsi:{} s{}, s0, {}", n, lane, -(channels[0].*field));  // the immediate form adds -a
    else emit_with_constant("addsi", "subml", n, lane, 0, channels, field);
    emit("    mulsi:{} s{}, s{}, {}", n, lane, lane, int64_t{1} << (shift - 33));
    emit("    addsi:{} s{}, s{}, {}", n, lane, lane, int64_t{1} << shift);
  }
  // lane = [acc <= a]: (a - acc) 2^(m-33) + 2^m.
  template <class Field, class Channel>
  void comparison_upper(int64_t lane, Field field, const std::vector<Channel>& channels, int64_t n, int shift) {
    emit("    mulsi:{} s{}, s0, -1", n, lane);
    emit_with_constant("addsi", "addm", n, lane, lane, channels, field);
    emit("    mulsi:{} s{}, s{}, {}", n, lane, lane, int64_t{1} << (shift - 33));
    emit("    addsi:{} s{}, s{}, {}", n, lane, lane, int64_t{1} << shift);
  }

  // A clear vector of n lanes whose lane i holds value(i mod C): the C values are loaded
  // as immediates, stored in c-memory, repeated over the n / C positions by a loop, and
  // loaded into c registers. Returns the first c register.
  template <class Value>
  int64_t clear_vector(int64_t n, int64_t C, Value value) {
    const int64_t base = clear_register_ + C;
    clear_register_ = base + n;
    for (int64_t c = 0; c < C; ++c) emit("    ldi c{}, {}", c, value(c));
    const int64_t address = clear_address_;
    clear_address_ += n;
    emit("    ldint i0, 0");
    emit("    ldint i1, {}", address);
    emit("    ldint i2, {}", C);
    emit("    ldint i3, 1");
    emit("    ldint i4, {}", n / C);
    const int label = label_counter_++;
    emit("clear_vector_{}:", label);
    emit("    stmci:{} c0, i1", C);
    emit("    addint i1, i1, i2");
    emit("    addint i0, i0, i3");
    emit("    ltint i5, i0, i4");
    emit("    jmpnz i5, clear_vector_{}", label);
    emit("    ldmc:{} c{}, {}", n, base, address);
    return base;
  }

  // TFLite's quantized ADD (reference/add.h; TFLITE.md "ADD"): each input, centred and
  // shifted up by 2^20, is rescaled by its own multiplier (MBQM with shift <= 0: the same
  // requantization without a clamp), the two are added, and the sum is requantized to the
  // output with its zero point and activation range. Three requantizations in a row.
  void compile_add(const Operator& op) {
    const Tensor& a = tensor(op.inputs[0]);
    const Tensor& b = tensor(op.inputs[1]);
    const Tensor& out = tensor(op.outputs[0]);
    const int64_t n = out.element_count(), out_addr = allocate(op.outputs[0]), first = allocate(-1, n);
    const ActivationRange range = activation_range(op.activation, out.type, out.quantization.scales.at(0),
                                                   static_cast<int32_t>(out.quantization.zero_points.at(0)));
    const AddParams params = prepare_add(a.quantization.scales.at(0), static_cast<int32_t>(a.quantization.zero_points.at(0)),
                                         b.quantization.scales.at(0), static_cast<int32_t>(b.quantization.zero_points.at(0)),
                                         out.quantization.scales.at(0), static_cast<int32_t>(out.quantization.zero_points.at(0)), range);
    const ActivationRange unclamped{INT32_MIN, INT32_MAX};
    emit("");
    emit("# ---- operator {}: ADD -> [{}] ----", op.index, fmt::join(out.shape, ","));
    out_.layers.push_back(fmt::format("{} ADD -> [{}]", op.index, fmt::join(out.shape, ",")));
    const int shifted_bits = 8 + params.left_shift + 1;  // |(q - zp) 2^20| <= 255 * 2^20 < 2^28
    auto rescaled_input = [&](int input, int32_t offset, QuantizedMultiplier multiplier) {
      emit("    ldms:{} s0, {}", n, address_of(op.inputs[static_cast<std::size_t>(input)]));
      emit("    addsi:{} s0, s0, {}", n, offset);
      emit("    mulsi:{} s0, s0, {}", n, int64_t{1} << params.left_shift);
      emit_requantization(op, n, shifted_bits, {multiplier}, 0, unclamped);
    };
    rescaled_input(0, params.input1_offset, params.input1_multiplier);
    emit("    stms:{} s0, {}", n, first);
    rescaled_input(1, params.input2_offset, params.input2_multiplier);
    emit("    ldms:{} s{}, {}", n, scratch_, first);
    emit("    adds:{} s0, s0, s{}", n, scratch_);
    emit_requantization(op, n, shifted_bits + 1, {params.output_multiplier}, params.output_offset, range);
    emit("    stms:{} s0, {}", n, out_addr);
  }

  void compile_average_pool(const Operator& op) {
    const Tensor& in = tensor(op.inputs[0]);
    const Tensor& out = tensor(op.outputs[0]);
    const int in_h = in.shape[1], in_w = in.shape[2], channels = in.shape[3];
    if (out.shape[1] != 1 || out.shape[2] != 1 || op.filter_h != in_h || op.filter_w != in_w)
      unsupported(op, "an average pool other than a global one");
    const int64_t positions = int64_t{in_h} * in_w, out_addr = allocate(op.outputs[0]);
    emit("");
    emit("# ---- operator {}: AVERAGE_POOL_2D (global, {} positions) -> [{}] ----", op.index, positions, fmt::join(out.shape, ","));
    out_.layers.push_back(fmt::format("{} AVERAGE_POOL_2D -> [{}]", op.index, fmt::join(out.shape, ",")));
    // Sum the positions, then TFLite's (sum + count/2) / count, an exact division.
    emit("    ldms:{} s0, {}", channels, address_of(op.inputs[0]));
    emit("    ldint i0, 1");
    emit("    ldint i1, {}", address_of(op.inputs[0]) + channels);
    emit("    ldint i2, {}", channels);
    emit("    ldint i3, 1");
    emit("    ldint i4, {}", positions);
    emit("pool_{}:", op.index);
    emit("    ldmsi:{} s{}, i1", channels, scratch_);
    emit("    adds:{} s0, s0, s{}", channels, scratch_);
    emit("    addint i1, i1, i2");
    emit("    addint i0, i0, i3");
    emit("    ltint i5, i0, i4");
    emit("    jmpnz i5, pool_{}", op.index);
    if (in.type == ElementType::uint8) {
      const int64_t limit = 255 * positions + positions / 2;
      const auto [multiplier, k] = exact_reciprocal(positions, limit);
      emit("    addsi:{} s0, s0, {}", channels, positions / 2);
      emit("    mulsi:{} s0, s0, {}", channels, multiplier);
      emit("    trunc:{} s0, s0, {}, 62", channels, k);
    } else {
      // int8 (reference/integer_ops/pooling.h): sum > 0 ? (sum + n/2) / n : (sum - n/2) / n,
      // C++ division. With B = 128 n both numerators shift to non-negative ones:
      // (sum + n/2 + B) / n - 128 and 128 - (n/2 - sum + B) / n, exact divisions; [sum >= 1]
      // rides in the same truncation as a comparison lane (floor((x 2^(k-33) + 2^k) / 2^k)).
      const int64_t offset = 128 * positions, limit = 255 * positions + positions / 2 + offset;
      const auto [multiplier, k] = exact_reciprocal(positions, limit, 34);
      const int64_t L = scratch_ + channels;
      emit("    addsi:{} s{}, s0, {}", channels, L, positions / 2 + offset);
      emit("    mulsi:{} s{}, s0, -1", channels, L + channels);
      emit("    addsi:{} s{}, s{}, {}", channels, L + channels, L + channels, positions / 2 + offset);
      emit("    mulsi:{} s{}, s{}, {}", 2 * channels, L, L, multiplier);
      emit("    addsi:{} s{}, s0, -1", channels, L + 2 * channels);
      emit("    mulsi:{} s{}, s{}, {}", channels, L + 2 * channels, L + 2 * channels, int64_t{1} << (k - 33));
      emit("    addsi:{} s{}, s{}, {}", channels, L + 2 * channels, L + 2 * channels, int64_t{1} << k);
      int lane_bits = k + 2;  // the comparison lane is below 2^(k+1)
      while ((int64_t{1} << (lane_bits - 1)) <= limit * multiplier) ++lane_bits;
      emit("    trunc:{} s{}, s{}, {}, {}", 3 * channels, L, L, k, lane_bits);
      // out = (128 - D2) + [sum > 0] (D1 + D2 - 256)
      emit("    adds:{} s{}, s{}, s{}", channels, L + 3 * channels, L, L + channels);
      emit("    addsi:{} s{}, s{}, -256", channels, L + 3 * channels, L + 3 * channels);
      emit("    muls:{} s{}, s{}, s{}", channels, L + 3 * channels, L + 3 * channels, L + 2 * channels);
      emit("    mulsi:{} s0, s{}, -1", channels, L + channels);
      emit("    addsi:{} s0, s0, 128", channels);
      emit("    adds:{} s0, s0, s{}", channels, L + 3 * channels);
    }
    const ActivationRange range = activation_range(op.activation, out.type, out.quantization.scales.at(0),
                                                   static_cast<int32_t>(out.quantization.zero_points.at(0)));
    const ActivationRange full = type_range(out.type);
    if (range.min > full.min || range.max < full.max)
      emit("    clamp 0, 0, {}, {}, {}, 20, {}", channels, range.min, range.max, scratch_);
    emit("    stms:{} s0, {}", channels, out_addr);
  }

  void compile_argmax(const Operator& op) {
    const Tensor& logits = tensor(op.inputs[0]);
    const int64_t n = logits.element_count();
    emit("");
    emit("# ---- operator {}: SOFTMAX: the label is the argmax of the logits, revealed to party 1 ----", op.index);
    out_.layers.push_back(fmt::format("{} SOFTMAX as argmax over {}", op.index, n));
    emit("    ldms:{} s0, {}", n, address_of(op.inputs[0]));
    if (options_.reveal_logits) emit("    output:{} s0, 1", n);
    emit("    argmax {}, 0, {}, 9, {}, {}", n, n, n + 1, next_address_);
    emit("    output s{}, 1", n);
  }

  const Model& model_;
  CompileOptions options_;
  CompiledModel out_;
  std::map<int, int64_t> address_;
  int64_t next_address_ = 0;
  int64_t scratch_ = 0, weights_ = 0, largest_ = 0, owner_region_ = 0;
  int64_t clear_register_ = 0, clear_address_ = 0;  // c registers and c-memory for constant vectors
  int label_counter_ = 0;
};

}  // namespace

CompiledModel compile_model(const Model& model, const CompileOptions& options) { return Compiler(model, options).run(); }

}  // namespace mpvm::qnn
