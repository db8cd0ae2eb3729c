#include "protocols/rep3_mal/rep3_mal.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/core/ring_kernels.h"
#include "protocols/crypto/hash.h"
#include "protocols/generic/nonlinear.h"

namespace mpvm::protocols {
namespace {

using Pair = replicated::Pair<Word128>;

// What a verdict round carries: 0, or which check failed at the sender.
enum class Failure : uint8_t { none = 0, opening = 1, mac_check = 2, bit_check = 3 };

std::string describe(Failure failure) {
  switch (failure) {
    case Failure::opening: return "an opened value's two holders sent different shares";
    case Failure::mac_check: return "the MAC check failed (a product, input or random value was tampered with)";
    case Failure::bit_check: return "the bit check failed (a party input a random 'bit' that is not 0 or 1)";
    case Failure::none: break;
  }
  return "unknown failure";
}

// The components of a span of shares as plain arrays, for the ring kernels.
struct Components {
  std::vector<Word128> first, second;
};

Components split(std::span<const AuthenticatedShare> shares, bool mac) {
  Components c;
  c.first.resize(shares.size());
  c.second.resize(shares.size());
  for (std::size_t k = 0; k < shares.size(); ++k) {
    const Pair& pair = mac ? shares[k].mac : shares[k].value;
    c.first[k] = pair.first, c.second[k] = pair.second;
  }
  return c;
}

// Bytes of the low `width` bytes of each word (little-endian), for messages and hashes.
void serialize(std::span<const Word128> words, std::size_t width, std::vector<uint8_t>& out) {
  out.resize(words.size() * width);
  for (std::size_t k = 0; k < words.size(); ++k) std::memcpy(out.data() + k * width, &words[k], width);
}

Word128 deserialize(const uint8_t* bytes, std::size_t width) {
  Word128 word = 0;
  std::memcpy(&word, bytes, width);
  return word;
}

}  // namespace

Rep3MalProtocol::Rep3MalProtocol(net::Transport& transport, NonlinearPath, std::optional<Deviation> deviation)
    : transport_(transport),
      me_(transport.party()),
      keys_(replicated::require_three_parties(transport, "rep3-mal")),
      private_prg_(crypto::random_key()) {
  // The MAC key alpha: a random sharing no party knows (no message). The first check's
  // mask (r, alpha r): one product, made before any coin of that check is drawn.
  alpha_ = random_pairs(1)[0];
  Share mask{random_pairs(1)[0], {}};
  attach_macs(std::span<Share>(&mask, 1));
  mask_ = mask;
  deviation_ = DeviationInjector(deviation, me_);  // setup itself is never a deviation point
}

std::vector<Pair> Rep3MalProtocol::random_pairs(std::size_t n) {
  std::vector<Pair> pairs(n);
  replicated::random_sharing(keys_, std::span<Pair>(pairs));
  return pairs;
}

void Rep3MalProtocol::reshare(std::span<Word128> z, std::size_t value_words, std::vector<Word128>& received) {
  keys_.add_zero_sharing(z);
  if (value_words > 0 && deviation_.fires(DeviationPoint::multiplication)) z[0] += deviation_.delta();
  if (z.size() > value_words && deviation_.fires(DeviationPoint::mac)) z[value_words] += deviation_.delta();
  received.resize(z.size());
  replicated::reshare(transport_, std::span<const Word128>(z), std::span<Word128>(received));
}

template <class Kernel>
void Rep3MalProtocol::authenticated_product(std::span<Share> out, std::span<const Share> a, std::span<const Share> b,
                                            Kernel kernel) {
  // z = P(x, y) and m = P(alpha x, y) from the same cross terms as rep3 (Araki et al. §2.2),
  // re-shared together: ADEN's multiplication of SPDZ-wise sharings ([x][y] and [alpha x][y]).
  const std::size_t n = out.size();
  const Components value = split(a, false), mac = split(a, true);
  Components other = split(b, false);
  for (std::size_t k = 0; k < other.second.size(); ++k) other.second[k] += other.first[k];  // y_i + y_{i+1}
  std::vector<Word128> z(2 * n, 0);
  std::span<Word128> products(z.data(), n), macs(z.data() + n, n);
  kernel(products, value.first.data(), other.second.data());
  kernel(products, value.second.data(), other.first.data());
  kernel(macs, mac.first.data(), other.second.data());
  kernel(macs, mac.second.data(), other.first.data());
  finish_product(z, out);
}

void Rep3MalProtocol::finish_product(std::vector<Word128>& z, std::span<Share> out) {
  const std::size_t n = out.size();
  std::vector<Word128> received;
  reshare(z, n, received);
  for (std::size_t k = 0; k < n; ++k) out[k] = {{z[k], received[k]}, {z[n + k], received[n + k]}};
  pending_.insert(pending_.end(), out.begin(), out.end());
  check_if_due();
}

void Rep3MalProtocol::mul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
  // Elementwise: the cross terms straight from the shares (no component arrays).
  const std::size_t n = out.size();
  std::vector<Word128> z(2 * n);
  for (std::size_t k = 0; k < n; ++k) {
    z[k] = replicated::product_share(a[k].value, b[k].value);
    z[n + k] = replicated::product_share(a[k].mac, b[k].value);
  }
  finish_product(z, out);
}

