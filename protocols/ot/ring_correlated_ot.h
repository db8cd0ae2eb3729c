// Correlated OT over Z_2^w and random OT, from the correlated OTs of softspoken.h and the
// correlation-robust hash H (correlation_robust_hash.h): the "C-OT" of Asharov, Lindell,
// Schneider, Zohner, "More efficient oblivious transfer and extensions for faster secure
// computation", CCS 2013, with the corrections over the ring Z_2^w instead of XOR,
// as Gilboa's product protocol (CRYPTO 1999) uses them.
//
// Inputs per OT j: the sender's q_j and Δ, the receiver's t_j = q_j ⊕ u_j·Δ and choice
// bit u_j, a width w_j in 1..64 and the tweak tweak_base + j. All results are mod 2^w_j,
// returned in the low w_j bits of a uint64_t (higher bits zero).
//
// Correlated (sender's input c_j):
//   sender    x_j = H(q_j) mod 2^w_j,  τ_j = x_j + c_j − H(q_j ⊕ Δ) mod 2^w_j  (sent)
//   receiver  y_j = H(t_j) + u_j·τ_j mod 2^w_j
// so y_j = x_j + u_j·c_j: with u_j = 0, t_j = q_j and y_j = x_j; with u_j = 1,
// t_j = q_j ⊕ Δ and y_j = H(q_j ⊕ Δ) + τ_j = x_j + c_j. The receiver never learns
// H(q_j ⊕ (1 ⊕ u_j)·Δ), which masks τ_j, so τ_j says nothing of c_j; the sender receives
// nothing. The message carries each τ_j in exactly w_j bits (packed_bits.h):
// packed_bytes(widths) = ceil(Σ w_j / 8) bytes.
//
// The caller keeps tweak_base unique per use of an OT (e.g. a running count of OTs).
//
// Gilboa's product of a receiver's a and a sender's b: OT i (i = 0..63) takes a's bit i
// as choice bit, the correlation b and the width 64 − i; then
// Σ_i 2^i·(y_i − x_i) = Σ_i 2^i·a_i·b = a·b mod 2^64 (2^i·(z mod 2^(64−i)) = 2^i·z mod
// 2^64). gilboa.h does exactly this without building per-OT arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/ot/block.h"

namespace mpvm::ot {

// ceil(Σ widths / 8): the length of the correlated sender's message.
std::size_t packed_bytes(std::span<const uint8_t> widths);

// Sender of count = q.size() correlated OTs: writes x (count values) and the message.
void sender_correlate(std::span<const Block> q, Block delta, std::span<const uint64_t> correlation,
                      std::span<const uint8_t> widths, uint64_t tweak_base, std::span<uint8_t> message,
                      std::span<uint64_t> x);

// Receiver of count = t.size() correlated OTs: y_j = x_j + u_j·c_j mod 2^w_j.
void receiver_correlate(std::span<const Block> t, std::span<const uint64_t> choices, std::span<const uint8_t> message,
                        std::span<const uint8_t> widths, uint64_t tweak_base, std::span<uint64_t> y);

// receiver_correlate in two steps, so the receiver can hash its t_j as soon as it has
// them and drop them before the sender's message arrives:
//   receiver_hash:   h_j = H(t_j) mod 2^w_j
//   receiver_finish: y_j = h_j + u_j·τ_j mod 2^w_j (y may be h)
void receiver_hash(std::span<const Block> t, std::span<const uint8_t> widths, uint64_t tweak_base,
                   std::span<uint64_t> h);
void receiver_finish(std::span<const uint64_t> h, std::span<const uint64_t> choices, std::span<const uint8_t> message,
                     std::span<const uint8_t> widths, std::span<uint64_t> y);

// Random OT with 64-bit messages: m0_j = H(q_j), m1_j = H(q_j ⊕ Δ) (low 64 bits);
// the receiver gets m_{u_j} = H(t_j). No message.
void sender_random(std::span<const Block> q, Block delta, uint64_t tweak_base, std::span<uint64_t> m0,
                   std::span<uint64_t> m1);
void receiver_random(std::span<const Block> t, std::span<const uint64_t> choices, uint64_t tweak_base,
                     std::span<uint64_t> m_u);

}  // namespace mpvm::ot
