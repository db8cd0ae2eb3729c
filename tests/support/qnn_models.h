// Test support: building small quantized models by hand, and running them compiled under
// emulate and rep3 against the plaintext reference.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "compiler_lite/assembler.h"
#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/qnn/model.h"
#include "compiler_lite/qnn/reference.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm::testing {

// A per-tensor quantized tensor; `data` empty for activations.
inline qnn::Tensor make_tensor(std::string name, std::vector<int32_t> shape, qnn::ElementType type, float scale,
                               int64_t zero_point, std::vector<uint8_t> data = {}) {
  qnn::Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.type = type;
  t.quantization.scales = {scale};
  t.quantization.zero_points = {zero_point};
  t.data = std::move(data);
  return t;
}

// The numbers on the first line of `text` that starts with `prefix` and holds more than
// one (the logits a program revealed: "P1: 57 71 94 ...").
inline std::vector<int64_t> numbers_after(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.starts_with(prefix) && line.find(' ', prefix.size()) != std::string::npos) {
      std::istringstream values(line.substr(prefix.size()));
      std::vector<int64_t> out;
      int64_t v;
      while (values >> v) out.push_back(v);
      return out;
    }
  return {};
}

inline std::vector<uint8_t> random_bytes(std::size_t n, std::mt19937_64& rng) {
  std::vector<uint8_t> bytes(n);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// n int32 biases in [-10000, 10000], as a tensor's little-endian bytes.
inline std::vector<uint8_t> random_biases(std::size_t n, std::mt19937_64& rng) {
  std::vector<uint8_t> bytes(4 * n);
  for (std::size_t k = 0; k < n; ++k) {
    const int32_t v = static_cast<int32_t>(rng() % 20001) - 10000;
    std::memcpy(bytes.data() + 4 * k, &v, 4);
  }
  return bytes;
}

inline qnn::Operator op_of(qnn::OperatorKind kind, int index, std::vector<int> inputs, int output) {
  qnn::Operator op;
  op.kind = kind;
  op.index = index;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  return op;
}

// A compiled model's run: what it revealed under emulate, and the rep3 run (per party
// statistics, with a timer per operator).
struct SecureRun {
  std::vector<int64_t> logits;
  PartiesRun rep3;
};

// Compiles `model` (revealing the logits), runs it on the client's `image` under emulate
// and rep3 (three in-memory parties), expects both to print the same, and returns the
// revealed logits with the rep3 run.
inline SecureRun run_secure(const qnn::Model& model, const std::vector<uint8_t>& image, bool exact = true) {
  const qnn::CompiledModel compiled = qnn::compile_model(model, qnn::CompileOptions{true, exact});
  const bytecode::Program program = compiler_lite::assemble(
      compiled.assembly, model.name + ".s", compiler_lite::AssembleOptions{{std::string(MPVM_SOURCE_DIR) + "/programs"}});
  std::vector<int64_t> client(image.begin(), image.end());
  if (model.tensors[static_cast<std::size_t>(model.inputs[0])].type == qnn::ElementType::int8)
    for (int64_t& v : client) v = static_cast<int8_t>(static_cast<uint8_t>(v));
  const std::map<int, std::vector<int64_t>> inputs = {{0, compiled.owner_inputs}, {1, client}};
  const std::string emulated = run_emulate(program, inputs, 2).output;
  SecureRun run{numbers_after(emulated, "P1: "), run_parties(3, program, inputs, rep3_party())};
  for (const std::string& error : run.rep3.errors) EXPECT_EQ(error, "");
  EXPECT_EQ(run.rep3.output, emulated) << model.name << " under rep3";
  return run;
}

// run_secure's logits; `bytes`, if given, receives the most bytes any rep3 party sent.
inline std::vector<int64_t> secure_logits(const qnn::Model& model, const std::vector<uint8_t>& image, bool exact = true,
                                          uint64_t* bytes = nullptr) {
  SecureRun run = run_secure(model, image, exact);
  if (bytes != nullptr)
    for (const auto& counters : run.rep3.online) *bytes = std::max(*bytes, counters.bytes_sent);
  return std::move(run.logits);
}

// The reference's logits, read as the element type.
inline std::vector<int64_t> reference_logits(const qnn::Model& model, const std::vector<uint8_t>& image) {
  const auto outputs = qnn::run_reference(model, image);
  const bool is_signed = model.tensors[static_cast<std::size_t>(model.outputs[0])].type == qnn::ElementType::int8;
  std::vector<int64_t> logits;
  for (uint8_t v : outputs[0]) logits.push_back(is_signed ? static_cast<int8_t>(v) : v);
  return logits;
}

}  // namespace mpvm::testing
