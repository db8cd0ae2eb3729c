#include "protocols/semi2k/product_taps.h"

#include <limits>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::protocols::semi2k {

ProductTaps::ProductTaps(std::size_t a_size, std::size_t b_size, std::size_t out_size)
    : a_size_(a_size), out_size_(out_size), first_tap_(b_size + 1, 0) {
  constexpr std::size_t kLimit = std::numeric_limits<uint32_t>::max();
  if (a_size > kLimit || out_size > kLimit)
    throw RuntimeError(fmt::format("a product over {} inputs into {} outputs is too large for semi2k", a_size, out_size));
}

template <class Enumerate>
ProductTaps ProductTaps::group(std::size_t a_size, std::size_t b_size, std::size_t out_size, Enumerate enumerate) {
  // Counting sort by the b index: one pass counts, a second places.
  ProductTaps taps(a_size, b_size, out_size);
  enumerate([&](std::size_t, std::size_t, std::size_t j) { ++taps.first_tap_[j + 1]; });
  for (std::size_t j = 0; j < b_size; ++j) taps.first_tap_[j + 1] += taps.first_tap_[j];
  taps.output_.resize(taps.first_tap_[b_size]);
  taps.a_index_.resize(taps.first_tap_[b_size]);
  std::vector<uint64_t> next(taps.first_tap_.begin(), taps.first_tap_.end() - 1);
  enumerate([&](std::size_t o, std::size_t i, std::size_t j) {
    const uint64_t at = next[j]++;
    taps.output_[at] = static_cast<uint32_t>(o);
    taps.a_index_[at] = static_cast<uint32_t>(i);
  });
  return taps;
}

ProductTaps ProductTaps::elementwise(std::size_t count) {
  return group(count, count, count, [&](auto f) {
    for (std::size_t k = 0; k < count; ++k) f(k, k, k);
  });
}

ProductTaps ProductTaps::dot(std::size_t outputs, int64_t length) {
  const std::size_t n = outputs * static_cast<std::size_t>(length);
  return group(n, n, outputs, [&](auto f) {
    for (std::size_t k = 0; k < n; ++k) f(k / static_cast<std::size_t>(length), k, k);
  });
}

ProductTaps ProductTaps::matmul(const MatmulShape& s, std::size_t lanes) {
  return group(lanes * s.a_size(), lanes * s.b_size(), lanes * s.c_size(), [&](auto f) {
    for (std::size_t lane = 0; lane < lanes; ++lane)
      for (int64_t i = 0; i < s.rows; ++i)
        for (int64_t t = 0; t < s.inner; ++t)
          for (int64_t j = 0; j < s.cols; ++j)
            f(lane * s.c_size() + i * s.cols + j, lane * s.a_size() + i * s.inner + t, lane * s.b_size() + t * s.cols + j);
  });
}

ProductTaps ProductTaps::conv2d(const Conv2dShape& s, std::size_t lanes) {
  return group(lanes * s.input_size(), lanes * s.filter_size(), lanes * s.output_size(), [&](auto f) {
    for (std::size_t lane = 0; lane < lanes; ++lane)
      for_each_conv_tap(s, [&](int64_t o, int64_t i, int64_t j) {
        f(lane * s.output_size() + o, lane * s.input_size() + i, lane * s.filter_size() + j);
      });
  });
}

void ProductTaps::accumulate(std::span<uint64_t> out, std::span<const uint64_t> a, std::span<const uint64_t> b) const {
  for (std::size_t j = 0; j < b_size(); ++j) {
    const uint64_t y = b[j];
    for (uint64_t t = first_tap_[j]; t < first_tap_[j + 1]; ++t) out[output_[t]] += a[a_index_[t]] * y;
  }
}

}  // namespace mpvm::protocols::semi2k