void Rep3MalProtocol::dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length) {
  authenticated_product(out, a, b, [length](std::span<Word128> z, const Word128* x, const Word128* y) {
    ring::dot_accumulate<Word128>(z, x, y, length);
  });
}

void Rep3MalProtocol::matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b,
                             const MatmulShape& shape) {
  authenticated_product(out, a, b, [&shape](std::span<Word128> z, const Word128* x, const Word128* y) {
    ring::matmul_accumulate<Word128>(z, x, y, shape);
  });
}

void Rep3MalProtocol::conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter,
                             const Conv2dShape& shape) {
  authenticated_product(out, input, filter, [&shape](std::span<Word128> z, const Word128* x, const Word128* w) {
    ring::conv2d_accumulate<Word128>(z, x, w, shape);
  });
}

void Rep3MalProtocol::matmul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> b,
                                   const MatmulShape& shape) {
  // Linear: each of the four components times the public matrix. No message.
  const std::vector<Word128> matrix(b.begin(), b.end());
  const Components value = split(a, false), mac = split(a, true);
  std::vector<Word128> result[4];
  const Word128* operands[4] = {value.first.data(), value.second.data(), mac.first.data(), mac.second.data()};
  for (int c = 0; c < 4; ++c) {
    result[c].assign(out.size(), 0);
    ring::matmul_accumulate<Word128>(result[c], operands[c], matrix.data(), shape);
  }
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = {{result[0][k], result[1][k]}, {result[2][k], result[3][k]}};
}

void Rep3MalProtocol::attach_macs(std::span<Share> shares) {
  // alpha * x: rep3's multiplication of the sharings of alpha and x (ADEN's input of a SPDZ-wise sharing).
  const std::size_t n = shares.size();
  std::vector<Word128> z(n), received;
  for (std::size_t k = 0; k < n; ++k) z[k] = replicated::product_share(alpha_, shares[k].value);
  reshare(z, 0, received);
  for (std::size_t k = 0; k < n; ++k) shares[k].mac = {z[k], received[k]};
}

void Rep3MalProtocol::input(int party, std::span<Share> out, std::span<const int64_t> values) {
  if (party < 0 || party > 2) throw RuntimeError(fmt::format("party {} does not exist (rep3-mal has parties 0, 1, 2)", party));
  // As rep3 (replicated::share_input), then a MAC for each value.
  const std::size_t n = out.size();
  std::vector<Pair> shares(n);
  replicated::share_input(transport_, keys_, party, values, std::span<Pair>(shares));
  if (n > 0 && deviation_.fires(DeviationPoint::input)) shares[0].first += deviation_.delta();
  for (std::size_t k = 0; k < n; ++k) out[k] = {shares[k], {}};
  attach_macs(out);
  pending_.insert(pending_.end(), out.begin(), out.end());
  check_if_due();
}

void Rep3MalProtocol::random(std::span<Share> out) {
  const std::vector<Pair> pairs = random_pairs(out.size());
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = {pairs[k], {}};
  if (!out.empty() && deviation_.fires(DeviationPoint::random)) out[0].value.first += deviation_.delta();
  attach_macs(out);
  pending_.insert(pending_.end(), out.begin(), out.end());
  check_if_due();
}

