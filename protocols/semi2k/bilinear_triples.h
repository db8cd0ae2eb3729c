// Correlated randomness for every product instruction of semi2k: a "bilinear triple"
// (U, V, W = P(U, V)) for the instruction's bilinear map P, additively shared among n
// parties, produced by oblivious transfer between every pair of parties.
//
// Beaver's trick ("Efficient multiparty protocols using circuit randomization", CRYPTO
// 1991) extends from one product to any bilinear map: with D = A - U and E = B - V
// opened, P(A, B) = W + P(D, V) + P(U, E) + P(D, E). For a matrix product or a
// convolution this opens the two operands once, not every product of them — the
// "matrix triples" of Mohassel-Zhang (SecureML, S&P 2017, §4.2) generalised to any tap
// pattern.
//
// W = sum_i P(U_i, V_i) + sum_{i != j} P(U_j, V_i). Party i computes its own term
// locally; each cross term P(U_j, V_i) is shared between i and j by Gilboa's product
// from oblivious transfer (Gilboa, "Two party RSA key generation", CRYPTO 1999, §3; the
// correlated-OT form of Asharov, Lindell, Schneider, Zohner, CCS 2013, §5.4, as in
// MASCOT, Keller-Orsini-Scholl, CCS 2016, §3): for every element V_i[e] and bit b of it,
// one OT in which party i chooses with that bit and party j's correlation is every
// U_j[a] that V_i[e] meets, mod 2^(64-b) — the higher bits vanish after the shift by b.
// Party i's V_i is the OT extension's random choice vector from its first peer; towards
// every other peer it sends the XOR of its choices and V_i (one bit per OT), and that
// sender swaps its messages where the bit is set (Beaver's derandomisation).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/crypto/prg.h"
#include "protocols/net/transport.h"
#include "protocols/semi2k/peer_ots.h"
#include "protocols/semi2k/product_taps.h"

namespace mpvm::protocols::semi2k {

// One party's additive shares of a bilinear triple.
struct BilinearTriple {
  std::vector<uint64_t> u;  // a-side mask, size taps.a_size()
  std::vector<uint64_t> v;  // b-side mask, size taps.b_size()
  std::vector<uint64_t> w;  // P(U, V), size taps.out_size()
};

class TripleGenerator {
 public:
  // Uses the OTs set up with every peer (peer_ots.h).
  TripleGenerator(net::Transport& transport, crypto::Prg& private_prg, PeerOtTable& peer_ots, unsigned softspoken_k);

  // Two rounds per chunk of at most 2^20 oblivious transfers per peer; every peer in the
  // same rounds.
  BilinearTriple generate(const ProductTaps& taps);

 private:
  void generate_chunk(const ProductTaps& taps, std::size_t first, std::size_t last, BilinearTriple& triple);

  net::Transport& transport_;
  crypto::Prg& private_prg_;
  int me_;
  int parties_;
  // One message to and from every peer, in one round.
  void exchange_with_peers(std::vector<std::vector<uint8_t>>& sent, std::vector<std::vector<uint8_t>>& received);

  unsigned softspoken_k_;
  PeerOtTable& peer_ots_;
  std::vector<uint64_t> correlation_scratch_, words_scratch_;
  std::vector<int> order_;  // the peers, first peer first: its random choices define V
};

}  // namespace mpvm::protocols::semi2k
