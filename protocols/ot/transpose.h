// Bit-matrix transposition between 128 rows of m bits and m blocks of 128 bits: OT
// extension produces its correlation column-wise (one row per bit of Δ, m bits long) and
// hands out one 128-bit block per OT (Ishai-Kilian-Nissim-Petrank 2003, §3: "let t_j be
// the j-th row of T").
//
// Rows are packed bit vectors (block.h) laid out one after the other with a stride of
// `row_words` words: row r, bit j is bit j % 64 of rows[r * row_words + j / 64].
// Column j of that matrix is block j: bit r of blocks[j] is bit j of row r.
//
// Speed: 64×64 bit transposes by recursive block swaps (Warren, "Hacker's Delight",
// §7-3), four matrices at once in the 64-bit lanes of an AVX2 vector (two in SSE2 when
// the build does not target AVX2), each in two register-resident passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/ot/block.h"

namespace mpvm::ot {

inline constexpr std::size_t kRowsPerBlock = 128;

// blocks[j] (j < count) from 128 rows of at least `count` bits each.
// Needs row_words >= words_for_bits(count), rows.size() >= 127 * row_words + words_for_bits(count).
void transpose_rows_to_blocks(std::span<const uint64_t> rows, std::size_t row_words, std::size_t count,
                              std::span<Block> blocks);

// The inverse: writes the first words_for_bits(blocks.size()) words of each of the 128
// rows (bits past blocks.size() in the last word are zero; the rest of a row is untouched).
void transpose_blocks_to_rows(std::span<const Block> blocks, std::span<uint64_t> rows, std::size_t row_words);

}  // namespace mpvm::ot
