#include "protocols/ot/transpose.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::ot {
namespace {

// 64-bit lanes, one independent 64×64 matrix each: four in an AVX2 register, two in an
// SSE2 one when the build does not target AVX2 (GCC lowers the operators either way).
#ifdef __AVX2__
constexpr std::size_t kLanes = 4;
#else
constexpr std::size_t kLanes = 2;
#endif
using Lanes = uint64_t __attribute__((vector_size(8 * kLanes)));

constexpr std::size_t kGroupBits = 64 * kLanes;  // OTs handled per kernel call

// Swaps the upper-right and lower-left Shift×Shift sub-blocks of rows (a, b), b being
// row a + Shift of the 64×64 matrix: `Mask` selects the bit positions c with
// (c & Shift) == 0 (Warren, "Hacker's Delight", §7-3).
template <int Shift, uint64_t Mask>
inline void swap_sub_blocks(Lanes& a, Lanes& b) {
  const Lanes t = ((a >> Shift) ^ b) & Mask;
  b ^= t;
  a ^= t << Shift;
}

// The six stages of a 64×64 transpose split in two register-sized halves. Stages 32, 16
// and 8 pair only rows i + 8m (m = 0..7) for a fixed i; stages 4, 2 and 1 only rows 8g + j
// (j = 0..7) for a fixed g. Each half works on eight vectors held in registers, so the
// matrix goes through memory twice instead of six times.
inline void wide_stages(Lanes* x) {  // x[m] = row i + 8m
  for (int m = 0; m < 4; ++m) swap_sub_blocks<32, 0x00000000FFFFFFFFull>(x[m], x[m + 4]);
  for (int m : {0, 1, 4, 5}) swap_sub_blocks<16, 0x0000FFFF0000FFFFull>(x[m], x[m + 2]);
  for (int m : {0, 2, 4, 6}) swap_sub_blocks<8, 0x00FF00FF00FF00FFull>(x[m], x[m + 1]);
}
inline void narrow_stages(Lanes* x) {  // x[j] = row 8g + j
  for (int j = 0; j < 4; ++j) swap_sub_blocks<4, 0x0F0F0F0F0F0F0F0Full>(x[j], x[j + 4]);
  for (int j : {0, 1, 4, 5}) swap_sub_blocks<2, 0x3333333333333333ull>(x[j], x[j + 2]);
  for (int j : {0, 2, 4, 6}) swap_sub_blocks<1, 0x5555555555555555ull>(x[j], x[j + 1]);
}

inline Lanes load_lanes(const uint64_t* words) {
  Lanes v;
  std::memcpy(&v, words, sizeof v);
  return v;
}

// Transposes the kLanes 64×64 bit matrices held lane-wise in 64 rows, row r read from
// in(r), into out[0..63]: afterwards bit c of out[i] (in each lane) is bit i of row c.
template <class LoadRow>
inline void transpose_64x64_lanes(const LoadRow& in, Lanes* out) {
  for (int i = 0; i < 8; ++i) {
    Lanes x[8];
    for (int m = 0; m < 8; ++m) x[m] = in(i + 8 * m);
    wide_stages(x);
    for (int m = 0; m < 8; ++m) out[i + 8 * m] = x[m];
  }
  for (int g = 0; g < 8; ++g) narrow_stages(out + 8 * g);
}

// 64·kLanes OTs: 128 rows × kLanes words → blocks, the block of OT 64·L + i at
// out[64·L + i].
inline void rows_to_blocks_group(const uint64_t* rows, std::size_t row_words, Block* out) {
  Lanes low[64], high[64];
  transpose_64x64_lanes([&](int r) { return load_lanes(rows + static_cast<std::size_t>(r) * row_words); }, low);
  transpose_64x64_lanes([&](int r) { return load_lanes(rows + static_cast<std::size_t>(r + 64) * row_words); }, high);
  for (int i = 0; i < 64; ++i) {
#ifdef __AVX2__
    // Interleave (low, high) per lane into whole blocks: lanes 0, 1 then lanes 2, 3.
    const Lanes first = __builtin_shuffle(low[i], high[i], Lanes{0, 4, 1, 5});
    const Lanes second = __builtin_shuffle(low[i], high[i], Lanes{2, 6, 3, 7});
    std::memcpy(out + i, &first, sizeof(Block));
    std::memcpy(out + 64 + i, reinterpret_cast<const char*>(&first) + sizeof(Block), sizeof(Block));
    std::memcpy(out + 128 + i, &second, sizeof(Block));
    std::memcpy(out + 192 + i, reinterpret_cast<const char*>(&second) + sizeof(Block), sizeof(Block));
#else
    for (std::size_t lane = 0; lane < kLanes; ++lane) out[64 * lane + i] = Block{low[i][lane], high[i][lane]};
#endif
  }
}

// The inverse of rows_to_blocks_group.
inline void blocks_to_rows_group(const Block* blocks, uint64_t* rows, std::size_t row_words) {
  Lanes low[64], high[64];
  transpose_64x64_lanes(
      [&](int i) {
        Lanes v;
        for (std::size_t lane = 0; lane < kLanes; ++lane) v[lane] = blocks[64 * lane + i].low;
        return v;
      },
      low);
  transpose_64x64_lanes(
      [&](int i) {
        Lanes v;
        for (std::size_t lane = 0; lane < kLanes; ++lane) v[lane] = blocks[64 * lane + i].high;
        return v;
      },
      high);
  for (int r = 0; r < 64; ++r) {
    std::memcpy(rows + static_cast<std::size_t>(r) * row_words, &low[r], sizeof(Lanes));
    std::memcpy(rows + static_cast<std::size_t>(r + 64) * row_words, &high[r], sizeof(Lanes));
  }
}

void check_rows(std::size_t rows_size, std::size_t row_words, std::size_t count) {
  const std::size_t words = words_for_bits(count);
  if (row_words < words || (count > 0 && rows_size < (kRowsPerBlock - 1) * row_words + words))
    throw Error(fmt::format("transpose: {} words with a stride of {} cannot hold 128 rows of {} bits", rows_size,
                            row_words, count));
}

}  // namespace

