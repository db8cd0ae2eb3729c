// Gilboa's product (Gilboa, "Two party RSA key generation", CRYPTO 1999): additive
// shares of a·b mod 2^64 from 64 correlated OTs, the receiver holding a, the sender b.
// This is the cross term of a Beaver triple in the OT-based back-ends.
//
// Product p uses OTs 64p .. 64p + 63 of a correlated-OT batch (softspoken.h); OT 64p + i
// carries bit i of a as its (random) choice bit, so a is the receiver's choice word p:
// random a, which is what triples need. OT i is the ring-correlated OT of
// ring_correlated_ot.h with correlation b and width 64 − i (bits of b·2^i above bit 63
// fall off), and the shares are
//   sender    −Σ_i 2^i·x_i,
//   receiver   Σ_i 2^i·y_i = Σ_i 2^i·(x_i + a_i·b)  ⇒  the two add up to a·b mod 2^64.
// The message carries Σ_i (64 − i) = 2080 bits = 260 bytes per product.
//
// The receiver works in two steps so it never stores the t's: gilboa_receiver_hash right
// after OT extension (it keeps one word per product), gilboa_receiver_finish when the
// sender's message arrives. Tweaks: OT j of the batch uses tweak_base + j, as in
// ring_correlated_ot.h; both sides pass the same tweak_base.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/ot/block.h"

namespace mpvm::ot {

inline constexpr std::size_t kGilboaOtsPerProduct = 64;
inline constexpr std::size_t kGilboaMessageBytesPerProduct = 260;

inline constexpr std::size_t gilboa_message_bytes(std::size_t products) {
  return products * kGilboaMessageBytesPerProduct;
}

// b.size() products from q (64 per product): writes the message and the sender's shares.
void gilboa_sender(std::span<const Block> q, Block delta, std::span<const uint64_t> b, uint64_t tweak_base,
                   std::span<uint8_t> message, std::span<uint64_t> share);

// partial[p] = Σ_i 2^i·H(t_{64p+i}) for partial.size() products.
void gilboa_receiver_hash(std::span<const Block> t, uint64_t tweak_base, std::span<uint64_t> partial);

// share[p] (in: the partial sum, out: the receiver's share) += Σ_i 2^i·a_i·τ_i, a = choices[p].
void gilboa_receiver_finish(std::span<const uint64_t> choices, std::span<const uint8_t> message,
                            std::span<uint64_t> share);

}  // namespace mpvm::ot
