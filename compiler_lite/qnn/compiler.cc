#include "compiler_lite/qnn/compiler.h"

#include <algorithm>
#include <climits>
#include <cmath>
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

// `size` consecutive s-memory cells copied from `source` to `target`.
struct BlockMove {
  int64_t target = 0, source = 0, size = 0;
};

int64_t floor_div(int64_t a, int64_t d) { return a >= 0 ? a / d : -((-a + d - 1) / d); }  // d > 0
int64_t ceil_div(int64_t a, int64_t d) { return -floor_div(-a, d); }

// One piece of a public function of an 8-bit value q: from q = `first` up to the next
// piece's first, f(q) = floor((q * multiplier + offset) / 2^shift).
struct AffinePiece {
  int first = 0;
  int64_t multiplier = 0, offset = 0;
};

// The fewest pieces that give table[q] exactly for every q at this shift. A piece grows
// while some integer (multiplier, offset) still fits each of its values, i.e. puts
// q * multiplier + offset in [lo(q), hi(q)] = [T(q) 2^k, T(q) 2^k + 2^k - 1]; for a fixed
// multiplier an offset exists iff every pair q1 < q2 allows it, which bounds the
// multiplier to [(lo(q2) - hi(q1)) / (q2 - q1), (hi(q2) - lo(q1)) / (q2 - q1)]. Greedy
// growth gives the fewest pieces (what fits a range fits every part of it).
std::vector<AffinePiece> affine_pieces(const std::vector<int64_t>& table, int shift) {
  const int64_t unit = int64_t{1} << shift;
  const auto lo = [&](int q) { return table[static_cast<std::size_t>(q)] * unit; };
  const auto hi = [&](int q) { return lo(q) + unit - 1; };
  const int size = static_cast<int>(table.size());
  std::vector<AffinePiece> pieces;
  for (int first = 0, end = 0; first < size; first = end) {
    int64_t least = INT64_MIN, most = INT64_MAX;  // the multipliers that still fit
    for (end = first + 1; end < size; ++end) {
      int64_t new_least = least, new_most = most;
      for (int q = first; q < end; ++q) {
        new_least = std::max(new_least, ceil_div(lo(end) - hi(q), end - q));
        new_most = std::min(new_most, floor_div(hi(end) - lo(q), end - q));
      }
      if (new_least > new_most) break;
      least = new_least, most = new_most;
    }
    const int64_t multiplier = std::clamp<int64_t>(0, least, most);  // the smallest: narrowest lanes
    int64_t offset = INT64_MIN;
    for (int q = first; q < end; ++q) offset = std::max(offset, lo(q) - q * multiplier);
    pieces.push_back({first, multiplier, offset});
  }
  return pieces;
}

// The smallest shift (at least 9, for the comparison lanes) that needs no more pieces than
// any larger one: what fits at shift k fits at k + 1 (twice the multiplier and offset).
int fewest_pieces_shift(const std::vector<int64_t>& table) {
  const std::size_t fewest = affine_pieces(table, 40).size();
  int shift = 9;
  while (affine_pieces(table, shift).size() > fewest) ++shift;
  return shift;
}