void transpose_rows_to_blocks(std::span<const uint64_t> rows, std::size_t row_words, std::size_t count,
                              std::span<Block> blocks) {
  check_rows(rows.size(), row_words, count);
  if (blocks.size() < count) throw Error(fmt::format("transpose: {} blocks for {} columns", blocks.size(), count));
  const std::size_t full_groups = count / kGroupBits;
  for (std::size_t g = 0; g < full_groups; ++g)
    rows_to_blocks_group(rows.data() + g * kLanes, row_words, blocks.data() + g * kGroupBits);

  const std::size_t rest = count - full_groups * kGroupBits;
  if (rest == 0) return;
  // The last, partial group through a zero-padded tile, so no read or write goes past
  // the caller's rows or blocks.
  std::array<uint64_t, kRowsPerBlock * kLanes> tile{};
  const std::size_t words = words_for_bits(rest);
  for (std::size_t r = 0; r < kRowsPerBlock; ++r)
    std::copy_n(rows.data() + r * row_words + full_groups * kLanes, words, tile.data() + r * kLanes);
  std::array<Block, kGroupBits> out;
  rows_to_blocks_group(tile.data(), kLanes, out.data());
  std::copy_n(out.data(), rest, blocks.data() + full_groups * kGroupBits);
}

void transpose_blocks_to_rows(std::span<const Block> blocks, std::span<uint64_t> rows, std::size_t row_words) {
  const std::size_t count = blocks.size();
  check_rows(rows.size(), row_words, count);
  const std::size_t full_groups = count / kGroupBits;
  for (std::size_t g = 0; g < full_groups; ++g)
    blocks_to_rows_group(blocks.data() + g * kGroupBits, rows.data() + g * kLanes, row_words);

  const std::size_t rest = count - full_groups * kGroupBits;
  if (rest == 0) return;
  std::array<Block, kGroupBits> padded{};
  std::copy_n(blocks.data() + full_groups * kGroupBits, rest, padded.data());
  std::array<uint64_t, kRowsPerBlock * kLanes> tile;
  blocks_to_rows_group(padded.data(), tile.data(), kLanes);
  const std::size_t words = words_for_bits(rest);
  for (std::size_t r = 0; r < kRowsPerBlock; ++r)
    std::copy_n(tile.data() + r * kLanes, words, rows.data() + r * row_words + full_groups * kLanes);
}

}  // namespace mpvm::ot
