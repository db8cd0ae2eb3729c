// rep3-mal: three-party replicated secret sharing with active security and an honest
// majority, made so by SPDZ-wise MACs: Abspoel, Dalskov, Escudero, Nof, "An efficient
// passive-to-active compiler for honest-majority MPC over rings" (ACNS 2021, "ADEN"), the
// protocol Dalskov-Escudero-Keller evaluate as "SPDZ-wise replicated" (USENIX Security
// 2021). One corrupted party may deviate arbitrarily: the others then abort, or the
// output is correct.
//
// Values live in Z_2^128 = Z_2^(k+s) with k = 64 (the program's ring) and s = 64
// statistical slack; only the low 64 bits mean anything to the program. Every secret x is
// a replicated sharing of x AND of alpha*x, for a global MAC key alpha that is itself a
// replicated random sharing no party knows. Linear operations act on both. A product runs
// rep3's multiplication on (x, y) and on (alpha*x, y) in the same round; a deviation can
// only add an error to what a party sends, and the MAC check below catches any error that
// changes the low 64 bits, except with probability about 2^-57 (ADEN's analysis, after SPDZ2k's:
// Cramer, Damgard, Escudero, Scholl, Xing, CRYPTO 2018).
//
// Openings are verified by the redundancy of replicated sharing: the component a party
// lacks is held by BOTH other parties; one sends it and the other sends a hash of it (the
// opening of the malicious three-party protocols of Furukawa, Lindell, Nof, Weinstein,
// Eurocrypt 2017). Openings inside
// comparisons and truncations (of uniformly masked values) are compared at once and the
// verdict is shared at the next check; an `open` or `output` of the program is preceded by
// a full check and followed by a verdict round before it returns.
//
// Comparison and truncation: the generic layer (protocols/generic/nonlinear.h) over these
// MAC'd shares, with random bits made here from bits that pairs of parties draw from their
// common keys (so they are bits by construction) and XORed with MAC'd products: every step
// is a MAC'd linear operation or product, so the MAC check covers it (see README).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocols/core/deviation.h"
#include "protocols/core/nonlinear_path.h"
#include "protocols/core/ring64.h"
#include "protocols/core/shapes.h"
#include "protocols/core/statistics.h"
#include "protocols/crypto/prg.h"
#include "protocols/net/transport.h"
#include "protocols/replicated/replicated.h"

namespace mpvm::protocols {

// Z_2^128 (a GCC/Clang extension type; __extension__ keeps -Wpedantic quiet).
__extension__ typedef unsigned __int128 Word128;

// Party i's view of a secret x: the replicated components (x_i, x_{i+1}) and those of
// alpha * x, all in Z_2^128.
struct AuthenticatedShare {
  replicated::Pair<Word128> value;
  replicated::Pair<Word128> mac;
};

class Rep3MalProtocol {
 public:
  using Domain = Ring64;
  using Clear = Ring64::Value;
  using Share = AuthenticatedShare;
  static constexpr const char* kName = "rep3-mal";
  // Pending pairs folded into the check's running sums (one coin round) once this many
  // accumulate: bounds the memory they hold.
  static constexpr std::size_t kFoldBatch = std::size_t{1} << 18;
  // Comparisons and truncations run on at most this many values at a time, so the generic
  // layer's bit matrices (64 shares of 64 bytes per value) stay small enough to reuse.
  static constexpr std::size_t kNonlinearChunk = std::size_t{1} << 14;

  // Sets up the keys and the MAC key (setup phase). `path` is accepted for symmetry with
  // rep3; comparisons always use the generic layer. `deviation` is a TEST HOOK.
  explicit Rep3MalProtocol(net::Transport& transport, NonlinearPath path = NonlinearPath::native,
                           std::optional<Deviation> deviation = {});

  int party_count() const { return 3; }
  bool plays(int party) const { return party == me_; }
  int party() const { return me_; }