void Rep3MalProtocol::random_bits(std::span<Share> out) {
  // b = x ^ r: x a bit party p draws privately and inputs (the low-cost honest-majority
  // daBit of Damgard et al., "New primitives for actively-secure MPC over rings", S&P 2019,
  // without its binary half), r a bit on component j = p + 2, which the two OTHER
  // parties draw from their common key k_j. No single party knows both; x ^ r = x + r - 2xr.
  // Value k is input by party k % 3, so the inputs spread over the parties.
  //   round 1: the inputs (party p sends x_{p+1} = x - x_p, a full element of Z_2^128, so
  //            that x is exactly 0 or 1 in Z_2^128 and the bit check below holds there);
  //   round 2: alpha x, alpha r and z = x r;   round 3: alpha z = (alpha x) r.
  // About 67 bytes per bit per party. x r, alpha x, alpha r and alpha z join the MAC check;
  // x joins the bit check (fold_bits), whose value depends only on the inputter's x and on
  // errors the cheater chose, never on an honest party's secret, so opening it leaks nothing.
  constexpr std::size_t kChunk = std::size_t{1} << 17;  // bounds the pending pairs per round
  for (std::size_t start = 0; start < out.size(); start += kChunk) {
    const std::size_t n = std::min(kChunk, out.size() - start);
    std::vector<Pair> x(n), r(n);
    const int next = (me_ + 1) % 3, previous = (me_ + 2) % 3;
    auto owned_by = [n](int p) { return n > static_cast<std::size_t>(p) ? (n - p + 2) / 3 : 0; };
    // Round 1. The owner p draws x_p from k_p (party p+2 draws it too) and sends x_{p+1}.
    std::vector<Word128> message(owned_by(me_)), received(owned_by(previous));
    for (int p = 0; p < 3; ++p) {
      const std::size_t count = owned_by(p);
      if (me_ != p && me_ != (p + 2) % 3) continue;
      std::vector<Word128> drawn(count);
      replicated::draw(me_ == p ? keys_.own() : keys_.next(), std::span<Word128>(drawn));
      if (me_ == p) {
        std::vector<uint64_t> bits((count + 63) / 64);
        private_prg_.fill(std::span<uint64_t>(bits));
        for (std::size_t i = 0; i < count; ++i) {
          const Word128 bit = bits[i / 64] >> (i % 64) & 1;
          message[i] = bit - drawn[i];
          x[3 * i + p] = {drawn[i], message[i]};
        }
        if (count > 0 && deviation_.fires(DeviationPoint::random)) {  // input bit + 2 delta: never a bit
          message[0] += 2 * Word128{deviation_.delta()};
          x[p].second = message[0];
        }
      } else {
        for (std::size_t i = 0; i < count; ++i) x[3 * i + p] = {0, drawn[i]};
      }
    }
    transport_.exchange(std::array{net::Outgoing{next, net::as_bytes(std::span<const Word128>(message))}},
                        std::array{net::Incoming{previous, net::as_writable_bytes(std::span<Word128>(received))}});
    for (std::size_t i = 0; i < received.size(); ++i) x[3 * i + previous] = {received[i], 0};
    // The r bits: for owner p, component j = p + 2, drawn by party j (own) and j - 1 (next).
    for (int p = 0; p < 3; ++p) {
      const int j = (p + 2) % 3;
      const std::size_t count = owned_by(p);
      if (me_ != j && me_ != (j + 2) % 3) continue;
      std::vector<uint64_t> bits((count + 63) / 64);
      (me_ == j ? keys_.own() : keys_.next()).fill(std::span<uint64_t>(bits));
      for (std::size_t i = 0; i < count; ++i) {
        const Word128 bit = bits[i / 64] >> (i % 64) & 1;
        r[3 * i + p] = me_ == j ? Pair{bit, 0} : Pair{0, bit};
      }
    }
    // Round 2.
    std::vector<Word128> z(3 * n), back;
    for (std::size_t k = 0; k < n; ++k) {
      z[k] = replicated::product_share(x[k], r[k]);
      z[n + k] = replicated::product_share(alpha_, x[k]);
      z[2 * n + k] = replicated::product_share(alpha_, r[k]);
    }
    reshare(z, n, back);
    std::vector<Share> input_bits(n), hidden_bits(n), products(n);
    for (std::size_t k = 0; k < n; ++k) {
      products[k].value = {z[k], back[k]};
      input_bits[k] = {x[k], {z[n + k], back[n + k]}};
      hidden_bits[k] = {r[k], {z[2 * n + k], back[2 * n + k]}};
    }
    // Round 3.
    z.assign(n, 0);
    for (std::size_t k = 0; k < n; ++k) z[k] = replicated::product_share(input_bits[k].mac, r[k]);
    reshare(z, 0, back);
    for (std::size_t k = 0; k < n; ++k) {
      products[k].mac = {z[k], back[k]};
      out[start + k] = combine(combine(input_bits[k], hidden_bits[k], 1), products[k], ~Word128{1});  // x + r - 2xr
    }
    pending_.insert(pending_.end(), input_bits.begin(), input_bits.end());
    pending_.insert(pending_.end(), hidden_bits.begin(), hidden_bits.end());
    pending_.insert(pending_.end(), products.begin(), products.end());
    pending_bits_.insert(pending_bits_.end(), input_bits.begin(), input_bits.end());
    if (pending_bits_.size() >= kFoldBatch) fold_bits();
    check_if_due();
  }
}

