// Values of 0..64 bits written back to back into bytes, least significant bit first:
// value j occupies bits [Σ_{i<j} w_i, Σ_{i≤j} w_i) of the buffer, bit n of the buffer
// being bit n % 8 of byte n / 8. Ring-correlated OTs send each correction in exactly its
// width, so a message is ceil(Σ w / 8) bytes; rep3 packs the gates it evaluates and the
// bits of a splitting message the same way.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::protocols {

__extension__ typedef unsigned __int128 PackedBitsAccumulator;  // GCC/Clang built-in

inline constexpr std::size_t bytes_for_bits(std::size_t bits) { return (bits + 7) / 8; }

inline constexpr uint64_t low_bits_mask(unsigned width) {
  return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
}

class PackedBitWriter {
 public:
  explicit PackedBitWriter(std::span<uint8_t> out) : out_(out) {}

  // Appends the low `width` bits of value (0 <= width <= 64).
  void put(uint64_t value, unsigned width) {
    pending_ |= static_cast<PackedBitsAccumulator>(value & low_bits_mask(width)) << pending_bits_;
    pending_bits_ += width;
    if (pending_bits_ >= 64) {
      if (written_ + sizeof(uint64_t) > out_.size())
        throw Error(fmt::format("packed bits: more than {} bytes of values", out_.size()));
      const uint64_t word = static_cast<uint64_t>(pending_);
      std::memcpy(out_.data() + written_, &word, sizeof word);
      written_ += sizeof word;
      pending_ >>= 64;
      pending_bits_ -= 64;
    }
  }

  // Writes the last partial word; the values must have filled the buffer exactly, to
  // the byte.
  void finish() {
    const std::size_t tail = bytes_for_bits(pending_bits_);
    if (written_ + tail != out_.size())
      throw Error(fmt::format("packed bits: {} bytes written into a buffer of {}", written_ + tail, out_.size()));
    const uint64_t word = static_cast<uint64_t>(pending_);
    std::memcpy(out_.data() + written_, &word, tail);
  }

 private:
  std::span<uint8_t> out_;
  std::size_t written_ = 0;
  PackedBitsAccumulator pending_ = 0;
  unsigned pending_bits_ = 0;
};

class PackedBitReader {
 public:
  explicit PackedBitReader(std::span<const uint8_t> in) : in_(in) {}

  // The next `width` bits (0 <= width <= 64), as the low bits of the result.
  uint64_t get(unsigned width) {
    if (pending_bits_ < width) {
      const std::size_t take = std::min<std::size_t>(sizeof(uint64_t), in_.size() - read_);
      uint64_t word = 0;
      std::memcpy(&word, in_.data() + read_, take);
      read_ += take;
      pending_ |= static_cast<PackedBitsAccumulator>(word) << pending_bits_;
      pending_bits_ += static_cast<unsigned>(8 * take);
      if (pending_bits_ < width) throw Error("packed bits: read past the end of the message");
    }
    const uint64_t value = static_cast<uint64_t>(pending_) & low_bits_mask(width);
    pending_ >>= width;
    pending_bits_ -= width;
    return value;
  }

 private:
  std::span<const uint8_t> in_;
  std::size_t read_ = 0;
  PackedBitsAccumulator pending_ = 0;
  unsigned pending_bits_ = 0;
};

}  // namespace mpvm::protocols