  // ---- local operations (on the value and on its MAC) ----
  void constant(std::span<Share> out, Clear v) {
    for (Share& x : out) x = add_public(Share{}, v);
  }
  void add(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = combine(a[k], b[k], 1);
  }
  void sub(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = combine(a[k], b[k], ~Word128{0});
  }
  void add_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(a[k], c[k]);
  }
  void sub_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(a[k], Word128{0} - c[k]);
  }
  void clear_sub(std::span<Share> out, std::span<const Clear> c, std::span<const Share> a) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(scale(a[k], ~Word128{0}), c[k]);
  }
  void mul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = scale(a[k], c[k]);
  }
  void add_scalar(std::span<Share> out, std::span<const Share> a, Clear v) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(a[k], v);
  }
  void mul_scalar(std::span<Share> out, std::span<const Share> a, Clear v) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = scale(a[k], v);
  }

  // ---- interactive operations ----
  void mul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b);
  void dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length);
  void matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, const MatmulShape& shape);
  void matmul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> b, const MatmulShape& shape);
  void conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter, const Conv2dShape& shape);
  void input(int party, std::span<Share> out, std::span<const int64_t> values);
  void random(std::span<Share> out);
  void open(std::span<Clear> out, std::span<const Share> a);
  bool open_to(int party, std::span<Clear> out, std::span<const Share> a);
  void ltz(std::span<Share> out, std::span<const Share> a, unsigned bits);
  void eqz(std::span<Share> out, std::span<const Share> a, unsigned bits);
  void trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits);
  void truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits);
  // The bit check and MAC check of everything since the last check, then the two verdict
  // rounds: every honest party aborts (ProtocolAbort) if any party saw a failure.
  void check();
  CommunicationCounters counters() const { return transport_.total(); }

  // For the generic layer: uniformly random bits no party knows, with MACs.
  void random_bits(std::span<Share> out);
  // This party's private randomness (the generic layer's fallback; unused here).
  void local_random(std::span<uint64_t> out) { private_prg_.fill(out); }

 private:
  using Pair = replicated::Pair<Word128>;
  // x_0 is the component a public value is added to (party 0 holds it first, party 2
  // second); alpha * v is added to the MAC on both components.
  Share add_public(Share x, Word128 v) const {
    x.value.first += me_ == 0 ? v : 0;
    x.value.second += me_ == 2 ? v : 0;
    x.mac.first += alpha_.first * v;
    x.mac.second += alpha_.second * v;
    return x;
  }
  static Share combine(const Share& a, const Share& b, Word128 sign) {
    return {{a.value.first + sign * b.value.first, a.value.second + sign * b.value.second},
            {a.mac.first + sign * b.mac.first, a.mac.second + sign * b.mac.second}};
  }
  static Share scale(const Share& a, Word128 c) {
    return {{a.value.first * c, a.value.second * c}, {a.mac.first * c, a.mac.second * c}};
  }
  // Products whose cross terms a kernel accumulates: P(a, b) and P(alpha a, b) re-shared
  // in one round; the results join the pairs the next MAC check covers.
  template <class Kernel>
  void authenticated_product(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, Kernel kernel);
  // Re-shares z (n products of values, then n of MACs) into `out`; the results join the
  // pairs the next MAC check covers.
  void finish_product(std::vector<Word128>& z, std::span<Share> out);
  // Masks additive shares with a zero-sharing, applies a planned deviation (words below
  // `value_words` are products of values, the rest of MACs) and re-shares: one round.
  void reshare(std::span<Word128> z, std::size_t value_words, std::vector<Word128>& received);
  // MACs for sharings that have none yet: alpha * x, one product each.
  void attach_macs(std::span<Share> shares);
  // Opens fully (128 bits) or the low 64 bits, the lacking component checked against a
  // hash from its other holder; a mismatch is recorded for the next verdict. One round.
  void open_verified(std::span<const Pair> shares, bool full, std::span<Word128> out);
  // Two rounds: every party tells the others whether it saw a failure, then passes on what
  // it heard; throws ProtocolAbort, naming the check, if any party saw one.
  void verdict();
  void record_failure(uint8_t code);
  // Folds the pending pairs into the running sums if enough have accumulated.
  void check_if_due() {
    if (pending_.size() >= kFoldBatch) fold_pending();
  }
  // One round: fresh public coins chi_k, drawn now that every pending pair is fixed, and
  // u += sum chi_k x_k, w += sum chi_k (alpha x)_k.
  void fold_pending();
  // Two rounds: coins chi_k, then s += sum chi_k x_k (1 - x_k) over the bits input for
  // random bits since the last fold (a MAC'd dot product); s must open to 0.
  void fold_bits();
  // One round: a fresh random sharing opened in full, as the seed of public coins.
  crypto::Prg public_coins();
  void mac_check();
  // The generic layer on chunks of at most kNonlinearChunk values, as a comparison or a
  // truncation for the deviation injector.
  template <class Operation>
  void nonlinear_in_chunks(DeviationPoint point, std::span<Share> out, std::span<const Share> a, Operation operation);
  // A fresh random sharing (x_i from k_i, x_{i+1} from k_{i+1}).
  std::vector<Pair> random_pairs(std::size_t n);

  net::Transport& transport_;
  int me_;
  replicated::PairwiseKeys keys_;
  crypto::Prg private_prg_;
  Pair alpha_{};
  Share mask_{};                 // (r, alpha r) for the next MAC check, made before its coins
  std::vector<Share> pending_;   // products, inputs and random values not yet folded
  Pair folded_value_{}, folded_mac_{};  // sum chi_k x_k and sum chi_k (alpha x)_k so far
  bool folded_ = false;
  std::vector<Share> pending_bits_;  // parties' input bits (random_bits) not yet checked
  Share bit_check_{};                // sum chi_k x_k (1 - x_k) over the checked ones: must be 0
  bool bits_folded_ = false;
  uint8_t failure_ = 0;          // the first failure this party saw (0: none)
  bool inside_nonlinear_ = false;
  DeviationInjector deviation_;
};

}  // namespace mpvm::protocols