void Rep3MalProtocol::open_verified(std::span<const Pair> shares, bool full, std::span<Word128> out) {
  // Party i lacks x_{i+2}: party i+1 sends it (its second component) and party i+2 sends
  // a hash of it (its first). One round; a mismatch is recorded, and the verdict decides.
  const std::size_t n = shares.size(), width = full ? 16 : 8;
  std::vector<Word128> second(n), first(n);
  for (std::size_t k = 0; k < n; ++k) second[k] = shares[k].second, first[k] = shares[k].first;
  if (n > 0 && !full && deviation_.fires(DeviationPoint::opening)) second[0] += deviation_.delta();
  std::vector<uint8_t> to_previous, own_first, from_next(n * width);
  serialize(second, width, to_previous);
  serialize(first, width, own_first);
  const crypto::Digest mine = crypto::sha256(own_first);
  crypto::Digest theirs{};
  const int next = (me_ + 1) % 3, previous = (me_ + 2) % 3;
  transport_.exchange(
      std::array{net::Outgoing{previous, std::span<const uint8_t>(to_previous)}, net::Outgoing{next, mine}},
      std::array{net::Incoming{next, std::span<uint8_t>(from_next)}, net::Incoming{previous, theirs}});
  if (crypto::sha256(from_next) != theirs) record_failure(static_cast<uint8_t>(Failure::opening));
  for (std::size_t k = 0; k < n; ++k) {
    out[k] = shares[k].first + shares[k].second + deserialize(from_next.data() + k * width, width);
    if (!full) out[k] = static_cast<uint64_t>(out[k]);
  }
}

void Rep3MalProtocol::open(std::span<Clear> out, std::span<const Share> a) {
  std::vector<Pair> values(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) values[k] = a[k].value;
  std::vector<Word128> opened(a.size());
  open_verified(values, false, opened);
  // A program's open is agreed on before anyone uses it; the masked openings inside
  // comparisons reveal nothing whatever was added, and are agreed on at the next check.
  if (!inside_nonlinear_) verdict();
  for (std::size_t k = 0; k < a.size(); ++k) out[k] = static_cast<uint64_t>(opened[k]);
}

bool Rep3MalProtocol::open_to(int party, std::span<Clear> out, std::span<const Share> a) {
  if (party < 0 || party > 2) throw RuntimeError(fmt::format("party {} does not exist (rep3-mal has parties 0, 1, 2)", party));
  // Party p lacks x_{p+2}: party p+1 sends it, party p+2 a hash of it.
  const std::size_t n = a.size();
  std::vector<uint64_t> words(n);
  if (me_ == (party + 1) % 3) {
    for (std::size_t k = 0; k < n; ++k) words[k] = static_cast<uint64_t>(a[k].value.second);
    if (n > 0 && deviation_.fires(DeviationPoint::opening)) words[0] += static_cast<uint64_t>(deviation_.delta());
    transport_.send(party, net::as_bytes(std::span<const uint64_t>(words)));
  } else if (me_ == (party + 2) % 3) {
    for (std::size_t k = 0; k < n; ++k) words[k] = static_cast<uint64_t>(a[k].value.first);
    const crypto::Digest digest = crypto::sha256(net::as_bytes(std::span<const uint64_t>(words)));
    transport_.send(party, digest);
  } else {
    crypto::Digest digest{};
    transport_.exchange({}, std::array{net::Incoming{(party + 1) % 3, net::as_writable_bytes(std::span<uint64_t>(words))},
                                       net::Incoming{(party + 2) % 3, digest}});
    if (crypto::sha256(net::as_bytes(std::span<const uint64_t>(words))) != digest)
      record_failure(static_cast<uint8_t>(Failure::opening));
    for (std::size_t k = 0; k < n; ++k)
      out[k] = static_cast<uint64_t>(a[k].value.first + a[k].value.second) + words[k];
  }
  verdict();
  return me_ == party;
}

