#include "protocols/ot/softspoken.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/ot/transpose.h"

namespace mpvm::ot {
namespace {

void check_field_bits(unsigned k) {
  if (k < 1 || k > kMaxFieldBits)
    throw Error(fmt::format("OT extension: field bits k = {} outside 1..{}", k, kMaxFieldBits));
}

template <class Vole>
void check_blocks(unsigned k, const std::vector<Vole>& blocks) {
  check_field_bits(k);
  if (blocks.size() != vole_count(k))
    throw Error(fmt::format("OT extension: {} VOLE blocks where k = {} needs {}", blocks.size(), k, vole_count(k)));
  for (unsigned i = 0; i < blocks.size(); ++i)
    if (blocks[i].bits() != vole_width(k, i))
      throw Error(
          fmt::format("OT extension: VOLE block {} has {} bits, not {}", i, blocks[i].bits(), vole_width(k, i)));
}

// Pointers to the rows of block i's planes (rows i·k .. i·k + width − 1) in a 128-row
// matrix.
struct PlaneRows {
  std::array<uint64_t*, kMaxFieldBits> rows;
  unsigned width;
  std::span<uint64_t* const> span() const { return {rows.data(), width}; }
};
PlaneRows plane_rows(std::vector<uint64_t>& rows, std::size_t row_words, unsigned k, unsigned block, unsigned width) {
  PlaneRows planes{{}, width};
  for (unsigned b = 0; b < width; ++b) planes.rows[b] = rows.data() + (std::size_t{block} * k + b) * row_words;
  return planes;
}

// The message holds, chunk after chunk, rows i = 1 .. n−1 of ceil(chunk / 8) bytes each.
// Chunks start at multiples of kExtendChunk, a multiple of 8, so each chunk's part starts
// at (n − 1) · start / 8.
std::size_t chunk_message_offset(std::size_t start, unsigned k) { return (vole_count(k) - 1) * (start / 8); }

// The stride between the rows of a chunk: one cache line more than the row, so that the
// transposition's reads from 128 rows do not all land in the same few L1 sets (rows of
// 2 KiB would: the set index repeats every 4 KiB).
std::size_t row_stride(std::size_t words) { return (words + 7) / 8 * 8 + 8; }

void xor_into(uint64_t* __restrict target, const uint64_t* __restrict source, uint64_t mask, std::size_t words) {
  for (std::size_t w = 0; w < words; ++w) target[w] ^= source[w] & mask;
}

}  // namespace

unsigned vole_count(unsigned k) {
  check_field_bits(k);
  return (kRowsPerBlock + k - 1) / k;
}

unsigned vole_width(unsigned k, unsigned block) {
  return static_cast<unsigned>(std::min<std::size_t>(k, kRowsPerBlock - std::size_t{block} * k));
}

// ---- sender ----

CorrelatedOtSender::CorrelatedOtSender(unsigned k, Block delta, std::vector<SmallFieldVoleReceiver> blocks)
    : k_(k), delta_(delta), blocks_(std::move(blocks)) {
  check_blocks(k, blocks_);
  for (unsigned i = 0; i < blocks_.size(); ++i) {
    unsigned bits = 0;
    for (unsigned b = 0; b < blocks_[i].bits(); ++b) bits |= unsigned{delta.bit(i * k + b)} << b;
    if (bits != blocks_[i].delta()) throw Error(fmt::format("OT extension: VOLE block {} was punctured off Δ", i));
  }
}

std::size_t CorrelatedOtSender::message_bytes(std::size_t count, unsigned k) {
  return (vole_count(k) - 1) * bytes_for_bits(count);
}

void CorrelatedOtSender::extend(std::size_t count, std::span<const uint8_t> message, std::span<Block> q) {
  if (message.size() != message_bytes(count, k_))
    throw Error(fmt::format("OT extension sender: a message of {} bytes for {} OTs, which need {}", message.size(),
                            count, message_bytes(count, k_)));
  if (q.size() < count) throw Error(fmt::format("OT extension sender: room for {} of {} OTs", q.size(), count));
  for (std::size_t start = 0; start < count; start += kExtendChunk) {
    const std::size_t chunk = std::min(kExtendChunk, count - start);
    const std::size_t words = words_for_bits(chunk), bytes = bytes_for_bits(chunk), stride = row_stride(words);
    rows_.resize(kRowsPerBlock * stride);
    correction_.resize(words);
    const uint8_t* chunk_message = message.data() + chunk_message_offset(start, k_);
    for (unsigned i = 0; i < blocks_.size(); ++i) {
      const unsigned width = blocks_[i].bits();
      const PlaneRows planes = plane_rows(rows_, stride, k_, i, width);
      blocks_[i].generate(words, planes.span(), buffers_);  // w_b = v_b ⊕ u^i·Δ_{i,b}
      if (i == 0) continue;
      // Repetition code: add Δ_{i,b}·(u^1 ⊕ u^i) so that w_b = v_b ⊕ u^1·Δ_{i,b}. The
      // mask keeps the work independent of Δ's bits.
      correction_.back() = 0;
      std::memcpy(correction_.data(), chunk_message + (i - 1) * bytes, bytes);
      for (unsigned b = 0; b < width; ++b) {
        const uint64_t mask = uint64_t{0} - uint64_t{delta_.bit(i * k_ + b)};
        xor_into(planes.rows[b], correction_.data(), mask, words);
      }
    }
    transpose_rows_to_blocks(rows_, stride, chunk, q.subspan(start, chunk));
  }
}

// ---- receiver ----

CorrelatedOtReceiver::CorrelatedOtReceiver(unsigned k, std::vector<SmallFieldVoleSender> blocks)
    : k_(k), blocks_(std::move(blocks)) {
  check_blocks(k, blocks_);
}

void CorrelatedOtReceiver::extend(std::size_t count, std::span<uint8_t> message, std::span<uint64_t> choices,
                                  std::span<Block> t) {
  if (message.size() != CorrelatedOtSender::message_bytes(count, k_))
    throw Error(fmt::format("OT extension receiver: room for a message of {} bytes for {} OTs, which need {}",
                            message.size(), count, CorrelatedOtSender::message_bytes(count, k_)));
  if (t.size() < count || choices.size() < words_for_bits(count))
    throw Error(fmt::format("OT extension receiver: room for {} blocks and {} choice bits, {} OTs asked", t.size(),
                            choices.size() * 64, count));
  for (std::size_t start = 0; start < count; start += kExtendChunk) {
    const std::size_t chunk = std::min(kExtendChunk, count - start);
    const std::size_t words = words_for_bits(chunk), bytes = bytes_for_bits(chunk), stride = row_stride(words);
    rows_.resize(kRowsPerBlock * stride);
    first_u_.resize(words);
    other_u_.resize(words);
    uint8_t* chunk_message = message.data() + chunk_message_offset(start, k_);
    // Bits of the last byte and word past the chunk's end are cleared, not sent.
    const uint64_t last_word_mask = chunk % 64 == 0 ? ~uint64_t{0} : (uint64_t{1} << (chunk % 64)) - 1;
    for (unsigned i = 0; i < blocks_.size(); ++i) {
      const PlaneRows planes = plane_rows(rows_, stride, k_, i, blocks_[i].bits());
      if (i == 0) {
        blocks_[i].generate(words, first_u_.data(), planes.span(), buffers_);
        first_u_.back() &= last_word_mask;
        continue;
      }
      blocks_[i].generate(words, other_u_.data(), planes.span(), buffers_);
      for (std::size_t w = 0; w < words; ++w) other_u_[w] ^= first_u_[w];
      other_u_.back() &= last_word_mask;
      std::memcpy(chunk_message + (i - 1) * bytes, other_u_.data(), bytes);
    }
    std::copy(first_u_.begin(), first_u_.end(), choices.begin() + static_cast<std::ptrdiff_t>(start / 64));
    transpose_rows_to_blocks(rows_, stride, chunk, t.subspan(start, chunk));
  }
}

}  // namespace mpvm::ot
