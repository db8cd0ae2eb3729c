// The model compiler: a quantized model -> an mpvm assembly program that runs it on
// secret data, plus the model owner's private input (weights and biases).
//
// What is secret: the weights and biases (party 0's input) and the image (party 1's
// input). What is public: the architecture, shapes, zero points and scales (so the
// requantization multipliers and shifts), which the program embeds as immediates. The
// label (or, on request, the logits) is revealed to party 1 only.
//
// Each layer is one `conv2ds` (or `matmuls`) on zero-point-centred values, a bias add and
// one `requantize` of the whole output tensor (programs/lib/tflite.s), so the rounds per
// layer do not depend on its size, and the results equal TFLite's reference bit for bit.
// MAX_POOL_2D is a tree of comparisons over every window at once (rounds grow with
// log2 of the window), PAD and CONCATENATION are local copies with a public layout (a
// CONCATENATION input quantized unlike the output is rescaled in one truncation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler_lite/qnn/model.h"

namespace mpvm::qnn {

struct CompileOptions {
  bool reveal_logits = false;  // output the logits to party 1 as well as the label
  // exact: TFLite's double rounding, bit for bit. fast: one rounding (TFLite's
  // single-rounding build), at most one LSB off per requantization, cheaper (3 truncation
  // lanes instead of 5 and one multiplication round fewer per layer).
  bool exact = true;
};

struct CompiledModel {
  std::string assembly;                  // includes lib/tflite.s and lib/nonlinear.s
  std::vector<int64_t> owner_inputs;     // party 0, in the order the program reads them
  int64_t client_input_count = 0;        // party 1: the input tensor's values, HWC
  std::vector<std::string> layers;       // one line per compiled operator, for progress
};

// InputError naming the operator for anything the secure compiler does not handle yet.
CompiledModel compile_model(const Model& model, const CompileOptions& options = {});

}  // namespace mpvm::qnn