void Rep3MalProtocol::record_failure(uint8_t code) {
  if (failure_ == 0) failure_ = code;
}

void Rep3MalProtocol::verdict() {
  // Two rounds, so that the honest parties agree: in the first every party tells both
  // others what it saw; in the second it passes on the first failure it knows of (its own
  // or one reported to it). A cheater that reports a failure to only one honest party
  // cannot split them: that party echoes it to the other. A cheater can only force an
  // abort; an honest party that saw a failure makes every honest party abort.
  const int next = (me_ + 1) % 3, previous = (me_ + 2) % 3;
  std::array<uint8_t, 2> known{failure_, static_cast<uint8_t>(me_)};  // (what failed, who saw it)
  const bool split = deviation_.fires(DeviationPoint::verdict);  // a test hook's lie
  for (int round = 0; round < 2; ++round) {
    std::array<uint8_t, 2> mine = known, to_previous = known;
    if (split) {
      mine = {static_cast<uint8_t>(round == 0 ? Failure::opening : Failure::none), static_cast<uint8_t>(me_)};
      to_previous = {0, static_cast<uint8_t>(me_)};
    }
    std::array<uint8_t, 2> from_next{}, from_previous{};
    transport_.exchange(std::array{net::Outgoing{next, mine}, net::Outgoing{previous, to_previous}},
                        std::array{net::Incoming{next, from_next}, net::Incoming{previous, from_previous}});
    for (const auto& heard : {from_next, from_previous})
      if (known[0] == 0 && heard[0] != 0) known = {heard[0], static_cast<uint8_t>(heard[1] % 3)};
  }
  if (known[0] == 0) return;
  const std::string what = describe(static_cast<Failure>(known[0]));
  if (failure_ != 0)
    throw ProtocolAbort(fmt::format("rep3-mal: {} (seen by party {}); aborting without revealing anything", what, me_));
  throw ProtocolAbort(fmt::format("rep3-mal: party {} reports that {}; aborting without revealing anything", known[1], what));
}

crypto::Prg Rep3MalProtocol::public_coins() {
  // A fresh random sharing, opened in full: no party could predict it before this round.
  Word128 seed = 0;
  const std::vector<Pair> coin = random_pairs(1);
  open_verified(coin, true, std::span<Word128>(&seed, 1));
  crypto::PrgKey key;
  std::memcpy(key.data(), &seed, key.size());
  return crypto::Prg(key);
}

void Rep3MalProtocol::fold_bits() {
  // Every x_k is 0 or 1 (in Z_2^128) iff sum chi_k x_k (1 - x_k) = 0 for coins drawn after
  // the x_k were fixed, except with probability about 2^-57 (as the MAC check). One MAC'd
  // dot product of chi x with 1 - x; the result is opened after the MAC check covers it.
  crypto::Prg coefficients = public_coins();
  const std::size_t n = pending_bits_.size();
  std::vector<uint64_t> chi(n);
  coefficients.fill(std::span<uint64_t>(chi));
  std::vector<Word128> z(2, 0);
  for (std::size_t k = 0; k < n; ++k) {
    const Share weighted = scale(pending_bits_[k], chi[k]);
    const Share complement = add_public(scale(pending_bits_[k], ~Word128{0}), 1);
    z[0] += replicated::product_share(weighted.value, complement.value);
    z[1] += replicated::product_share(weighted.mac, complement.value);
  }
  Share sum;
  finish_product(z, std::span<Share>(&sum, 1));
  bit_check_ = combine(bit_check_, sum, 1);
  bits_folded_ = true;
  pending_bits_.clear();
}

void Rep3MalProtocol::fold_pending() {
  // ADEN's verification (as SPDZ2k's MAC check, Cramer et al. CRYPTO 2018), in batches: coins
  // chi_k in Z_2^64 are drawn only after every pair they weigh was fixed; a later batch
  // gets fresh coins, so no error can be chosen to cancel an earlier one.
  crypto::Prg coefficients = public_coins();
  Pair& u = folded_value_;
  Pair& w = folded_mac_;
  constexpr std::size_t kChunk = 4096;
  uint64_t chi[kChunk];
  for (std::size_t start = 0; start < pending_.size(); start += kChunk) {
    const std::size_t count = std::min(kChunk, pending_.size() - start);
    coefficients.fill(std::span<uint64_t>(chi, count));
    for (std::size_t k = 0; k < count; ++k) {
      const Share& x = pending_[start + k];
      u.first += chi[k] * x.value.first, u.second += chi[k] * x.value.second;
      w.first += chi[k] * x.mac.first, w.second += chi[k] * x.mac.second;
    }
  }
  pending_.clear();
  folded_ = true;
}

