// Correlated OT over Z_2^w where one OT carries several correlations at once: what a
// matrix or convolution triple needs, where one bit of one element of V meets many
// elements of U (semi2k/bilinear_triples.h). The OT's two 128-bit hashes (ring_correlated_
// ot.h) become seeds of a pseudo-random stream, one 64-bit half-block per correlation, so
// a long vector costs one AES call per two words instead of two hashes per word (the
// "long messages from short OTs" step of IKNP 2003, §3.1, with the MMO hash in counter
// mode, Guo et al. S&P 2020, as the generator).
//
// OT j (sender q_j, Δ; receiver t_j = q_j ⊕ u_j·Δ, choice u_j) carries counts[j]
// correlations of widths[j] bits, word i of it at position Σ_{l<j} counts[l] + i:
//   seeds   s0_j = H(q_j, tweak_base + j),  s1_j = H(q_j ⊕ Δ, tweak_base + j),
//           the receiver's H(t_j, tweak_base + j) = s_{u_j}
//   pads    p_b[j][i] = half i % 2 of H(s_b, i / 2), mod 2^w
//   sender  x = p_0,  τ = x + c − p_1 (sent, w bits each, packed)
//   receiver y = p_u + u·τ  =  x + u·c  (mod 2^w)
// The receiver lacks s_{1−u} (correlation robustness of H, as for one word), so its
// stream, and τ, look uniform to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/ot/block.h"

namespace mpvm::ot {

// ceil(Σ counts[j]·widths[j] / 8): the sender's message.
std::size_t vector_packed_bytes(std::span<const uint32_t> counts, std::span<const uint8_t> widths);

void vector_sender_correlate(std::span<const Block> q, Block delta, std::span<const uint32_t> counts,
                             std::span<const uint8_t> widths, std::span<const uint64_t> correlation,
                             uint64_t tweak_base, std::span<uint8_t> message, std::span<uint64_t> x);

void vector_receiver_correlate(std::span<const Block> t, std::span<const uint64_t> choices,
                               std::span<const uint32_t> counts, std::span<const uint8_t> widths,
                               std::span<const uint8_t> message, uint64_t tweak_base, std::span<uint64_t> y);

}  // namespace mpvm::ot
