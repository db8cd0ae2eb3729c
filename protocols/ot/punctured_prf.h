// A puncturable PRF on 2^k points from k random base OTs, as a GGM tree (Goldreich,
// Goldwasser, Micali 1986), punctured as in Boyle, Couteau, Gilboa, Ishai, Kohl, Rindal,
// Scholl, "Efficient two-round OT extension and silent non-interactive secure
// computation", CCS 2019: this is the (N−1)-out-of-N random OT, N = 2^k, that Roy's
// SoftSpokenOT (CRYPTO 2022) builds its small-field VOLE from. The holder of the whole
// tree knows all 2^k leaf seeds; the holder of the punctured tree knows every leaf except
// the one at its secret index p, and nothing about that one.
//
// The tree consumes the branch bits of a leaf index from the least significant up: the
// level-ℓ node above leaf x is x mod 2^ℓ, and its children are node y (bit ℓ clear) and
// node y + 2^ℓ (bit ℓ set). Level 1 is the key pair of base OT 0 itself; each further
// level expands every node s with G(s) = AES-128-CTR keyed by s (crypto::Prg), the first
// 16 bytes being the child with the bit clear. For level ℓ ≥ 2 the full holder sends a
// correction pair: (XOR of all children with bit ℓ−1 clear) ⊕ k0, (XOR of those with it
// set) ⊕ k1, with (k0, k1) the keys of base OT ℓ−1.
//
// The punctured holder ran base OT b with choice bit 1 − (bit b of p), so at each level
// it holds the key of the side the path to p does NOT take: from the matching correction
// it strips the children of the parents it knows and is left with the sibling of the
// path node. At the bottom it knows every leaf but leaf p. A tree of depth 1 needs no
// correction: its leaves are the base-OT keys (this is IKNP's case).
//
// The corrections are a message from the full holder after the base OTs have finished,
// so for k ≥ 2 the setup takes one round more than the base OTs (ot_setup.h). No tree
// can do without it: a leaf the punctured holder must compute whichever of its k
// received keys is the informative one would have to be a function of each of those
// independent random keys alone.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "protocols/ot/base_ot.h"
#include "protocols/ot/block.h"

namespace mpvm::ot {

inline constexpr unsigned kMaxTreeDepth = 8;

// Correction pairs a full tree of depth k sends: one per level 2..k.
inline constexpr std::size_t tree_correction_count(unsigned depth) { return depth - 1; }

// All 2^k leaves from the k base-OT key pairs this party sent; writes k − 1 corrections.
std::vector<Block> full_tree_leaves(std::span<const KeyPair> base_keys, std::span<KeyPair> corrections);

// The 2^k leaves except leaf `punctured` (left zero), from the k keys received with
// choice bits 1 − (bit b of `punctured`) and the corrections of the full holder.
std::vector<Block> punctured_tree_leaves(std::span<const Block> received_keys, unsigned punctured,
                                         std::span<const KeyPair> corrections);

}  // namespace mpvm::ot
