// Test support: building small quantized models by hand.
#pragma once

#include <cstdint>
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

}  // namespace mpvm::testing
