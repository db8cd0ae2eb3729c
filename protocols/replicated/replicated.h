// The three-party replicated-sharing machinery that rep3 (Z_2^64) and rep3-mal (Z_2^128,
// MAC'd) share: the pairwise PRG keys, zero-sharings, the local cross terms of a product
// and the re-sharing that turns them back into replicated shares. Araki, Furukawa,
// Lindell, Nof, Ohara, "High-throughput semi-honest secure three-party computation with an
// honest majority" (CCS 2016), §2.2.
//
// A secret x = x_0 + x_1 + x_2 (mod 2^w); party i holds the pair (x_i, x_{i+1}), indices
// mod 3. Party i samples key k_i and gives it to party i-1, so party i holds k_i ("own",
// shared with party i-1) and k_{i+1} ("next", shared with party i+1); component x_j of a
// random sharing is drawn from k_j by both of its holders.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/crypto/prg.h"
#include "protocols/net/transport.h"

namespace mpvm::protocols::replicated {

// Party i's view of a secret: (x_i, x_{i+1}).
template <class Word>
struct Pair {
  Word first;   // x_i
  Word second;  // x_{i+1}
};

// Party i's additive share of x*y (the three sum to it), from the two components it holds:
// z_i = x_i y_i + x_i y_{i+1} + x_{i+1} y_i.
template <class Word>
inline Word product_share(const Pair<Word>& x, const Pair<Word>& y) {
  return x.first * (y.first + y.second) + x.second * y.first;
}

// The transport, once it is known to connect exactly three parties.
inline net::Transport& require_three_parties(net::Transport& transport, const char* protocol) {
  if (transport.parties() != 3)
    throw InputError(fmt::format("{} runs with exactly 3 parties, not {}", protocol, transport.parties()));
  return transport;
}

// The first and second components of each share, as two plain arrays (for ring kernels).
template <class Word>
void split_components(std::span<const Pair<Word>> shares, std::vector<Word>& first, std::vector<Word>& second) {
  first.resize(shares.size());
  second.resize(shares.size());
  for (std::size_t k = 0; k < shares.size(); ++k) first[k] = shares[k].first, second[k] = shares[k].second;
}

// Draws n words of a PRG stream (little-endian).
template <class Word>
inline void draw(crypto::Prg& prg, std::span<Word> out) {
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes()));
}

// The two keys party i holds, set up in one round (party i sends k_i to party i-1).
class PairwiseKeys {
 public:
  explicit PairwiseKeys(net::Transport& transport) : PairwiseKeys(transport, crypto::random_key()) {}

  crypto::Prg& own() { return own_; }    // k_i: component i of random sharings
  crypto::Prg& next() { return next_; }  // k_{i+1}: component i+1

  // Adds alpha_i = F(k_i) - F(k_{i+1}) to each z_i: the three alpha sum to zero and each
  // masks its z_i from the party it is sent to, which lacks k_i or k_{i+1}.
  template <class Word>
  void add_zero_sharing(std::span<Word> z) {
    constexpr std::size_t kChunk = 512;
    Word own[kChunk], next[kChunk];
    for (std::size_t start = 0; start < z.size(); start += kChunk) {
      const std::size_t count = std::min(kChunk, z.size() - start);
      draw(own_, std::span<Word>(own, count));
      draw(next_, std::span<Word>(next, count));
      Word* chunk = z.data() + start;
      for (std::size_t k = 0; k < count; ++k) chunk[k] += own[k] - next[k];
    }
  }

 private:
  PairwiseKeys(net::Transport& transport, const crypto::PrgKey& mine) : own_(mine), next_(swap_keys(transport, mine)) {}
  static crypto::PrgKey swap_keys(net::Transport& transport, const crypto::PrgKey& mine) {
    const int me = transport.party();
    crypto::PrgKey theirs{};
    transport.exchange(std::array{net::Outgoing{(me + 2) % 3, mine}}, std::array{net::Incoming{(me + 1) % 3, theirs}});
    return theirs;
  }

  crypto::Prg own_;
  crypto::Prg next_;
};

// Turns additive shares z (already masked by a zero-sharing) into replicated shares: party i
// sends z_i to party i-1 and receives z_{i+1} from party i+1. One round.
template <class Word>
inline void reshare(net::Transport& transport, std::span<const Word> z, std::span<Word> received) {
  const int me = transport.party();
  transport.exchange(std::array{net::Outgoing{(me + 2) % 3, net::as_bytes(z)}},
                     std::array{net::Incoming{(me + 1) % 3, net::as_writable_bytes(received)}});
}

// Adds the cross terms of P(a, b) for a product P bilinear in its operands, given by a ring
// kernel that accumulates P(x, y) of plain arrays: z += P(a_i, b_i + b_{i+1}) + P(a_{i+1}, b_i),
// party i's additive share of P(a, b) (the same cross terms as product_share).
template <class Word, class Kernel>
void add_bilinear_terms(std::span<Word> z, std::span<const Pair<Word>> a, std::span<const Pair<Word>> b, Kernel kernel) {
  std::vector<Word> a_first, a_second, b_first, b_sum;
  split_components(a, a_first, a_second);
  split_components(b, b_first, b_sum);
  for (std::size_t k = 0; k < b_sum.size(); ++k) b_sum[k] += b_first[k];  // now b_i + b_{i+1}
  kernel(z, a_first.data(), b_sum.data());
  kernel(z, a_second.data(), b_first.data());
}

// A random sharing no party knows: x_j = F(k_j), so party i draws x_i and x_{i+1} from
// its two keys. No message.
template <class Word>
void random_sharing(PairwiseKeys& keys, std::span<Pair<Word>> out) {
  std::vector<Word> first(out.size()), second(out.size());
  draw(keys.own(), std::span<Word>(first));
  draw(keys.next(), std::span<Word>(second));
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = {first[k], second[k]};
}

// Party `owner`'s private values, shared: the owner p draws x_p from k_p (party p+2, which
// holds k_p as its next key, draws it too), sends the low 64 bits of x_{p+1} = v - x_p to
// party p+1, and x_{p+2} = 0. One message of 8 bytes per value, to one party. Whatever the
// owner sends, the other two parties' views agree on one value (so a cheating owner can
// only choose its input). `values` is read only at the owner.
template <class Word>
void share_input(net::Transport& transport, PairwiseKeys& keys, int owner, std::span<const int64_t> values,
                 std::span<Pair<Word>> out) {
  const int me = transport.party();
  const std::size_t n = out.size();
  std::vector<uint64_t> message(n);
  std::vector<Word> drawn(n);
  if (me == owner) {
    draw(keys.own(), std::span<Word>(drawn));
    for (std::size_t k = 0; k < n; ++k) {
      message[k] = static_cast<uint64_t>(values[k]) - static_cast<uint64_t>(drawn[k]);
      out[k] = {drawn[k], message[k]};
    }
    transport.send((me + 1) % 3, net::as_bytes(std::span<const uint64_t>(message)));
  } else if (me == (owner + 1) % 3) {
    transport.receive(owner, net::as_writable_bytes(std::span<uint64_t>(message)));
    for (std::size_t k = 0; k < n; ++k) out[k] = {message[k], 0};
  } else {
    draw(keys.next(), std::span<Word>(drawn));
    for (std::size_t k = 0; k < n; ++k) out[k] = {0, drawn[k]};
  }
}

}  // namespace mpvm::protocols::replicated
