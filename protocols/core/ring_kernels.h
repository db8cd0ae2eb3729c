// Local products over Z_2^64 (uint64_t) or Z_2^128 (unsigned __int128), wrapping, shared by
// every back-end whose shares are ring elements: emulate computes on values, replicated and
// additive back-ends on their share components. Each ADDS into `out`, so a back-end sums
// several cross terms.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "protocols/core/shapes.h"

namespace mpvm::protocols::ring {

// out[k] += sum_j a[k*length + j] * b[k*length + j]
template <class Word>
inline void dot_accumulate(std::type_identity_t<std::span<Word>> out, const Word* a, const Word* b, int64_t length) {
  for (std::size_t k = 0; k < out.size(); ++k) {
    Word sum = 0;
    const Word* x = a + k * length;
    const Word* y = b + k * length;
    for (int64_t j = 0; j < length; ++j) sum += x[j] * y[j];
    out[k] += sum;
  }
}

// C += A * B for every lane (blocks of A, B and C advance together).
template <class Word>
inline void matmul_accumulate(std::type_identity_t<std::span<Word>> c, const Word* a, const Word* b, const MatmulShape& s) {
  const std::size_t lanes = c.size() / static_cast<std::size_t>(s.c_size());
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    const Word* A = a + lane * s.a_size();
    const Word* B = b + lane * s.b_size();
    Word* C = c.data() + lane * s.c_size();
    // i-t-j order: the inner loop runs along rows of B and C, contiguous in memory.
    for (int64_t i = 0; i < s.rows; ++i)
      for (int64_t t = 0; t < s.inner; ++t) {
        const Word x = A[i * s.inner + t];
        Word* row = C + i * s.cols;
        const Word* brow = B + t * s.cols;
        for (int64_t j = 0; j < s.cols; ++j) row[j] += x * brow[j];
      }
  }
}

// out += conv(input, filter) for every lane.
template <class Word>
inline void conv2d_accumulate(std::type_identity_t<std::span<Word>> out, const Word* input, const Word* filter, const Conv2dShape& s) {
  const std::size_t lanes = out.size() / static_cast<std::size_t>(s.output_size());
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    const Word* in = input + lane * s.input_size();
    const Word* w = filter + lane * s.filter_size();
    Word* o = out.data() + lane * s.output_size();
    for_each_conv_tap(s, [&](int64_t oi, int64_t ii, int64_t wi) { o[oi] += in[ii] * w[wi]; });
  }
}

}  // namespace mpvm::protocols::ring