// Whether the pieces give every value of the table (floor division by 2^shift).
bool pieces_reproduce(const std::vector<AffinePiece>& pieces, int shift, const std::vector<int64_t>& table) {
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    const int end = p + 1 < pieces.size() ? pieces[p + 1].first : static_cast<int>(table.size());
    for (int q = pieces[p].first; q < end; ++q)
      if ((q * pieces[p].multiplier + pieces[p].offset) >> shift != table[static_cast<std::size_t>(q)]) return false;
  }
  return true;
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
    if (owner_total > 0) {  // a network of pools, pads and concatenations has no weights
      emit("# the model owner's weights and biases, {} values, in one round", owner_total);
      emit("    input:{} s{}, 0", owner_total, weights_);
      emit("    stms:{} s{}, {}", owner_total, weights_, owner_region_);
    }
    const Tensor& input = model_.tensors[static_cast<std::size_t>(model_.inputs[0])];
    out_.client_input_count = input.element_count();
    const int64_t in_addr = allocate(model_.inputs[0]);
    emit("# the client's image, {} values", input.element_count());
    emit("    input:{} s0, 1", input.element_count());
    emit("    stms:{} s0, {}", input.element_count(), in_addr);
    plan_lifetimes();
    for (std::size_t position = 0; position < model_.operators.size(); ++position) {
      in_operator_ = true;
      compile(model_.operators[position]);
      in_operator_ = false;
      release_after(static_cast<int>(position));
    }
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
        case OperatorKind::pad:
          if (op.inputs.size() != 2 || !tensor(op.inputs[1]).is_constant()) unsupported(op, "paddings that are not a constant");
          break;
        case OperatorKind::concatenation:
          for (int input : op.inputs)
            if (tensor(input).is_constant()) unsupported(op, "a constant input");
          if (op.activation != Activation::none) unsupported(op, "a fused activation");
          break;
        case OperatorKind::max_pool_2d: {
          // Nothing is requantized (pooling_common.cc): the output must be quantized as the input.
          const Quantization& in = tensor(op.inputs[0]).quantization;
          const Quantization& out = tensor(op.outputs[0]).quantization;
          if (std::abs(in.scales.at(0) - out.scales.at(0)) > 1e-6f || in.zero_points.at(0) != out.zero_points.at(0))
            unsupported(op, "an output quantized unlike the input");
          break;
        }
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

  // s-memory. A tensor's cells are released after the last operator that reads it (a
  // RESHAPE's output shares its input's cells, so they live as long as either), an
  // operator's temporaries when it ends; later allocations reuse released cells first fit,
  // so the VM touches each memory page about once however deep the network.
  int64_t allocate(int tensor_index, int64_t cells = -1) {
    const int64_t size = cells >= 0 ? cells : tensor(tensor_index).element_count();
    int64_t address = -1;
    for (auto block = free_blocks_.begin(); block != free_blocks_.end(); ++block) {
      if (block->second < size) continue;
      address = block->first;
      const int64_t rest = block->second - size;
      free_blocks_.erase(block);
      if (rest > 0) free_blocks_[address + size] = rest;
      break;
    }
    if (address < 0) {
      // A free block at the top grows into fresh cells; else fresh cells alone.
      address = next_address_;
      if (!free_blocks_.empty() && free_blocks_.rbegin()->first + free_blocks_.rbegin()->second == next_address_) {
        address = free_blocks_.rbegin()->first;
        free_blocks_.erase(address);
      }
      next_address_ = address + size;
    }
    if (tensor_index >= 0) address_[tensor_index] = address, block_size_[tensor_index] = size;
    else if (in_operator_) temporaries_.push_back({address, size});
    return address;
  }
  void release(int64_t address, int64_t size) {
    if (size <= 0) return;
    auto next = free_blocks_.lower_bound(address);
    if (next != free_blocks_.end() && address + size == next->first) size += next->second, next = free_blocks_.erase(next);
    if (next != free_blocks_.begin()) {
      auto previous = std::prev(next);
      if (previous->first + previous->second == address) {
        previous->second += size;
        return;
      }
    }
    free_blocks_[address] = size;
  }
  // For each tensor that owns cells (not a RESHAPE's output): the position of the last
  // operator reading it or any tensor sharing its cells (INT_MAX for a model output).
  void plan_lifetimes() {
    std::map<int, int> owner;
    for (int input : model_.inputs) owner[input] = input;
    for (std::size_t position = 0; position < model_.operators.size(); ++position) {
      const Operator& op = model_.operators[position];
      for (int input : op.inputs)
        if (input >= 0 && !tensor(input).is_constant() && owner.count(input)) last_use_[owner.at(input)] = static_cast<int>(position);
      const bool alias = op.kind == OperatorKind::reshape || op.kind == OperatorKind::squeeze;
      for (int output : op.outputs) owner[output] = alias ? owner.at(op.inputs[0]) : output;
    }
    for (int output : model_.outputs)
      if (owner.count(output)) last_use_[owner.at(output)] = INT_MAX;
  }
  void release_after(int position) {
    for (const auto& [address, size] : temporaries_) release(address, size);
    temporaries_.clear();
    for (const auto& [tensor_index, last] : last_use_)
      if (last == position && block_size_.count(tensor_index)) release(address_.at(tensor_index), block_size_.at(tensor_index));
  }
  int64_t address_of(int tensor_index) const { return address_.at(tensor_index); }

  // Party 0's constant tensor, as integers, in `order` (an index permutation; empty: as
  // is), appended to the owner's input; returns its s-memory address.
  int64_t owner_values(const Tensor& t, const std::vector<int64_t>& order = {}) {
    const int64_t address = owner_region_ + static_cast<int64_t>(out_.owner_inputs.size());
    const int64_t n = t.element_count();
    for (int64_t k = 0; k < n; ++k) out_.owner_inputs.push_back(constant_value(t, order.empty() ? k : order[static_cast<std::size_t>(k)]));
    return address;
  }

  // Element k of a constant tensor, as an integer.
  int64_t constant_value(const Tensor& t, int64_t k) const {
    const auto at = static_cast<std::size_t>(k);
    switch (t.type) {
      case ElementType::uint8: return t.data[at];
      case ElementType::int8: return static_cast<int8_t>(t.data[at]);
      case ElementType::int32: {
        int32_t v;
        std::memcpy(&v, t.data.data() + 4 * at, 4);
        return v;
      }
      case ElementType::int64: {
        int64_t v;
        std::memcpy(&v, t.data.data() + 8 * at, 8);
        return v;
      }
      default: throw InputError(fmt::format("{}: tensor '{}' has an unsupported constant type", model_.name, t.name));
    }
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
      case OperatorKind::max_pool_2d: return compile_max_pool(op);
      case OperatorKind::pad: return compile_pad(op);
      case OperatorKind::concatenation: return compile_concatenation(op);
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
    // Where the activation range starts at or above the zero point (ReLU, ReLU6), every
    // acc the clamp lets through has MBQM(acc) >= 0, and there MBQM's non-negative branch
    // T0 = floor((q + 2^(30+e)) / 2^(31+e)) is exact: for acc > 0 it is the branch taken,
    // and a negative acc with MBQM(acc) = 0 has q + 2^(30+e) - 2^31 >= 0, so T0 = 0 too.
    // The sign test and the second branch are then never needed: three lanes, as in fast mode.
    const int compare_bits = acc_bits + 1;  // |acc - a| < 2^acc_bits for every threshold a
    if (!options_.exact || range.min >= zero)
      return emit_one_branch_requantization(n, channels, shift, bits, compare_bits, zero, range);
    // Both branches: T0 = floor((q + 2^(30+e)) / 2^(31+e)) and T1 = floor((q + 2^(30+e) -
    // 2^31) / 2^(31+e)) in one 2N-lane truncation, then the comparisons l_q = [acc < a_q]
    // (MBQM's sign test), l_lo and l_hi in one 3N-lane ltz; with g_q = 1 - l_q and
    // c = 1 - l_lo - l_hi, out = c (T1 + zero + g_q (T0 - T1)) + l_lo lo + l_hi hi: two
    // multiplication rounds of N.
    // Scratch (8N): T0 T1 | LQ LLO LHI | W X P.
    const int64_t R = scratch_, T0 = R, T1 = R + n, LQ = R + 2 * n, LLO = R + 3 * n, LHI = R + 4 * n;
    const int64_t W = R + 5 * n, X = R + 6 * n, P = R + 7 * n;
    emit("    # requantize: {} multiplier(s), zero {}, range [{}, {}], both rounding branches, truncation by {}", C, zero, range.min,
         range.max, shift);
    with_constant("mulsi", "mulm", T0, 0, &Channel::multiplier);
    emit("    movs:{} s{}, s{}", n, T1, T0);
    with_constant("addsi", "addm", T0, T0, &Channel::offset0);
    with_constant("addsi", "addm", T1, T1, &Channel::offset1);
    below_threshold(LQ, &Channel::a_q, channels, n);
    below_threshold(LLO, &Channel::a_lo, channels, n);
    above_threshold(LHI, &Channel::a_hi, channels, n);
    // Adjacent and independent: the VM runs the two in shared rounds where it can.
    emit("    trunc:{} s{}, s{}, {}, {}", 2 * n, T0, T0, shift, bits);
    emit("    ltz:{} s{}, s{}, {}", 3 * n, LQ, LQ, compare_bits);
    emit("    subs:{} s{}, s{}, s{}", n, T0, T0, T1);  // T0 - T1, a bit
    emit("    mulsi:{} s{}, s{}, -1", n, LQ, LQ);       // g_q = 1 - l_q
    emit("    addsi:{} s{}, s{}, 1", n, LQ, LQ);
    emit("    muls:{} s{}, s{}, s{}", n, X, LQ, T0);
    emit_clamp_terms(n, LLO, LHI, W, P, range);  // c over LLO
    emit("    adds:{} s{}, s{}, s{}", n, T1, T1, X);
    emit("    addsi:{} s{}, s{}, {}", n, T1, T1, zero);
    emit("    muls:{} s{}, s{}, s{}", n, P, LLO, T1);
    emit("    adds:{} s0, s{}, s{}", n, P, W);
  }

  // T = floor((acc M' + offset0) / 2^(31+e)) (fast mode's one rounding, or MBQM's
  // non-negative branch where that is exact) in one N-lane truncation, the clamp
  // comparisons l_lo = [acc < a_lo] and l_hi = [acc > a_hi] in one 2N-lane ltz of
  // compare_bits, then out = c (T + zero) + l_lo lo + l_hi hi with c = 1 - l_lo - l_hi:
  // one multiplication round. (An ltz lane costs about half a truncation lane, and the VM
  // runs the adjacent trunc and ltz in the rounds of the truncation.)
  template <class Channel>
  void emit_one_branch_requantization(int64_t n, const std::vector<Channel>& channels, int shift, int bits, int compare_bits,
                                      int64_t zero, ActivationRange range) {
    const int64_t C = static_cast<int64_t>(channels.size());
    const int64_t R = scratch_, T = R, LLO = R + n, LHI = R + 2 * n, W = R + 3 * n, P = R + 4 * n;
    auto constant = [&](const char* immediate_op, const char* clear_op, int64_t dst, int64_t src, int64_t Channel::*field) {
      emit_with_constant(immediate_op, clear_op, n, dst, src, channels, field);
    };
    emit("    # requantize ({}): {} multiplier(s), zero {}, range [{}, {}]", options_.exact ? "exact, no negative branch inside the range" : "fast: one rounding",
         C, zero, range.min, range.max);
    constant("mulsi", "mulm", T, 0, &Channel::multiplier);
    constant("addsi", "addm", T, T, &Channel::offset0);
    below_threshold(LLO, &Channel::a_lo, channels, n);
    above_threshold(LHI, &Channel::a_hi, channels, n);
    // Adjacent and independent: the VM runs the two in shared rounds where it can.
    emit("    trunc:{} s{}, s{}, {}, {}", n, T, T, shift, bits);
    emit("    ltz:{} s{}, s{}, {}", 2 * n, LLO, LLO, compare_bits);
    emit_clamp_terms(n, LLO, LHI, W, P, range);
    emit("    addsi:{} s{}, s{}, {}", n, T, T, zero);
    emit("    muls:{} s{}, s{}, s{}", n, P, LLO, T);
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

  // From the clamp comparisons l_lo = [acc < a_lo] and l_hi = [acc > a_hi]: W = l_lo lo +
  // l_hi hi (with W2 as scratch), and c = 1 - l_lo - l_hi written over l_lo.
  void emit_clamp_terms(int64_t n, int64_t l_lo, int64_t l_hi, int64_t W, int64_t W2, ActivationRange range) {
    emit("    mulsi:{} s{}, s{}, {}", n, W, l_lo, int64_t{range.min});
    emit("    mulsi:{} s{}, s{}, {}", n, W2, l_hi, int64_t{range.max});
    emit("    adds:{} s{}, s{}, s{}", n, W, W, W2);
    emit("    adds:{} s{}, s{}, s{}", n, l_lo, l_lo, l_hi);
    emit("    mulsi:{} s{}, s{}, -1", n, l_lo, l_lo);
    emit("    addsi:{} s{}, s{}, 1", n, l_lo, l_lo);
  }

  // lane = acc - a, negative iff acc < a.
  template <class Field, class Channel>
  void below_threshold(int64_t lane, Field field, const std::vector<Channel>& channels, int64_t n) {
    bool uniform = true;
    for (const Channel& c : channels) uniform = uniform && c.*field == channels[0].*field;
    if (uniform) emit("    addsi:{} s{}, s0, {}", n, lane, -(channels[0].*field));  // the immediate form adds -a
    else emit_with_constant("addsi", "subml", n, lane, 0, channels, field);
  }
  // lane = a - acc, negative iff acc > a.
  template <class Field, class Channel>
  void above_threshold(int64_t lane, Field field, const std::vector<Channel>& channels, int64_t n) {
    emit("    mulsi:{} s{}, s0, -1", n, lane);
    emit_with_constant("addsi", "addm", n, lane, lane, channels, field);
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
    emit_activation_clamp(op, out, channels);
    emit("    stms:{} s0, {}", channels, out_addr);
  }

  // The fused activation of a layer that does not requantize (the pools): a clamp of s0..
  // to the activation range, left out when that is the whole type range. Values and
  // bounds are 8-bit, so their differences fit in 9 signed bits.
  void emit_activation_clamp(const Operator& op, const Tensor& out, int64_t n) {
    const ActivationRange range = activation_range(op.activation, out.type, out.quantization.scales.at(0),
                                                   static_cast<int32_t>(out.quantization.zero_points.at(0)));
    const ActivationRange full = type_range(out.type);
    if (range.min > full.min || range.max < full.max)
      emit("    clamp 0, 0, {}, {}, {}, 9, {}", n, range.min, range.max, scratch_);
  }

  // MAX_POOL_2D (reference/pooling.h, reference/integer_ops/pooling.h): the largest
  // in-bounds value of each window, clamped to the fused activation. No requantization:
  // the output is quantized as the input (the loader and the reference refuse anything
  // else). Local copies gather the windows into K blocks of N lanes (block j holds tap j
  // of every window; a tap in the padding repeats an in-bounds tap of its own window, which
  // leaves the maximum unchanged), then `window_max` reduces them as a tree: ceil(log2 K)
  // levels of one ltz and one muls, each on every window of the layer at once. The
  // compared differences of two 8-bit values fit in 9 signed bits.
  void compile_max_pool(const Operator& op) {
    const Tensor& in = tensor(op.inputs[0]);
    const Tensor& out = tensor(op.outputs[0]);
    const int batches = in.shape[0], in_h = in.shape[1], in_w = in.shape[2], channels = in.shape[3];
    const int out_h = out.shape[1], out_w = out.shape[2];
    const PaddedSize pad_y = compute_padding(op.padding, in_h, op.filter_h, op.stride_h, 1);
    const PaddedSize pad_x = compute_padding(op.padding, in_w, op.filter_w, op.stride_w, 1);
    const int64_t taps = int64_t{op.filter_h} * op.filter_w, n = out.element_count(), in_addr = address_of(op.inputs[0]);
    const int64_t windows = allocate(-1, taps * n), out_addr = allocate(op.outputs[0]);
    emit("");
    emit("# ---- operator {}: MAX_POOL_2D {}x{} stride {}x{} -> [{}]: {} windows ----", op.index, op.filter_h, op.filter_w,
         op.stride_h, op.stride_w, fmt::join(out.shape, ","), n);
    out_.layers.push_back(fmt::format("{} MAX_POOL_2D {}x{} -> [{}]", op.index, op.filter_h, op.filter_w, fmt::join(out.shape, ",")));
    // Tap k of a window starting at `origin`, moved into the window's in-bounds part.
    auto tap_inside = [&](int origin, int k, int filter, int size) {
      const int first = std::max(origin, 0), last = std::min(origin + filter, size) - 1;
      if (first > last) unsupported(op, "a window entirely in the padding");
      return std::clamp(origin + k, first, last);
    };
    std::vector<BlockMove> moves;
    for (int ky = 0; ky < op.filter_h; ++ky)
      for (int kx = 0; kx < op.filter_w; ++kx)
        for (int b = 0; b < batches; ++b)
          for (int oy = 0; oy < out_h; ++oy)
            for (int ox = 0; ox < out_w; ++ox) {
              const int iy = tap_inside(oy * op.stride_h - pad_y.before, ky, op.filter_h, in_h);
              const int ix = tap_inside(ox * op.stride_w - pad_x.before, kx, op.filter_w, in_w);
              const int64_t tap = int64_t{ky} * op.filter_w + kx, window = (int64_t{b} * out_h + oy) * out_w + ox;
              moves.push_back({windows + tap * n + window * channels, in_addr + ((int64_t{b} * in_h + iy) * in_w + ix) * channels,
                               channels});
            }
    emit("    # gather: block j = tap j of every window");
    emit_block_moves(moves);
    emit("    ldms:{} s{}, {}", taps * n, scratch_, windows);
    emit("    window_max 0, {}, {}, {}, 9, {}", scratch_, n, taps, scratch_ + taps * n);
    emit_activation_clamp(op, out, n);
    emit("    stms:{} s0, {}", n, out_addr);
  }

  // PAD (reference/pad.h): the output filled with its zero point (real 0, TFLite's pad
  // value), then each innermost row of the input copied to its place. The layout is public:
  // local, no communication.
  void compile_pad(const Operator& op) {
    const Tensor& in = tensor(op.inputs[0]);
    const Tensor& paddings = tensor(op.inputs[1]);
    const Tensor& out = tensor(op.outputs[0]);
    const int rank = static_cast<int>(in.shape.size());
    if (rank == 0 || paddings.element_count() != 2 * rank) unsupported(op, "paddings that do not match the input's rank");
    const int64_t n = out.element_count(), in_addr = address_of(op.inputs[0]), out_addr = allocate(op.outputs[0]);
    emit("");
    emit("# ---- operator {}: PAD [{}] -> [{}] with the zero point {} ----", op.index, fmt::join(in.shape, ","),
         fmt::join(out.shape, ","), out.quantization.zero_points.at(0));
    out_.layers.push_back(fmt::format("{} PAD -> [{}]", op.index, fmt::join(out.shape, ",")));
    emit("    ldsi:{} s0, {}", n, out.quantization.zero_points.at(0));
    emit("    stms:{} s0, {}", n, out_addr);
    const int64_t row = in.shape[static_cast<std::size_t>(rank - 1)];
    if (in.element_count() == 0) return;
    std::vector<int64_t> index(static_cast<std::size_t>(rank), 0);  // of the row's first element
    std::vector<BlockMove> moves;
    for (int64_t r = 0; r < in.element_count() / row; ++r) {
      int64_t offset = 0;
      for (int d = 0; d < rank; ++d)
        offset = offset * out.shape[static_cast<std::size_t>(d)] + index[static_cast<std::size_t>(d)] + constant_value(paddings, 2 * d);
      moves.push_back({out_addr + offset, in_addr + r * row, row});
      for (int d = rank - 2; d >= 0; --d) {  // the next row: an odometer over every dimension but the last
        if (++index[static_cast<std::size_t>(d)] < in.shape[static_cast<std::size_t>(d)]) break;
        index[static_cast<std::size_t>(d)] = 0;
      }
    }
    emit_block_moves(moves);
  }

  // A uint8 input of CONCATENATION that TFLite rescales: its values move from `source`,
  // rescaled by `table` (q -> table[q]), to `target`.
  struct Rescaling {
    int64_t count = 0, source = 0, target = 0;
    std::vector<int64_t> table;
  };

  // CONCATENATION (reference/concatenation.h): for each index before the axis, every
  // input's block in input order; local copies with a public layout. A uint8 input
  // quantized unlike the output is rescaled first, as TFLite does (in float32); that is a
  // public function of the 8-bit value, reproduced exactly by `emit_rescaling`, for every
  // such input of the layer at once.
  void compile_concatenation(const Operator& op) {
    const Tensor& out = tensor(op.outputs[0]);
    const int rank = static_cast<int>(out.shape.size());
    const int axis = op.axis < 0 ? op.axis + rank : op.axis;
    if (axis < 0 || axis >= rank) unsupported(op, fmt::format("axis {} for rank {}", op.axis, rank));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= out.shape[static_cast<std::size_t>(d)];
    for (int d = axis + 1; d < rank; ++d) inner *= out.shape[static_cast<std::size_t>(d)];
    const int64_t out_addr = allocate(op.outputs[0]);
    emit("");
    emit("# ---- operator {}: CONCATENATION of {} inputs along axis {} -> [{}] ----", op.index, op.inputs.size(), axis,
         fmt::join(out.shape, ","));
    out_.layers.push_back(fmt::format("{} CONCATENATION -> [{}]", op.index, fmt::join(out.shape, ",")));
    std::vector<int64_t> sources;
    std::vector<Rescaling> rescalings;
    for (int input : op.inputs) {
      const Tensor& in = tensor(input);
      sources.push_back(address_of(input));
      std::vector<int64_t> table = rescale_table(op, in, out);
      if (table.empty()) continue;
      sources.back() = allocate(-1, in.element_count());
      rescalings.push_back({in.element_count(), address_of(input), sources.back(), std::move(table)});
    }
    if (!rescalings.empty()) emit_rescaling(op, rescalings);
    std::vector<BlockMove> moves;
    const int64_t out_block = out.shape[static_cast<std::size_t>(axis)] * inner;
    int64_t offset = 0;  // of this input's block in each output block
    for (std::size_t i = 0; i < op.inputs.size(); ++i) {
      const int64_t block = tensor(op.inputs[i]).shape[static_cast<std::size_t>(axis)] * inner;
      for (int64_t o = 0; o < outer; ++o) moves.push_back({out_addr + o * out_block + offset, sources[i] + o * block, block});
      offset += block;
    }
    emit_block_moves(moves);
  }

  // What ConcatenationWithScaling makes of each uint8 value q = 0..255, by the reference's
  // own float arithmetic; empty if the input is copied as is: its quantization equals the
  // output's (TFLite's test), or the rescaling maps every value to itself.
  std::vector<int64_t> rescale_table(const Operator& op, const Tensor& in, const Tensor& out) {
    const float in_scale = in.quantization.scales.at(0), out_scale = out.quantization.scales.at(0);
    const int64_t in_zero = in.quantization.zero_points.at(0), out_zero = out.quantization.zero_points.at(0);
    if (in_scale == out_scale && in_zero == out_zero) return {};
    if (in.type != ElementType::uint8 || out.type != ElementType::uint8) unsupported(op, "an int8 input quantized unlike the output");
    std::vector<uint8_t> values(256), rescaled(256);
    for (int q = 0; q < 256; ++q) values[static_cast<std::size_t>(q)] = static_cast<uint8_t>(q);
    concatenation_rescale_uint8(values.data(), 256, in_scale, static_cast<int32_t>(in_zero), out_scale,
                                static_cast<int32_t>(out_zero), rescaled.data());
    if (rescaled == values) return {};
    return {rescaled.begin(), rescaled.end()};
  }

  // Rescales the inputs by their public tables in ONE exact truncation. Each table is cut
  // into the fewest pieces floor((q M + B) / 2^k) (`affine_pieces`, checked here against
  // every value); piece s evaluated at every q is a truncation lane A_s, and so is the
  // comparison with its first value t_s, [q >= t_s] = floor(((q - t_s) 2^(k-9) + 2^k) / 2^k)
  // for |q - t_s| <= 256; then out = A_0 + sum over s >= 1 of [q >= t_s] (A_s - A_{s-1}),
  // one muls. With S pieces (inputs with fewer get pieces that start at 256, never
  // reached): one trunc of (2S - 1) N lanes and, if S > 1, one muls of (S - 1) N.
  void emit_rescaling(const Operator& op, const std::vector<Rescaling>& rescalings) {
    int shift = 9;
    for (const Rescaling& r : rescalings) shift = std::max(shift, fewest_pieces_shift(r.table));
    std::vector<std::vector<AffinePiece>> pieces;
    std::size_t S = 1;
    for (const Rescaling& r : rescalings) {
      pieces.push_back(affine_pieces(r.table, shift));
      if (!pieces_reproduce(pieces.back(), shift, r.table)) unsupported(op, "a rescaling its pieces do not reproduce");
      S = std::max(S, pieces.back().size());
    }
    int64_t bound = (int64_t{1} << (shift + 1)) - 1, N = 0;  // the largest lane magnitude; all lanes
    std::vector<int64_t> bases;                               // each input's first lane
    for (std::size_t i = 0; i < rescalings.size(); ++i) {
      while (pieces[i].size() < S) pieces[i].push_back({256, pieces[i].back().multiplier, pieces[i].back().offset});
      for (const AffinePiece& p : pieces[i]) bound = std::max({bound, std::abs(p.offset), std::abs(255 * p.multiplier + p.offset)});
      bases.push_back(N);
      N += rescalings[i].count;
    }
    int bits = 2;
    while (bits <= 64 && (int64_t{1} << (bits - 1)) <= bound) ++bits;
    if (bits > 64) unsupported(op, "a rescaling too wide for one 64-bit truncation");
    const int64_t pieces_count = static_cast<int64_t>(S), A = scratch_, G = A + pieces_count * N, P = G + (pieces_count - 1) * N;
    emit("    # rescale {} input(s) as TFLite (float32), exactly: {} piece(s) floor((q M + B) / 2^{}) chosen at compile time",
         rescalings.size(), S, shift);
    for (std::size_t i = 0; i < rescalings.size(); ++i)
      emit("    ldms:{} s{}, {}", rescalings[i].count, bases[i], rescalings[i].source);
    for (std::size_t i = 0; i < rescalings.size(); ++i) {
      const int64_t n = rescalings[i].count, q = bases[i];
      for (std::size_t s = 0; s < S; ++s) {
        emit("    mulsi:{} s{}, s{}, {}", n, A + static_cast<int64_t>(s) * N + q, q, pieces[i][s].multiplier);
        emit("    addsi:{} s{}, s{}, {}", n, A + static_cast<int64_t>(s) * N + q, A + static_cast<int64_t>(s) * N + q, pieces[i][s].offset);
      }
      for (std::size_t s = 1; s < S; ++s)
        emit("    addsi:{} s{}, s{}, {}", n, G + static_cast<int64_t>(s - 1) * N + q, q, -pieces[i][s].first);  // q - t_s
    }
    const int64_t comparisons = (pieces_count - 1) * N;
    if (S > 1) {
      emit("    mulsi:{} s{}, s{}, {}", comparisons, G, G, int64_t{1} << (shift - 9));
      emit("    addsi:{} s{}, s{}, {}", comparisons, G, G, int64_t{1} << shift);
    }
    emit("    trunc:{} s{}, s{}, {}, {}", pieces_count * N + comparisons, A, A, shift, bits);
    int64_t result = A;
    if (S > 1) {
      emit("    subs:{} s{}, s{}, s{}", comparisons, P, A + N, A);  // A_s - A_(s-1)
      emit("    muls:{} s{}, s{}, s{}", comparisons, P, P, G);
      emit("    adds:{} s0, s{}, s{}", N, A, P);
      for (int64_t s = 2; s < pieces_count; ++s) emit("    adds:{} s0, s0, s{}", N, P + (s - 1) * N);
      result = 0;
    }
    for (std::size_t i = 0; i < rescalings.size(); ++i)
      emit("    stms:{} s{}, {}", rescalings[i].count, result + bases[i], rescalings[i].target);
  }

  // Local copies with a public layout, in as few instructions as the layout allows: a move
  // that continues the previous one joins it, a run of equal-size moves with constant
  // strides becomes a loop, and runs alike but for a constant step of their starts become
  // an outer loop (the rows of a pool's windows, the blocks of a concatenation input).
  // s0.. stage the values.
  void emit_block_moves(const std::vector<BlockMove>& moves) {
    std::vector<BlockMove> joined;
    for (const BlockMove& m : moves) {
      BlockMove* last = joined.empty() ? nullptr : &joined.back();
      if (last != nullptr && last->target + last->size == m.target && last->source + last->size == m.source) last->size += m.size;
      else joined.push_back(m);
    }
    std::vector<StridedCopy> runs;
    for (const BlockMove& m : joined) {
      StridedCopy* run = runs.empty() ? nullptr : &runs.back();
      const bool continues = run != nullptr && m.size == run->first.size &&
                             (run->count == 1 || (m.target == run->first.target + run->count * run->target_step &&
                                                  m.source == run->first.source + run->count * run->source_step));
      if (!continues) {
        runs.push_back({m, 1, 0, 0, 1, 0, 0});
      } else {
        if (run->count == 1) run->target_step = m.target - run->first.target, run->source_step = m.source - run->first.source;
        ++run->count;
      }
    }
    std::vector<StridedCopy> rows;
    for (const StridedCopy& run : runs) {
      StridedCopy* row = rows.empty() ? nullptr : &rows.back();
      const bool alike = row != nullptr && run.count > 1 && run.first.size == row->first.size && run.count == row->count &&
                         run.target_step == row->target_step && run.source_step == row->source_step;
      if (alike && (row->rows == 1 || (run.first.target == row->first.target + row->rows * row->target_row_step &&
                                       run.first.source == row->first.source + row->rows * row->source_row_step))) {
        if (row->rows == 1)
          row->target_row_step = run.first.target - row->first.target, row->source_row_step = run.first.source - row->first.source;
        ++row->rows;
      } else {
        rows.push_back(run);
      }
    }
    for (const StridedCopy& copy : rows) emit_strided_copy(copy);
  }

  // `rows` times `count` copies of `first.size` cells: copy (r, k) from
  // first.source + r source_row_step + k source_step to the same offsets from first.target.
  struct StridedCopy {
    BlockMove first;
    int64_t count = 1, target_step = 0, source_step = 0;
    int64_t rows = 1, target_row_step = 0, source_row_step = 0;
  };

  // A loop over the copies (nested if there are rows), or straight-line code for one or two.
  void emit_strided_copy(const StridedCopy& copy) {
    const int64_t size = copy.first.size;
    if (copy.rows == 1 && copy.count <= 2) {
      for (int64_t k = 0; k < copy.count; ++k) {
        emit("    ldms:{} s0, {}", size, copy.first.source + k * copy.source_step);
        emit("    stms:{} s0, {}", size, copy.first.target + k * copy.target_step);
      }
      return;
    }
    const int label = label_counter_++;
    emit("    # {} row(s) of {} blocks of {}: from {} (rows step {}, blocks step {}) to {} (rows step {}, blocks step {})",
         copy.rows, copy.count, size, copy.first.source, copy.source_row_step, copy.source_step, copy.first.target,
         copy.target_row_step, copy.target_step);
    emit("    ldint i6, 1");
    emit("    ldint i8, 0");  // rows done
    emit("    ldint i9, {}", copy.first.source);
    emit("    ldint i10, {}", copy.first.target);
    emit("    ldint i11, {}", copy.source_row_step);
    emit("    ldint i12, {}", copy.target_row_step);
    emit("    ldint i13, {}", copy.rows);
    emit("    ldint i3, {}", copy.source_step);
    emit("    ldint i4, {}", copy.target_step);
    emit("    ldint i5, {}", copy.count);
    emit("copy_{}:", label);
    emit("    ldint i0, 0");  // blocks done in this row
    emit("    movint i1, i9");
    emit("    movint i2, i10");
    emit("copy_{}_block:", label);
    emit("    ldmsi:{} s0, i1", size);
    emit("    stmsi:{} s0, i2", size);
    emit("    addint i1, i1, i3");
    emit("    addint i2, i2, i4");
    emit("    addint i0, i0, i6");
    emit("    ltint i7, i0, i5");
    emit("    jmpnz i7, copy_{}_block", label);
    emit("    addint i9, i9, i11");
    emit("    addint i10, i10, i12");
    emit("    addint i8, i8, i6");
    emit("    ltint i7, i8, i13");
    emit("    jmpnz i7, copy_{}", label);
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
  std::map<int, int64_t> block_size_;                      // cells of each tensor that owns them
  std::map<int, int> last_use_;                            // plan_lifetimes()
  std::map<int64_t, int64_t> free_blocks_;                 // address -> cells
  std::vector<std::pair<int64_t, int64_t>> temporaries_;   // of the operator being compiled
  bool in_operator_ = false;
  int64_t next_address_ = 0;
  int64_t scratch_ = 0, weights_ = 0, largest_ = 0, owner_region_ = 0;
  int64_t clear_register_ = 0, clear_address_ = 0;  // c registers and c-memory for constant vectors
  int label_counter_ = 0;
};

}  // namespace

CompiledModel compile_model(const Model& model, const CompileOptions& options) { return Compiler(model, options).run(); }

}  // namespace mpvm::qnn
