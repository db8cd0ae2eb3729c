// Small-field VOLE over F_2^k in bit-plane form, from the 2^k leaf seeds of a punctured
// PRF: Roy, "SoftSpokenOT", CRYPTO 2022, §3.1 (small-field VOLE), the semi-honest case.
// One instance covers one block of k bits of Δ.
//
// Each leaf seed r_x (x ∈ [0, 2^k)) keys an AES-128-CTR stream (aes_ctr.h, the stream of
// crypto::Prg); a call for m bits draws the next ceil(m / 128) blocks of every stream, so
// the streams continue across calls and both sides stay in step as long as they are
// called with the same sizes in the same order.
// Writing r_x for those m bits:
//
//   VOLE sender   (knows every r_x):      u = ⊕_x r_x,  v_b = ⊕_{x : bit b of x = 1} r_x
//   VOLE receiver (knows Δ_i, r_x for every x ≠ Δ_i):
//                                          w_b = ⊕_{x ≠ Δ_i : bit b of x ⊕ Δ_i = 1} r_x
//
// so that w_b = v_b ⊕ u·(bit b of Δ_i): where bit b of Δ_i is 0 the two sums run over
// the same x; where it is 1, w_b sums the x with bit b clear, which is u ⊕ v_b. r_{Δ_i}
// is never needed (bit b of Δ_i ⊕ Δ_i is 0). In the paper's notation v = Σ x·r_x and
// w = Σ (Δ − x)·r_x over F_2^k: w = Δ·u − v, and minus is plus in characteristic 2.
//
// The sums are formed as a binary tree over the leaves in order, keeping at most k + 1
// buffers of m bits (all in cache for m ≤ 2^16): about two XOR passes per leaf instead of
// k / 2 + 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/ot/aes_ctr.h"
#include "protocols/ot/block.h"

namespace mpvm::ot {

inline constexpr unsigned kMaxVoleBits = 8;

// Work space for the leaf sums, reused across calls (sized on first use).
class LeafSumBuffers {
 public:
  uint64_t* buffer(std::size_t index, std::size_t words);

 private:
  std::vector<std::vector<uint64_t>> buffers_;
};

class SmallFieldVoleSender {
 public:
  explicit SmallFieldVoleSender(std::span<const Block> leaves);  // 2^k leaf seeds
  unsigned bits() const { return bits_; }
  // The next `words` · 64 bits of every stream: writes u and the k planes v_b.
  void generate(std::size_t words, uint64_t* u, std::span<uint64_t* const> planes, LeafSumBuffers& buffers);

 private:
  unsigned bits_;
  std::vector<AesCtrStream> streams_;  // by leaf index x
};

class SmallFieldVoleReceiver {
 public:
  // 2^k leaf seeds of which leaves[delta] is unknown (ignored).
  SmallFieldVoleReceiver(std::span<const Block> leaves, unsigned delta);
  unsigned bits() const { return bits_; }
  unsigned delta() const { return delta_; }
  // The next `words` · 64 bits of every known stream: writes the k planes w_b.
  void generate(std::size_t words, std::span<uint64_t* const> planes, LeafSumBuffers& buffers);

 private:
  unsigned bits_;
  unsigned delta_;
  std::vector<AesCtrStream> streams_;  // stream of leaf x ⊕ Δ_i at index x − 1, x = 1 .. 2^k − 1
};

}  // namespace mpvm::ot
