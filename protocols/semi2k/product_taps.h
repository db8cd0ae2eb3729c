// Which products a bilinear instruction sums, grouped by the element of its second
// operand. Every interactive product of an additive back-end (muls, dotprods, matmuls,
// conv2ds) is a bilinear map out = P(a, b) = sum over taps (o, i, j) of a[i] * b[j] into
// out[o]. Listing the taps of each b[j] lets one piece of code produce the correlated
// randomness of every such instruction: oblivious transfers choose on the bits of b[j]
// and carry the a[i] it meets (semi2k/bilinear_triples.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "protocols/core/shapes.h"

namespace mpvm::protocols::semi2k {

class ProductTaps {
 public:
  // out[k] = a[k] * b[k]
  static ProductTaps elementwise(std::size_t count);
  // out[k] = sum_l a[k*length + l] * b[k*length + l]
  static ProductTaps dot(std::size_t outputs, int64_t length);
  // C = A * B for every lane (the VM's matmuls)
  static ProductTaps matmul(const MatmulShape& shape, std::size_t lanes);
  // out = conv(input, filter) for every lane (the VM's conv2ds)
  static ProductTaps conv2d(const Conv2dShape& shape, std::size_t lanes);

  std::size_t a_size() const { return a_size_; }
  std::size_t b_size() const { return first_tap_.size() - 1; }
  std::size_t out_size() const { return out_size_; }
  std::size_t tap_count() const { return output_.size(); }
  // Taps of b[j]: indices [first_tap(j), first_tap(j + 1)) into output() and a_index().
  std::size_t first_tap(std::size_t j) const { return first_tap_[j]; }
  std::span<const uint32_t> output() const { return output_; }
  std::span<const uint32_t> a_index() const { return a_index_; }

  // out += P(a, b) over plain arrays (a party's local cross term).
  void accumulate(std::span<uint64_t> out, std::span<const uint64_t> a, std::span<const uint64_t> b) const;

 private:
  ProductTaps(std::size_t a_size, std::size_t b_size, std::size_t out_size);
  // Builds the grouping from a function that calls f(o, i, j) for every tap.
  template <class Enumerate>
  static ProductTaps group(std::size_t a_size, std::size_t b_size, std::size_t out_size, Enumerate enumerate);

  std::size_t a_size_;
  std::size_t out_size_;
  std::vector<uint64_t> first_tap_;  // b_size + 1 offsets
  std::vector<uint32_t> output_;
  std::vector<uint32_t> a_index_;
};

}  // namespace mpvm::protocols::semi2k
