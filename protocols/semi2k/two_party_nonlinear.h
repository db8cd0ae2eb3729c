// Comparison and exact truncation for semi2k with two parties, on oblivious transfer:
// the millionaires' protocol of CrypTFlow2 (Rathee, Rastogi, Gupta, Chandran, Sharma,
// CCS 2020, §3: 4-bit digits, a 1-out-of-16 OT per digit, an AND tree over the digits'
// (greater, equal) pairs), with its results turned into arithmetic shares by one
// precomputed product of two private bits.
//
// With x = x_0 + x_1 (mod 2^64) and k < 64, bit k of x is bit k of x_0, XOR bit k of
// x_1, XOR the carry [(x_0 mod 2^k) + (x_1 mod 2^k) >= 2^k] = [a > b] for party 0's
// a = x_0 mod 2^k and party 1's b = 2^k - 1 - (x_1 mod 2^k): a comparison of two
// private k-bit numbers.
//
// - ltz(x, bits): x' = x + 2^(bits-1) lies in [0, 2^bits); x < 0 iff bit bits-1 of x'
//   is 0. One comparison of bits-1 bits.
// - eqz(x, bits): x == 0 iff x_0 = -x_1 mod 2^bits: the equality half of the tree only.
// - trunc(x, m, bits): floor(x'/2^m) = (x'_0 >> m) + (x'_1 >> m) + carry
//   - w 2^(64-m), where carry is the comparison above with k = m and w = [x'_0 + x'_1 >=
//   2^64] = MSB(x'_0) OR MSB(x'_1) when bits <= 63, because then x' < 2^63 (CrypTFlow2 /
//   SIRNN's truncation with a known most significant bit, Rathee et al., S&P 2021,
//   §4.1); at 64 bits, w is a 64-bit comparison of its own.
//
// Rounds: 2 for the oblivious transfers, ceil(log2 digits) for the AND tree, 1 to turn
// the result into arithmetic shares: 7 for a 64-bit ltz.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "protocols/crypto/prg.h"
#include "protocols/net/transport.h"
#include "protocols/semi2k/peer_ots.h"

namespace mpvm::protocols::semi2k {

class TwoPartyNonlinear {
 public:
  TwoPartyNonlinear(net::Transport& transport, PeerOts& peer, crypto::Prg& private_prg);

  void ltz(std::span<uint64_t> out, std::span<const uint64_t> x, unsigned bits);
  void eqz(std::span<uint64_t> out, std::span<const uint64_t> x, unsigned bits);
  void trunc(std::span<uint64_t> out, std::span<const uint64_t> x, unsigned m, unsigned bits);

 private:
  using Bits = std::vector<uint8_t>;  // one 0/1 per value: this party's XOR share
  // What the two OT rounds produce besides the leaves: AND triples for the tree and
  // shared products of random bits (rho_0 at party 0, rho_1 at party 1).
  struct Preprocessed {
    Bits greater, equal;          // leaves, digit-major: digit d of value v at d * n + v
    Bits triple_a, triple_b, triple_c;
    Bits product_rho;             // this party's random bit, per product
    std::vector<uint64_t> product_share;  // its additive share of rho_0 * rho_1
  };

  // Compares party 0's a with party 1's b (`mine`, `width` bits each) and returns this
  // party's XOR share of [a > b] (or of [a == b] with `equality`), and `products` bit
  // products per value for the caller's final step.
  Bits compare(std::span<const uint64_t> mine, unsigned width, bool equality, std::size_t products,
               Preprocessed& pre);
  // Both OT rounds: leaves, `gates` AND triples and `products` bit products per value.
  Preprocessed preprocess(std::span<const uint64_t> mine, unsigned width, std::size_t gates, std::size_t products);
  // z = x AND y for XOR-shared bits, consuming triples from `next`: one round.
  void and_gates(std::span<const uint8_t> x, std::span<const uint8_t> y, std::span<uint8_t> z, Preprocessed& pre,
                 std::size_t& next);
  // Additive shares of z_0 * z_1 for private bits z_0 (party 0) and z_1 (party 1) for
  // each column, from the precomputed products: one round for all columns.
  std::vector<std::vector<uint64_t>> private_bit_products(std::span<const Bits> columns, const Preprocessed& pre,
                                                          std::size_t products);
  // One message each way in one round.
  void swap_with_peer(std::span<const uint8_t> sent, std::span<uint8_t> received);

  net::Transport& transport_;
  PeerOts& peer_;
  crypto::Prg& private_prg_;
  int me_;
  int peer_party_;
};

}  // namespace mpvm::protocols::semi2k
