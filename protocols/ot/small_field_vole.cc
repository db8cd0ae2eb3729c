#include "protocols/ot/small_field_vole.h"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::ot {
namespace {

void xor_into(uint64_t* __restrict target, const uint64_t* __restrict source, std::size_t words) {
  for (std::size_t w = 0; w < words; ++w) target[w] ^= source[w];
}

unsigned bits_of_leaf_count(std::size_t leaves) {
  if (leaves < 2 || leaves > (std::size_t{1} << kMaxVoleBits) || !std::has_single_bit(leaves))
    throw Error(fmt::format("small-field VOLE: {} leaves, not a power of two in 2..2^{}", leaves, kMaxVoleBits));
  return static_cast<unsigned>(std::countr_zero(leaves));
}

// A call of `words` words draws whole AES blocks from each stream (the buffers have room
// for the odd word); both sides draw the same.
std::size_t blocks_for_words(std::size_t words) { return (words + 1) / 2; }

// A partial sum of leaves: `zero` stands for the unknown leaf of the VOLE receiver,
// which enters every sum as zero without a buffer.
struct Sum {
  uint64_t* data = nullptr;
  bool zero = false;
};

// Walks the leaves x = 0 .. 2^k − 1 in order and forms, like a binary counter, the sums
// of aligned groups of 2^level leaves. The group of x at `level` ends at x when bits
// 0 .. level−1 of x are all 1; if bit `level` of x is also 1 the group lies in the half
// with that bit set, so it belongs to plane `level`, and it merges with its pending
// sibling (bit `level` clear) into the group one level up. Plane b thus receives exactly
// the leaves with bit b set; the final group is the sum of all leaves.
//
// fill_leaf(x, buffer) writes leaf x; when leaf_zero_is_unknown, leaf 0 is zero.
// total may be null when the sum of all leaves is not wanted.
template <class FillLeaf>
void sum_leaves(unsigned bits, std::size_t words, bool leaf_zero_is_unknown, const FillLeaf& fill_leaf,
                std::span<uint64_t* const> planes, uint64_t* total, LeafSumBuffers& buffers) {
  if (planes.size() != bits) throw Error(fmt::format("small-field VOLE: {} planes for {} bits", planes.size(), bits));
  // At most one pending group per level plus the current one are alive at a time.
  uint64_t* free_buffers[kMaxVoleBits + 1];
  std::size_t free_count = 0;
  for (unsigned i = 0; i <= bits; ++i) free_buffers[free_count++] = buffers.buffer(i, words);
  Sum pending[kMaxVoleBits];
  const std::size_t bytes = words * sizeof(uint64_t);

  const std::size_t leaves = std::size_t{1} << bits;
  for (std::size_t x = 0; x < leaves; ++x) {
    Sum current;
    if (x == 0 && leaf_zero_is_unknown) {
      current.zero = true;
    } else {
      current.data = free_buffers[--free_count];
      fill_leaf(x, current.data);
    }
    unsigned level = 0;
    for (; level < bits && ((x >> level) & 1); ++level) {
      // Plane `level` first receives a group at x = 2^(level+1) − 1: copy, then XOR.
      const bool first = x == (std::size_t{2} << level) - 1;
      if (current.zero) {
        if (first) std::memset(planes[level], 0, bytes);
      } else if (first) {
        std::memcpy(planes[level], current.data, bytes);
      } else {
        xor_into(planes[level], current.data, words);
      }
      // The last merge only serves the total.
      if (level + 1 == bits && total == nullptr) {
        level = bits;
        break;
      }
      Sum& sibling = pending[level];
      if (sibling.zero) {
        // current stays as it is
      } else if (current.zero) {
        current = sibling;
      } else {
        xor_into(sibling.data, current.data, words);
        free_buffers[free_count++] = current.data;
        current = sibling;
      }
      sibling = Sum{};
    }
    if (level < bits) {
      pending[level] = current;
    } else if (total != nullptr) {
      if (current.zero)
        std::memset(total, 0, bytes);
      else
        std::memcpy(total, current.data, bytes);
    }
  }
}

}  // namespace

uint64_t* LeafSumBuffers::buffer(std::size_t index, std::size_t words) {
  if (buffers_.size() <= index) buffers_.resize(index + 1);
  const std::size_t room = 2 * blocks_for_words(words);  // whole AES blocks
  if (buffers_[index].size() < room) buffers_[index].resize(room);
  return buffers_[index].data();
}

SmallFieldVoleSender::SmallFieldVoleSender(std::span<const Block> leaves) : bits_(bits_of_leaf_count(leaves.size())) {
  streams_.reserve(leaves.size());
  for (const Block& leaf : leaves) streams_.emplace_back(leaf);
}

void SmallFieldVoleSender::generate(std::size_t words, uint64_t* u, std::span<uint64_t* const> planes,
                                    LeafSumBuffers& buffers) {
  const auto fill_leaf = [&](std::size_t x, uint64_t* out) {
    streams_[x].fill(reinterpret_cast<uint8_t*>(out), blocks_for_words(words));
  };
  sum_leaves(bits_, words, false, fill_leaf, planes, u, buffers);
}

SmallFieldVoleReceiver::SmallFieldVoleReceiver(std::span<const Block> leaves, unsigned delta)
    : bits_(bits_of_leaf_count(leaves.size())), delta_(delta) {
  if (delta >= leaves.size())
    throw Error(fmt::format("small-field VOLE: Δ {} outside {} leaves", delta, leaves.size()));
  streams_.reserve(leaves.size() - 1);
  for (std::size_t x = 1; x < leaves.size(); ++x) streams_.emplace_back(leaves[x ^ delta]);
}

void SmallFieldVoleReceiver::generate(std::size_t words, std::span<uint64_t* const> planes, LeafSumBuffers& buffers) {
  // Relabelling x ↦ x ⊕ Δ_i turns "bit b of x ⊕ Δ_i" into "bit b of x": the receiver's
  // planes are the sender's formula over the relabelled leaves, whose leaf 0 (= Δ_i) is
  // unknown and enters as zero.
  const auto fill_leaf = [&](std::size_t x, uint64_t* out) {
    streams_[x - 1].fill(reinterpret_cast<uint8_t*>(out), blocks_for_words(words));
  };
  sum_leaves(bits_, words, true, fill_leaf, planes, nullptr, buffers);
}

}  // namespace mpvm::ot
