#include "protocols/ot/vector_correlated_ot.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/ot/correlation_robust_hash.h"
#include "protocols/core/packed_bits.h"

namespace mpvm::ot {
namespace {

constexpr std::size_t kBatch = 256;  // seeds hashed per call

void check_shapes(std::size_t transfers, std::span<const uint32_t> counts, std::span<const uint8_t> widths,
                  std::size_t words, std::span<const uint8_t> message) {
  if (counts.size() != transfers || widths.size() != transfers)
    throw Error(fmt::format("vector OT: {} counts and {} widths for {} OTs", counts.size(), widths.size(), transfers));
  std::size_t total = 0;
  for (std::size_t j = 0; j < transfers; ++j) {
    if (widths[j] < 1 || widths[j] > 64) throw Error(fmt::format("vector OT: width {} of OT {} outside 1..64", widths[j], j));
    total += counts[j];
  }
  if (total > words) throw Error(fmt::format("vector OT: {} words for spans of {}", total, words));
  if (message.size() != vector_packed_bytes(counts, widths))
    throw Error(fmt::format("vector OT: a message of {} bytes where {} are needed", message.size(),
                            vector_packed_bytes(counts, widths)));
}

// The pad stream of one seed: half i % 2 of H(seed, i / 2), for `count` words.
void expand(Block seed, uint32_t count, std::vector<Block>& zeros, std::vector<Block>& stream) {
  const std::size_t blocks = (count + 1) / 2;
  if (zeros.size() < blocks) zeros.resize(blocks, Block{0, 0});
  stream.resize(blocks);
  correlation_robust_hash(std::span<const Block>(zeros).first(blocks), seed, 0, stream);
}

uint64_t half(const std::vector<Block>& stream, std::size_t i) { return i % 2 ? stream[i / 2].high : stream[i / 2].low; }

}  // namespace

std::size_t vector_packed_bytes(std::span<const uint32_t> counts, std::span<const uint8_t> widths) {
  std::size_t bits = 0;
  for (std::size_t j = 0; j < counts.size(); ++j) bits += std::size_t{counts[j]} * widths[j];
  return bytes_for_bits(bits);
}

void vector_sender_correlate(std::span<const Block> q, Block delta, std::span<const uint32_t> counts,
                             std::span<const uint8_t> widths, std::span<const uint64_t> correlation,
                             uint64_t tweak_base, std::span<uint8_t> message, std::span<uint64_t> x) {
  check_shapes(q.size(), counts, widths, std::min(correlation.size(), x.size()), message);
  PackedBitWriter writer(message);
  std::vector<Block> seeds0(kBatch), seeds1(kBatch), zeros, stream0, stream1;
  std::size_t word = 0;
  for (std::size_t start = 0; start < q.size(); start += kBatch) {
    const std::size_t n = std::min(kBatch, q.size() - start);
    correlation_robust_hash(q.subspan(start, n), Block{0, 0}, tweak_base + start, std::span(seeds0).first(n));
    correlation_robust_hash(q.subspan(start, n), delta, tweak_base + start, std::span(seeds1).first(n));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = start + i;
      expand(seeds0[i], counts[j], zeros, stream0);
      expand(seeds1[i], counts[j], zeros, stream1);
      const uint64_t mask = low_bits_mask(widths[j]);
      for (uint32_t k = 0; k < counts[j]; ++k, ++word) {
        x[word] = half(stream0, k) & mask;
        writer.put((x[word] + correlation[word] - half(stream1, k)) & mask, widths[j]);
      }
    }
  }
  writer.finish();
}

void vector_receiver_correlate(std::span<const Block> t, std::span<const uint64_t> choices,
                               std::span<const uint32_t> counts, std::span<const uint8_t> widths,
                               std::span<const uint8_t> message, uint64_t tweak_base, std::span<uint64_t> y) {
  check_shapes(t.size(), counts, widths, y.size(), message);
  PackedBitReader reader(message);
  std::vector<Block> seeds(kBatch), zeros, stream;
  std::size_t word = 0;
  for (std::size_t start = 0; start < t.size(); start += kBatch) {
    const std::size_t n = std::min(kBatch, t.size() - start);
    correlation_robust_hash(t.subspan(start, n), Block{0, 0}, tweak_base + start, std::span(seeds).first(n));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = start + i;
      expand(seeds[i], counts[j], zeros, stream);
      const uint64_t mask = low_bits_mask(widths[j]);
      const uint64_t choice = get_bit(choices, j);
      for (uint32_t k = 0; k < counts[j]; ++k, ++word) {
        const uint64_t tau = reader.get(widths[j]);
        y[word] = (half(stream, k) + choice * tau) & mask;
      }
    }
  }
}

}  // namespace mpvm::ot
