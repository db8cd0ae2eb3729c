#include "protocols/ot/gilboa.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/ot/correlation_robust_hash.h"
#include "protocols/core/packed_bits.h"  // low_bits_mask; the layout is packed_bits.h's

namespace mpvm::ot {
namespace {

constexpr unsigned width_of(std::size_t i) { return static_cast<unsigned>(kGilboaOtsPerProduct - i); }

// One product's 260 bytes are the packed_bits.h layout of τ_0 .. τ_63 (widths 64 .. 1):
// τ_i starts at bit 64·i − i·(i − 1)/2. The record is handled as 33 words (264 bytes,
// the last 4 bytes zero) with the word index and shift of each τ_i fixed at compile
// time, which is several times faster than a general bit stream.
constexpr std::size_t kRecordWords = (kGilboaMessageBytesPerProduct + 7) / 8;

struct Position {
  unsigned word, shift;
};
constexpr std::array<Position, kGilboaOtsPerProduct> kPositions = [] {
  std::array<Position, kGilboaOtsPerProduct> positions{};
  unsigned bit = 0;
  for (std::size_t i = 0; i < kGilboaOtsPerProduct; ++i) {
    positions[i] = {bit / 64, bit % 64};
    bit += width_of(i);
  }
  return positions;
}();
static_assert(kPositions[63].word * 64 + kPositions[63].shift + 1 == 8 * kGilboaMessageBytesPerProduct);

// The bits of τ_i that spill into the next word: value >> (64 − shift), written so that
// a shift of 0 gives 0 rather than an undefined shift by 64.
inline uint64_t spill(uint64_t value, unsigned shift) { return (value >> 1) >> (63 - shift); }

void check_ots(const char* what, std::size_t blocks, std::size_t products) {
  if (blocks != products * kGilboaOtsPerProduct)
    throw Error(fmt::format("{}: {} OTs for {} products, which need {}", what, blocks, products,
                            products * kGilboaOtsPerProduct));
}

void check_message(const char* what, std::size_t bytes, std::size_t products) {
  if (bytes != gilboa_message_bytes(products))
    throw Error(fmt::format("{}: a message of {} bytes for {} products, which need {}", what, bytes, products,
                            gilboa_message_bytes(products)));
}

}  // namespace

void gilboa_sender(std::span<const Block> q, Block delta, std::span<const uint64_t> b, uint64_t tweak_base,
                   std::span<uint8_t> message, std::span<uint64_t> share) {
  const std::size_t products = b.size();
  check_ots("gilboa_sender", q.size(), products);
  check_message("gilboa_sender", message.size(), products);
  if (share.size() < products)
    throw Error(fmt::format("gilboa_sender: {} shares for {} products", share.size(), products));
  std::array<Block, kGilboaOtsPerProduct> own, other;
  for (std::size_t p = 0; p < products; ++p) {
    const std::size_t first = p * kGilboaOtsPerProduct;
    correlation_robust_hash(q.subspan(first, kGilboaOtsPerProduct), Block{}, tweak_base + first, own);
    correlation_robust_hash(q.subspan(first, kGilboaOtsPerProduct), delta, tweak_base + first, other);
    uint64_t sum = 0;
    uint64_t record[kRecordWords + 1] = {};
    for (std::size_t i = 0; i < kGilboaOtsPerProduct; ++i) {
      // x_i = H(q) mod 2^(64−i); shifting by i drops exactly the bits above the width.
      sum += own[i].low << i;
      // τ_i = x_i + b − H(q ⊕ Δ) mod 2^(64−i).
      const uint64_t tau = (own[i].low + b[p] - other[i].low) & low_bits_mask(width_of(i));
      const Position at = kPositions[i];
      record[at.word] |= tau << at.shift;
      record[at.word + 1] |= spill(tau, at.shift);
    }
    std::memcpy(message.data() + p * kGilboaMessageBytesPerProduct, record, kGilboaMessageBytesPerProduct);
    share[p] = uint64_t{0} - sum;
  }
}

void gilboa_receiver_hash(std::span<const Block> t, uint64_t tweak_base, std::span<uint64_t> partial) {
  const std::size_t products = partial.size();
  check_ots("gilboa_receiver_hash", t.size(), products);
  std::array<Block, kGilboaOtsPerProduct> hashes;
  for (std::size_t p = 0; p < products; ++p) {
    const std::size_t first = p * kGilboaOtsPerProduct;
    correlation_robust_hash(t.subspan(first, kGilboaOtsPerProduct), Block{}, tweak_base + first, hashes);
    uint64_t sum = 0;
    for (std::size_t i = 0; i < kGilboaOtsPerProduct; ++i) sum += hashes[i].low << i;
    partial[p] = sum;
  }
}

void gilboa_receiver_finish(std::span<const uint64_t> choices, std::span<const uint8_t> message,
                            std::span<uint64_t> share) {
  const std::size_t products = share.size();
  check_message("gilboa_receiver_finish", message.size(), products);
  if (choices.size() < products)
    throw Error(fmt::format("gilboa_receiver_finish: {} choice words for {} products", choices.size(), products));
  for (std::size_t p = 0; p < products; ++p) {
    uint64_t record[kRecordWords + 1] = {};
    std::memcpy(record, message.data() + p * kGilboaMessageBytesPerProduct, kGilboaMessageBytesPerProduct);
    const uint64_t a = choices[p];
    uint64_t sum = 0;
    for (std::size_t i = 0; i < kGilboaOtsPerProduct; ++i) {
      const Position at = kPositions[i];
      // Bits of τ_i above its width belong to τ_(i+1); the shift by i below drops them.
      const uint64_t tau = (record[at.word] >> at.shift) | (record[at.word + 1] << 1 << (63 - at.shift));
      const uint64_t choice_mask = uint64_t{0} - ((a >> i) & 1);
      sum += (tau & choice_mask) << i;
    }
    share[p] += sum;
  }
}

}  // namespace mpvm::ot
