// Binary (XOR) replicated sharing for rep3, and dense bit streams for the carry trees.
//
// A shared word v = v_0 ^ v_1 ^ v_2; party i holds (v_i, v_{i+1}) (Araki et al. CCS 2016
// work over any ring, Z_2 included). XOR and shifts are local; AND costs one bit per
// party per gate and one round for any number of gates (the same reshare as arithmetic
// multiplication, with a zero-sharing from the PRGs).
//
// The carry trees keep their bits in dense streams: value k's positions occupy bits
// [k*w, (k+1)*w) of the stream, w a power of two. Then taking the odd or even positions
// of every value at once is a word-parallel bit gather, and an AND round works on whole
// words: no per-value packing.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/large_vector.h"

#if defined(__BMI2__)
#include <immintrin.h>
#endif

namespace mpvm::protocols::rep3 {

// resize() leaves new words unset (ScratchVector); assign() fills.
struct BitWords {
  ScratchVector<uint64_t> first;   // v_i
  ScratchVector<uint64_t> second;  // v_{i+1}

  std::size_t size() const { return first.size(); }
  void assign(std::size_t n, uint64_t value = 0) {
    first.assign(n, value);
    second.assign(n, value);
  }
};

// One AND of a round: out = x & y, word by word (all three the same length). Only the
// bit positions in `evaluated` (the same in every word) are gates; elsewhere one operand
// is public padding and out is set locally to a copy of `elsewhere` (nullptr: 0), so a
// round sends only the gates it evaluates.
struct AndTask {
  const BitWords* x;
  const BitWords* y;
  BitWords* out;
  uint64_t evaluated = ~uint64_t{0};
  const BitWords* elsewhere = nullptr;
};

// The lanes of one instruction cut in three: party j splits the lanes of third j (and
// inputs their daBits), so the parties share the role that sends the most. cut[0] and
// cut[1] end thirds 0 and 1; equal thirds by default, or weighted (balanced_thirds).
struct LaneThirds {
  std::size_t lanes;
  std::array<std::size_t, 2> cut{lanes / 3, 2 * lanes / 3};
  std::size_t begin(int third) const { return third == 0 ? 0 : cut[static_cast<std::size_t>(third - 1)]; }
  std::size_t end(int third) const { return third == 2 ? lanes : cut[static_cast<std::size_t>(third)]; }
  std::size_t size(int third) const { return end(third) - begin(third); }
};

// Thirds that even out the parties' public surplus of bits sent: a party that has sent
// more (its inputs, earlier splitting) splits fewer lanes. Each split lane costs its
// splitter `extra_bits` more than a helper; `surplus` is updated with what this cut costs.
// Every party computes the same from the same public numbers.
LaneThirds balanced_thirds(std::size_t lanes, uint64_t extra_bits, std::array<uint64_t, 3>& surplus);

inline uint64_t gather_bits(uint64_t x, uint64_t mask) {
#if defined(__BMI2__)
  return _pext_u64(x, mask);
#else
  uint64_t out = 0;
  for (unsigned to = 0; mask != 0; mask &= mask - 1, ++to) out |= (x >> __builtin_ctzll(mask) & 1) << to;
  return out;
#endif
}
inline uint64_t scatter_bits(uint64_t x, uint64_t mask) {
#if defined(__BMI2__)
  return _pdep_u64(x, mask);
#else
  uint64_t out = 0;
  for (unsigned from = 0; mask != 0; mask &= mask - 1, ++from) out |= (x >> from & 1) << __builtin_ctzll(mask);
  return out;
#endif
}

// The positions [low, width) of every value in a word of a width-w stream (w divides 64).
uint64_t repeated_field(unsigned low, unsigned width);

// Message parts of values below 2^width, `width` bits each in whole words (raw words at
// width 64): how many words `count` values take, appending them, reading them back.
std::size_t packed_value_words(std::size_t count, unsigned width);
void append_packed(LargeVector<uint64_t>& message, std::span<const uint64_t> values, unsigned width);
void read_packed(std::span<const uint64_t> words, unsigned width, std::span<uint64_t> values);

// Every even-position bit of a word gathered into the low 32 bits, in order; and every
// odd-position bit.
uint64_t even_bits(uint64_t word);
uint64_t odd_bits(uint64_t word);

unsigned next_power_of_two(unsigned n);

// Words of a stream holding `values` values of width w, rounded up to an even count so a
// stream can always be halved.
std::size_t stream_words(std::size_t values, unsigned width);

// Stream of width w from the low n bits of each word, placed at the top of each value's
// w positions (the w - n positions below are left 0).
void pack_positions(std::span<const uint64_t> words, unsigned n, unsigned width, std::span<uint64_t> stream);

// For a stream of even width: the odd positions of every value (the "high" halves of the
// pairs) and the even ones, as streams of half the width.
void split_halves(std::span<const uint64_t> stream, std::span<uint64_t> odd, std::span<uint64_t> even);

// The low n bits of each word as a stream of `width` bits per value (pack_positions on
// both components of a share).
BitWords pack(const BitWords& words, unsigned n, unsigned width);

// Bit 0 of words [from, from + count) as a width-1 stream.
BitWords bit_stream(const BitWords& words, std::size_t from, std::size_t count);

// The public stream with ones in each value's low `pad` positions (width w), for `values`
// values: the identity (generate 0, propagate 1) below the real positions.
void padding_mask(std::size_t values, unsigned pad, unsigned width, std::span<uint64_t> stream);

}  // namespace mpvm::protocols::rep3
