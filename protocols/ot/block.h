// A 128-bit string (an OT key, a row of the OT-extension matrix, the sender's Δ) and the
// packed bit vectors the OT code passes around.
//
// Conventions used by every file in protocols/ot/:
// - Block bit i is bit i % 64 of `low` (i < 64) or of `high` (i >= 64). In memory a Block
//   is its 16 bytes little-endian (low word first), which is also how AES sees it.
// - A packed bit vector is a span of uint64_t: bit j at word j / 64, position j % 64.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "protocols/core/packed_bits.h"

namespace mpvm::ot {

static_assert(std::endian::native == std::endian::little, "protocols/ot assumes a little-endian host");

// Trivial (no member initialisers) so arrays of blocks can be filled by memcpy; Block{}
// is zero.
struct alignas(16) Block {
  uint64_t low;
  uint64_t high;

  friend Block operator^(Block a, Block b) { return {a.low ^ b.low, a.high ^ b.high}; }
  friend Block operator&(Block a, Block b) { return {a.low & b.low, a.high & b.high}; }
  Block& operator^=(Block b) {
    low ^= b.low;
    high ^= b.high;
    return *this;
  }
  friend bool operator==(Block a, Block b) = default;

  bool bit(unsigned i) const { return ((i < 64 ? low : high) >> (i % 64)) & 1; }

  static Block load(const uint8_t* bytes) {
    Block b;
    std::memcpy(&b, bytes, sizeof b);
    return b;
  }
  void store(uint8_t* bytes) const { std::memcpy(bytes, this, sizeof *this); }
};
static_assert(sizeof(Block) == 16 && std::is_trivial_v<Block>);

// `block` if `bit` is set, else zero; no branch on the (secret) bit.
inline Block block_if(bool bit, Block block) {
  const uint64_t mask = uint64_t{0} - static_cast<uint64_t>(bit);
  return {block.low & mask, block.high & mask};
}

inline constexpr std::size_t words_for_bits(std::size_t bits) { return (bits + 63) / 64; }
// Bit packing is shared with rep3 (protocols/core/packed_bits.h).
using protocols::bytes_for_bits;
using protocols::low_bits_mask;
using protocols::PackedBitReader;
using protocols::PackedBitWriter;

inline bool get_bit(std::span<const uint64_t> bits, std::size_t j) { return (bits[j / 64] >> (j % 64)) & 1; }

inline void set_bit(std::span<uint64_t> bits, std::size_t j, bool value) {
  const uint64_t mask = uint64_t{1} << (j % 64);
  bits[j / 64] = value ? bits[j / 64] | mask : bits[j / 64] & ~mask;
}

}  // namespace mpvm::ot
