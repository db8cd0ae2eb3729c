#include "protocols/ot/ring_correlated_ot.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/ot/correlation_robust_hash.h"
#include "protocols/core/packed_bits.h"

namespace mpvm::ot {
namespace {

// Hashes go through a stack buffer of this many OTs at a time.
constexpr std::size_t kBatch = 256;

void check_sizes(const char* what, std::size_t count, std::initializer_list<std::size_t> sizes) {
  for (std::size_t size : sizes)
    if (size < count) throw Error(fmt::format("{}: a span of {} for {} OTs", what, size, count));
}

void check_widths(std::span<const uint8_t> widths, std::size_t count) {
  if (widths.size() != count) throw Error(fmt::format("ring OT: {} widths for {} OTs", widths.size(), count));
  for (std::size_t j = 0; j < count; ++j)
    if (widths[j] < 1 || widths[j] > 64)
      throw Error(fmt::format("ring OT: width {} of OT {} outside 1..64", widths[j], j));
}

void check_message(std::span<const uint8_t> message, std::span<const uint8_t> widths) {
  if (message.size() != packed_bytes(widths))
    throw Error(fmt::format("ring OT: a message of {} bytes where the widths need {}", message.size(),
                            packed_bytes(widths)));
}

// body(j, H(q_j), H(q_j ^ delta)) for every OT j: the sender's two pads, hashed a batch at
// a time through a stack buffer.
template <class Body>
void for_each_sender_pad_pair(std::span<const Block> q, Block delta, uint64_t tweak_base, Body body) {
  std::array<Block, kBatch> zero, one;
  for (std::size_t start = 0; start < q.size(); start += kBatch) {
    const std::size_t n = std::min(kBatch, q.size() - start);
    correlation_robust_hash(q.subspan(start, n), Block{}, tweak_base + start, zero);
    correlation_robust_hash(q.subspan(start, n), delta, tweak_base + start, one);
    for (std::size_t i = 0; i < n; ++i) body(start + i, zero[i].low, one[i].low);
  }
}

// body(j, H(t_j)) for every OT j: the receiver's pad of its choice.
template <class Body>
void for_each_receiver_pad(std::span<const Block> t, uint64_t tweak_base, Body body) {
  std::array<Block, kBatch> hashes;
  for (std::size_t start = 0; start < t.size(); start += kBatch) {
    const std::size_t n = std::min(kBatch, t.size() - start);
    correlation_robust_hash(t.subspan(start, n), Block{}, tweak_base + start, hashes);
    for (std::size_t i = 0; i < n; ++i) body(start + i, hashes[i].low);
  }
}

}  // namespace

std::size_t packed_bytes(std::span<const uint8_t> widths) {
  std::size_t bits = 0;
  for (uint8_t w : widths) bits += w;
  return bytes_for_bits(bits);
}

void sender_correlate(std::span<const Block> q, Block delta, std::span<const uint64_t> correlation,
                      std::span<const uint8_t> widths, uint64_t tweak_base, std::span<uint8_t> message,
                      std::span<uint64_t> x) {
  const std::size_t count = q.size();
  check_sizes("sender_correlate", count, {correlation.size(), x.size()});
  check_widths(widths, count);
  check_message(message, widths);
  PackedBitWriter writer(message);
  for_each_sender_pad_pair(q, delta, tweak_base, [&](std::size_t j, uint64_t own, uint64_t other) {
    x[j] = own & low_bits_mask(widths[j]);
    writer.put(own + correlation[j] - other, widths[j]);
  });
  writer.finish();
}

void receiver_hash(std::span<const Block> t, std::span<const uint8_t> widths, uint64_t tweak_base,
                   std::span<uint64_t> h) {
  const std::size_t count = t.size();
  check_sizes("receiver_hash", count, {h.size()});
  check_widths(widths, count);
  for_each_receiver_pad(t, tweak_base, [&](std::size_t j, uint64_t pad) { h[j] = pad & low_bits_mask(widths[j]); });
}

void receiver_finish(std::span<const uint64_t> h, std::span<const uint64_t> choices, std::span<const uint8_t> message,
                     std::span<const uint8_t> widths, std::span<uint64_t> y) {
  const std::size_t count = h.size();
  check_sizes("receiver_finish", count, {y.size(), choices.size() * 64});
  check_widths(widths, count);
  check_message(message, widths);
  PackedBitReader reader(message);
  for (std::size_t j = 0; j < count; ++j) {
    const uint64_t tau = reader.get(widths[j]);
    const uint64_t choice_mask = uint64_t{0} - uint64_t{get_bit(choices, j)};
    y[j] = (h[j] + (tau & choice_mask)) & low_bits_mask(widths[j]);
  }
}

void receiver_correlate(std::span<const Block> t, std::span<const uint64_t> choices, std::span<const uint8_t> message,
                        std::span<const uint8_t> widths, uint64_t tweak_base, std::span<uint64_t> y) {
  check_sizes("receiver_correlate", t.size(), {y.size()});
  receiver_hash(t, widths, tweak_base, y.first(t.size()));
  receiver_finish(y.first(t.size()), choices, message, widths, y);
}

void sender_random(std::span<const Block> q, Block delta, uint64_t tweak_base, std::span<uint64_t> m0,
                   std::span<uint64_t> m1) {
  const std::size_t count = q.size();
  check_sizes("sender_random", count, {m0.size(), m1.size()});
  for_each_sender_pad_pair(q, delta, tweak_base, [&](std::size_t j, uint64_t zero, uint64_t one) {
    m0[j] = zero;
    m1[j] = one;
  });
}

void receiver_random(std::span<const Block> t, std::span<const uint64_t> choices, uint64_t tweak_base,
                     std::span<uint64_t> m_u) {
  const std::size_t count = t.size();
  check_sizes("receiver_random", count, {m_u.size(), choices.size() * 64});
  for_each_receiver_pad(t, tweak_base, [&](std::size_t j, uint64_t pad) { m_u[j] = pad; });
}

}  // namespace mpvm::ot
