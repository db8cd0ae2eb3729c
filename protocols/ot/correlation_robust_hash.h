// The hash that turns correlated OTs into random and ring-correlated OTs, from fixed-key
// AES: Guo, Katz, Wang, Yu, "Efficient and secure multiparty computation from fixed-key
// block ciphers", IEEE S&P 2020 (eprint 2019/074, §7.3 in the full version):
//
//     H(x, i) = π(σ(y)) ⊕ σ(y),   y = x ⊕ i,   σ(yL ‖ yR) = (yL ⊕ yR) ‖ yL,
//
// where π is AES-128 under a fixed public key (modelled as a random permutation), yL the
// high and yR the low 64 bits, and the tweak i is XORed into the low 64 bits.
//
// What the OTs need. After OT extension the sender holds q_j and Δ, the receiver t_j =
// q_j ⊕ u_j·Δ; the receiver knows t_j, and t_j is uniform. The sender's other value
// H(q_j ⊕ (1 ⊕ u_j)·Δ) = H(t_j ⊕ Δ) must look uniform to the receiver: that is
// correlation robustness for a secret uniform Δ over uniform inputs (the property IKNP
// 2003 assume of their hash; GKWY's "CR"). σ is a linear orthomorphism (σ and
// x ↦ σ(x) ⊕ x are both permutations), which is what GKWY §7.3 need to prove the MMO
// construction π(σ(x)) ⊕ σ(x) circular correlation robust ("CCR", which implies CR) in
// the random-permutation model; plain π(x) ⊕ x (§7.2) would give CR only. Their
// theorems ask that the queried inputs be distinct; with the public tweak i_j XORed in
// they are t_j ⊕ i_j, still uniform and independent, so distinct except with
// probability (number of OTs)^2 / 2^128; the tweak also keeps two uses of one OT (the
// same q under two tweaks) apart. The receiver here is semi-honest, so its t_j are
// uniform. That uniformity is the contract: structured inputs can collide (x under
// tweak i is the input x ⊕ i under tweak 0). A malicious receiver could choose its t_j; that needs GKWY's two-call
// tweakable construction π(π(x) ⊕ i) ⊕ π(x) ("TCCR", §7.4) and is out of scope.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "protocols/ot/block.h"

namespace mpvm::ot {

// The public AES-128 key of π (the first 128 bits of the fractional part of π).
const std::array<uint8_t, 16>& fixed_aes_key();

// π(x): AES-128 under fixed_aes_key(), for tests against OpenSSL.
Block fixed_key_aes(Block x);

// H(x, tweak).
Block correlation_robust_hash(Block x, uint64_t tweak);

// out[j] = H(x[j] ⊕ offset, tweak_base + j) for every j < x.size(), eight AES blocks in
// flight. `out` may be `x`. Offset 0 hashes the inputs; offset Δ their partners.
void correlation_robust_hash(std::span<const Block> x, Block offset, uint64_t tweak_base, std::span<Block> out);

}  // namespace mpvm::ot
