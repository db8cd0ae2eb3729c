// Random correlated OT extension: SoftSpokenOT with the repetition code, semi-honest
// (Roy, "SoftSpokenOT: Quieter OT extension from small-field silent VOLE in the Minicrypt
// model", CRYPTO 2022). With k = 1 it is IKNP (Ishai, Kilian, Nissim, Petrank, CRYPTO
// 2003) with the random-choice optimisation of Asharov, Lindell, Schneider, Zohner (CCS
// 2013): the receiver sends nothing for the first block.
//
// After `extend(count)` on both sides, for each OT j:
//   receiver: a random choice bit u_j and t_j (128 bits),
//   sender:   q_j (128 bits) and its fixed Δ, with  t_j = q_j ⊕ u_j·Δ.
// ring_correlated_ot.h turns these into random OTs and ring-correlated OTs.
//
// How (SoftSpokenOT, semi-honest protocol): Δ's 128 bits are cut into
// n = ceil(128 / k) blocks of k bits (the last shorter when k does not divide 128). Block
// i is a small-field VOLE (small_field_vole.h) whose VOLE sender is the OT *receiver*
// (it knows all 2^k leaf seeds: u^i and planes v^i_b) and whose VOLE receiver is the OT
// *sender* (it knows Δ_i and all leaves but one: planes w^i_b = v^i_b ⊕ u^i·Δ_{i,b}).
// The u^i of different blocks are independent, but an OT needs one choice vector: with
// the repetition code the receiver keeps u = u^1 and sends u^1 ⊕ u^i for i = 2..n, and
// the sender adds Δ_{i,b}·(u^1 ⊕ u^i) to w^i_b, giving w^i_b = v^i_b ⊕ u·Δ_{i,b} for all
// blocks. Row r = i·k + b of the 128 × m matrices is plane b of block i; transposed, OT j
// reads q_j = column j of the w's and t_j = column j of the v's.
//
// Communication: (n − 1) bits per OT from receiver to sender: 127 (k = 1), 63 (k = 2),
// 31 (k = 4), 15 (k = 8). Computation: the receiver draws 2^k·n bits of AES-CTR per OT,
// the sender (2^k − 1)·n: 256 for k = 1 and 2, 512 for k = 4, 4096 for k = 8.
//
// Rules for callers:
// - Both sides must call extend with the same counts in the same order: the leaf streams
//   advance with every call and must stay in step. Splitting a call at a multiple of
//   kExtendChunk changes nothing: extend(a) then extend(b) give the message, choice bits
//   and blocks of extend(a + b), so each side may split differently at such multiples.
// - There is no transport inside: the receiver's message goes to the sender in whatever
//   round the caller likes, together with other peers' and the other direction's.
// - The sender's Δ is fixed for the life of the object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/ot/block.h"
#include "protocols/ot/small_field_vole.h"

namespace mpvm::ot {

inline constexpr unsigned kMaxFieldBits = kMaxVoleBits;

// The field size to use unless there is a reason not to: 31 bits per OT on the wire at
// about the compute cost of IKNP's 127 (README.md, "Choice of k").
inline constexpr unsigned kDefaultFieldBits = 4;

// OTs per internal step: the 128 rows of a chunk (2 KiB each), its 16-byte blocks and the
// leaf sums stay in L2 together.
inline constexpr std::size_t kExtendChunk = 1 << 14;

// Blocks of Δ for field size k: ceil(128 / k); block i covers bits [i·k, i·k + width).
unsigned vole_count(unsigned k);
unsigned vole_width(unsigned k, unsigned block);

class CorrelatedOtSender {
 public:
  // One VOLE receiver per block of Δ (as set up by ot_setup.h).
  CorrelatedOtSender(unsigned k, Block delta, std::vector<SmallFieldVoleReceiver> blocks);

  Block delta() const { return delta_; }
  unsigned field_bits() const { return k_; }
  // Length of the receiver's message for `count` OTs: (vole_count(k) − 1)·ceil(count / 8).
  static std::size_t message_bytes(std::size_t count, unsigned k);

  // Consumes the receiver's message for the next `count` OTs and writes q[0 .. count):
  // the receiver holds t_j = q_j ⊕ (u_j ? Δ : 0).
  void extend(std::size_t count, std::span<const uint8_t> message, std::span<Block> q);

 private:
  unsigned k_;
  Block delta_;
  std::vector<SmallFieldVoleReceiver> blocks_;
  std::vector<uint64_t> rows_, correction_;
  LeafSumBuffers buffers_;
};

class CorrelatedOtReceiver {
 public:
  // One VOLE sender per block of Δ (as set up by ot_setup.h).
  CorrelatedOtReceiver(unsigned k, std::vector<SmallFieldVoleSender> blocks);

  unsigned field_bits() const { return k_; }

  // Produces the next `count` OTs: the random choice bits u (packed, count bits; bits past
  // count in the last word are zero), t[0 .. count) and the message for the sender
  // (exactly CorrelatedOtSender::message_bytes(count, k) bytes).
  void extend(std::size_t count, std::span<uint8_t> message, std::span<uint64_t> choices, std::span<Block> t);

 private:
  unsigned k_;
  std::vector<SmallFieldVoleSender> blocks_;
  std::vector<uint64_t> rows_, first_u_, other_u_;
  LeafSumBuffers buffers_;
};

}  // namespace mpvm::ot
