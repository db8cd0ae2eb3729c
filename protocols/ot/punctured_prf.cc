#include "protocols/ot/punctured_prf.h"

#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/crypto/prg.h"

namespace mpvm::ot {
namespace {

void check_depth(std::size_t depth, std::size_t corrections) {
  if (depth < 1 || depth > kMaxTreeDepth)
    throw Error(fmt::format("punctured PRF: depth {} outside 1..{}", depth, kMaxTreeDepth));
  if (corrections != tree_correction_count(static_cast<unsigned>(depth)))
    throw Error(fmt::format("punctured PRF: {} corrections for depth {}", corrections, depth));
}

// GGM's length-doubling PRG: the first 32 bytes of AES-128-CTR keyed by the node.
KeyPair expand(Block node) {
  crypto::PrgKey key;
  std::memcpy(key.data(), &node, key.size());
  crypto::Prg prg(key);
  uint8_t children[2 * sizeof(Block)];
  prg.fill(children);
  return {Block::load(children), Block::load(children + sizeof(Block))};
}

}  // namespace

std::vector<Block> full_tree_leaves(std::span<const KeyPair> base_keys, std::span<KeyPair> corrections) {
  check_depth(base_keys.size(), corrections.size());
  std::vector<Block> level = {base_keys[0][0], base_keys[0][1]};
  for (std::size_t depth = 2; depth <= base_keys.size(); ++depth) {
    const std::size_t half = level.size();  // nodes one level up; bit depth−1 picks the side
    std::vector<Block> next(2 * half);
    KeyPair sums{};
    for (std::size_t y = 0; y < half; ++y) {
      const KeyPair children = expand(level[y]);
      next[y] = children[0];
      next[y + half] = children[1];
      sums[0] ^= children[0];
      sums[1] ^= children[1];
    }
    const KeyPair& pad = base_keys[depth - 1];
    corrections[depth - 2] = {sums[0] ^ pad[0], sums[1] ^ pad[1]};
    level = std::move(next);
  }
  return level;
}

std::vector<Block> punctured_tree_leaves(std::span<const Block> received_keys, unsigned punctured,
                                         std::span<const KeyPair> corrections) {
  check_depth(received_keys.size(), corrections.size());
  if (punctured >= (1u << received_keys.size()))
    throw Error(fmt::format("punctured PRF: leaf {} outside a tree of depth {}", punctured, received_keys.size()));
  // Level 1: base OT 0 gave the node on the side the path does not take.
  std::vector<Block> level(2);
  level[1 - (punctured & 1)] = received_keys[0];
  for (std::size_t depth = 2; depth <= received_keys.size(); ++depth) {
    const std::size_t half = level.size();
    const std::size_t path_parent = punctured & (half - 1);
    const unsigned off_path_side = 1 - ((punctured >> (depth - 1)) & 1);
    std::vector<Block> next(2 * half);
    KeyPair known_sums{};
    for (std::size_t y = 0; y < half; ++y) {
      if (y == path_parent) continue;
      const KeyPair children = expand(level[y]);
      next[y] = children[0];
      next[y + half] = children[1];
      known_sums[0] ^= children[0];
      known_sums[1] ^= children[1];
    }
    // The off-path child of the path parent: the correction of its side, unpadded with
    // the base-OT key received for that side, minus the children already known.
    next[path_parent + off_path_side * half] =
        corrections[depth - 2][off_path_side] ^ received_keys[depth - 1] ^ known_sums[off_path_side];
    level = std::move(next);
  }
  return level;
}

}  // namespace mpvm::ot
