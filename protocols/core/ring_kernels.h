// Local products over Z_2^64 (uint64_t, wrapping), shared by every back-end whose shares
// are ring elements: emulate computes on values, replicated and additive back-ends on
// their share components. Each ADDS into `out`, so a back-end sums several cross terms.
#pragma once

#include <cstdint>
#include <span>

#include "protocols/core/shapes.h"

namespace mpvm::protocols::ring {

// out[k] += sum_j a[k*length + j] * b[k*length + j]
inline void dot_accumulate(std::span<uint64_t> out, const uint64_t* a, const uint64_t* b, int64_t length) {
  for (std::size_t k = 0; k < out.size(); ++k) {
    uint64_t sum = 0;
    const uint64_t* x = a + k * length;
    const uint64_t* y = b + k * length;
    for (int64_t j = 0; j < length; ++j) sum += x[j] * y[j];
    out[k] += sum;
  }
}

// C += A * B for every lane (blocks of A, B and C advance together).
inline void matmul_accumulate(std::span<uint64_t> c, const uint64_t* a, const uint64_t* b, const MatmulShape& s) {
  const std::size_t lanes = c.size() / static_cast<std::size_t>(s.c_size());
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    const uint64_t* A = a + lane * s.a_size();
    const uint64_t* B = b + lane * s.b_size();
    uint64_t* C = c.data() + lane * s.c_size();
    // i-t-j order: the inner loop runs along rows of B and C, contiguous in memory.
    for (int64_t i = 0; i < s.rows; ++i)
      for (int64_t t = 0; t < s.inner; ++t) {
        const uint64_t x = A[i * s.inner + t];
        uint64_t* row = C + i * s.cols;
        const uint64_t* brow = B + t * s.cols;
        for (int64_t j = 0; j < s.cols; ++j) row[j] += x * brow[j];
      }
  }
}

// out += conv(input, filter) for every lane.
inline void conv2d_accumulate(std::span<uint64_t> out, const uint64_t* input, const uint64_t* filter, const Conv2dShape& s) {
  const std::size_t lanes = out.size() / static_cast<std::size_t>(s.output_size());
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    const uint64_t* in = input + lane * s.input_size();
    const uint64_t* w = filter + lane * s.filter_size();
    uint64_t* o = out.data() + lane * s.output_size();
    for_each_conv_tap(s, [&](int64_t oi, int64_t ii, int64_t wi) { o[oi] += in[ii] * w[wi]; });
  }
}

}  // namespace mpvm::protocols::ring
