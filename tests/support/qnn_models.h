// Test support: building small quantized models by hand.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "compiler_lite/qnn/model.h"

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

}  // namespace mpvm::testing