void Rep3MalProtocol::mac_check() {
  // With u = r + sum chi_k x_k and w = alpha r + sum chi_k (alpha x)_k over every folded
  // batch, w = alpha u unless some pair was tampered with. Three rounds after the fold.
  if (!pending_.empty()) fold_pending();
  Pair u = folded_value_, w = folded_mac_;
  u.first += mask_.value.first, u.second += mask_.value.second;
  w.first += mask_.mac.first, w.second += mask_.mac.second;
  // u in full; the uniform r (made before any coin) hides the combination of secrets and
  // leaves no room for an additive error in the check itself.
  Word128 opened_u = 0;
  open_verified(std::span<const Pair>(&u, 1), true, std::span<Word128>(&opened_u, 1));
  const Pair d{w.first - alpha_.first * opened_u, w.second - alpha_.second * opened_u};
  // e = rho d for a fresh random rho, so a non-zero d shows only as rho d (and the next
  // check's mask gets its MAC in the same message).
  const Pair rho = random_pairs(1)[0], next_mask = random_pairs(1)[0];
  std::vector<Word128> z{replicated::product_share(rho, d), replicated::product_share(alpha_, next_mask)}, received(2);
  keys_.add_zero_sharing(std::span<Word128>(z));
  replicated::reshare(transport_, std::span<const Word128>(z), std::span<Word128>(received));
  const Pair e{z[0], received[0]};
  mask_ = {next_mask, {z[1], received[1]}};
  // e in full: zero exactly when the check passes.
  Word128 opened_e = 0;
  open_verified(std::span<const Pair>(&e, 1), true, std::span<Word128>(&opened_e, 1));
  if (opened_e != 0) record_failure(static_cast<uint8_t>(Failure::mac_check));
  folded_value_ = folded_mac_ = Pair{};
  folded_ = false;
}

void Rep3MalProtocol::check() {
  if (!pending_bits_.empty()) fold_bits();
  if (!pending_.empty() || folded_) mac_check();
  if (bits_folded_) {
    // The bit check's sum, now that the MAC check covered the product that made it.
    Word128 opened = 0;
    open_verified(std::span<const Pair>(&bit_check_.value, 1), true, std::span<Word128>(&opened, 1));
    if (opened != 0) record_failure(static_cast<uint8_t>(Failure::bit_check));
    bit_check_ = Share{};
    bits_folded_ = false;
  }
  verdict();
}

template <class Operation>
void Rep3MalProtocol::nonlinear_in_chunks(DeviationPoint point, std::span<Share> out, std::span<const Share> a,
                                          Operation operation) {
  DeviationScope scope(deviation_, point);
  inside_nonlinear_ = true;
  generic::NonLinear layer(*this);
  for (std::size_t start = 0; start < a.size(); start += kNonlinearChunk) {
    const std::size_t n = std::min(kNonlinearChunk, a.size() - start);
    operation(layer, out.subspan(start, n), a.subspan(start, n));
  }
  inside_nonlinear_ = false;
}

void Rep3MalProtocol::ltz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  nonlinear_in_chunks(DeviationPoint::comparison, out, a, [bits](auto& layer, auto o, auto x) { layer.ltz(o, x, bits); });
}

void Rep3MalProtocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  nonlinear_in_chunks(DeviationPoint::comparison, out, a, [bits](auto& layer, auto o, auto x) { layer.eqz(o, x, bits); });
}

void Rep3MalProtocol::trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  nonlinear_in_chunks(DeviationPoint::truncation, out, a,
                      [m, bits](auto& layer, auto o, auto x) { layer.trunc(o, x, m, bits); });
}

void Rep3MalProtocol::truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  nonlinear_in_chunks(DeviationPoint::truncation, out, a,
                      [m, bits](auto& layer, auto o, auto x) { layer.truncpr(o, x, m, bits); });
}

}  // namespace mpvm::protocols
