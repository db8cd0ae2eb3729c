// rep3: three-party replicated secret sharing over Z_2^64, passive adversary, honest
// majority (Araki, Furukawa, Lindell, Nof, Ohara, "High-throughput semi-honest secure
// three-party computation with an honest majority", CCS 2016; Mohassel-Rindal, "ABY3",
// CCS 2018).
//
// A secret x is split as x = x_0 + x_1 + x_2 (mod 2^64); party i holds the pair
// (x_i, x_{i+1}), indices mod 3. Any two parties can reconstruct; any one party's pair is
// uniformly random, whatever x is.
//
// Correlated randomness without messages (Araki et al. §2.2): party i samples an AES key
// k_i and gives it to party i-1, so party i holds k_i ("own") and k_{i+1} ("next"). Both
// holders of a key draw its stream in the same order: every operation below draws the
// same amount from a key at both of its holders.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "base/large_vector.h"
#include "protocols/core/nonlinear_path.h"
#include "protocols/core/protocol_concept.h"
#include "protocols/core/ring64.h"
#include "protocols/core/shapes.h"
#include "protocols/core/statistics.h"
#include "protocols/crypto/prg.h"
#include "protocols/net/transport.h"
#include "protocols/rep3/binary.h"
#include "protocols/replicated/replicated.h"

namespace mpvm::protocols {

// Party i's view of a secret: (x_i, x_{i+1}).
using ReplicatedShare = replicated::Pair<uint64_t>;

class Rep3Protocol {
 public:
  using Domain = Ring64;
  using Clear = Ring64::Value;
  using Share = ReplicatedShare;
  static constexpr const char* kName = "rep3";

  // Runs the key setup over `transport` (one round in the setup phase). `path` chooses
  // the binary fast path (native) or the generic layer for comparison and truncation.
  explicit Rep3Protocol(net::Transport& transport, NonlinearPath path = NonlinearPath::native);

  int party_count() const { return 3; }
  bool plays(int party) const { return party == me_; }
  int party() const { return me_; }

  // ---- local operations: a public constant c is the sharing (c, 0, 0) ----
  void constant(std::span<Share> out, Clear v) {
    for (Share& x : out) x = {me_ == 0 ? v : 0, me_ == 2 ? v : 0};
  }
  void add(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = {a[k].first + b[k].first, a[k].second + b[k].second};
  }
  void sub(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = {a[k].first - b[k].first, a[k].second - b[k].second};
  }
  void add_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(a[k], c[k]);
  }
  void sub_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(a[k], 0 - c[k]);
  }
  void clear_sub(std::span<Share> out, std::span<const Clear> c, std::span<const Share> a) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public({0 - a[k].first, 0 - a[k].second}, c[k]);
  }
  void mul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = {a[k].first * c[k], a[k].second * c[k]};
  }
  void add_scalar(std::span<Share> out, std::span<const Share> a, Clear v) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = add_public(a[k], v);
  }
  void mul_scalar(std::span<Share> out, std::span<const Share> a, Clear v) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = {a[k].first * v, a[k].second * v};
  }

  // ---- interactive operations: one round each ----
  void mul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b);
  void dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length);
  void matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, const MatmulShape& shape);
  void matmul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> b, const MatmulShape& shape);
  void conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter, const Conv2dShape& shape);
  void input(int party, std::span<Share> out, std::span<const int64_t> values);
  void random(std::span<Share> out);
  void open(std::span<Clear> out, std::span<const Share> a);
  bool open_to(int party, std::span<Clear> out, std::span<const Share> a);
  void truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits);
  // Comparison and exact truncation (comparison.cc): local share splitting, a packed
  // binary carry tree, a daBit. ltz: 2 + ceil(log2(bits-1)) rounds (8 at 64 bits).
  void ltz(std::span<Share> out, std::span<const Share> a, unsigned bits);
  void eqz(std::span<Share> out, std::span<const Share> a, unsigned bits);
  void trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits);
  // Several ltz/trunc instructions (adjacent and independent, found by the VM) in shared
  // rounds: their splitting messages, tree rounds and openings travel together, so the
  // batch takes the rounds of its deepest member.
  void nonlinear_batch(std::span<const NonlinearRequest<Share>> requests);
  void check() {}  // passive: nothing to verify
  CommunicationCounters counters() const { return transport_.total(); }
  // This party's private randomness (for the generic layer's random bits).
  void local_random(std::span<uint64_t> out) { private_prg_.fill(out); }

 private:
  // x_0 is the component a public value is added to: party 0 holds it first, party 2 second.
  Share add_public(Share x, Clear v) const {
    return {x.first + (me_ == 0 ? v : 0), x.second + (me_ == 2 ? v : 0)};
  }
  // Turns additive shares z_i of a product (z_0 + z_1 + z_2 = result) into replicated
  // shares: add a zero-sharing, send z_i to party i-1, receive z_{i+1} from party i+1
  // (Araki et al. §2.2, "multiplication"). One round, 8 bytes per element per party.
  // z_i = x_i y_i + x_i y_{i+1} + x_{i+1} y_i: party i's additive share of x*y (the three
  // z_i sum to it), computed from the two components it holds.
  static uint64_t product_share(const Share& x, const Share& y) { return replicated::product_share(x, y); }
  // Masks z_i with a fresh zero-sharing from the two PRG keys: alpha_i = F(k_i) - F(k_{i+1})
  // in Z_2^64 (additive) or F(k_i) ^ F(k_{i+1}) on bits (binary).
  enum class Sharing { additive, binary };
  void mask_with_zero_sharing(std::span<uint64_t> z, Sharing sharing);
  void reshare(std::span<uint64_t> z, std::span<Share> out);
  // out = P(a, b) for a product P bilinear in its operands, given by a ring kernel that
  // accumulates P(x, y) of plain arrays into z.
  template <class Kernel>
  void bilinear(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, Kernel kernel);
  // ---- the binary layer (comparison.cc) ----
  // A carry (or, without generate, an AND of all bits) over `positions` positions of each of
  // `values` values, kept as streams of `width` bits per value (rep3/binary.h), of which
  // the top `real` are real positions and the rest public padding. A carry tree's generate
  // round ANDs the streams of a and b; its last AND is opened as e = result ^ rest, the
  // rests being bit 0 of words [rests_from, rests_from + values) of `rests`.
  struct CarryJob {
    unsigned positions;
    const rep3::BitWords* a = nullptr;
    const rep3::BitWords* b = nullptr;
    const rep3::BitWords* rests = nullptr;
    std::size_t rests_from = 0;
    std::size_t values = 0;
    unsigned width = 0;
    unsigned real = 0;
    rep3::BitWords generate;
    rep3::BitWords propagate;
  };
  // Bits x = d ^ b, d known to the splitter of x's lane third and b to both helpers, turned
  // arithmetic (modulo 2^width) with three messages (dabits.cc). Copy c of lane k is bit
  // c * lanes + k. As daBits, d and b come from the PRGs and x is a random bit shared both
  // ways (binary: bit 0 of each word); for a truncation's wrap, d = A_63 and b = B_63.
  struct DaBits {
    rep3::BitWords binary;
    rep3::LaneThirds thirds{0};
    std::size_t copies = 1;
    unsigned width = 64;
    ScratchVector<Share> arithmetic;           // complete once the helpers' terms are in
    LargeVector<uint64_t> for_second_helper;   // as splitter: a0 = d - a1 (split round)
    LargeVector<uint64_t> for_splitter_early;  // as first helper: c_{j+1} (split round)
    LargeVector<uint64_t> for_splitter_late;   // as second helper: c_j (the round after)
    LargeVector<uint64_t> second_helper_rho;   // as second helper: rho2 and b, until a0 comes
    LargeVector<uint64_t> second_helper_bit;
    bool complete = false;
  };
  // The last gate of a tree: e = (x & y) ^ rest, opened (x, y absent: e = rest).
  struct FinalGate {
    const rep3::BitWords* x;
    const rep3::BitWords* y;
    const rep3::BitWords* rest;
  };
  // One ltz or trunc of a batch, between its rounds.
  struct Plan {
    NonlinearRequest<Share> request;
    DaBits dabits;
    rep3::BitWords high, low;                // A and B
    ScratchVector<Share> high_shifted;       // trunc: [A >> m]
    rep3::BitWords rest;                     // ltz: the rest of e
    DaBits wrap;                             // trunc below 64 bits: A_63 ^ B_63
  };
  // x = A + B, for one instruction's lanes: see split().
  struct SplitRequest {
    std::span<const Share> x;
    uint64_t offset;
    bool negate_b;
    uint64_t needed;  // the bits of A the circuit reads
    int shift;        // >= 0: also share A >> shift
    rep3::BitWords* a;
    rep3::BitWords* b;
    std::span<Share> a_shifted;
    uint64_t top_weight;  // A >> shift - top_weight * A_63 is what is shared
    DaBits* dabits;
    DaBits* wrap;  // nullptr, or a truncation's wrap terms, whose messages ride along too
  };
  // XORs a public stream into the shared words (component 0).
  void xor_public(rep3::BitWords& words, std::span<const uint64_t> mask) const;
  DaBits draw_dabits(rep3::LaneThirds thirds, std::size_t copies);
  // A truncation's wrap bits: x = A_63 ^ B_63 for x' = x + offset split as A + B, modulo
  // 2^width.
  DaBits wrap_terms(std::span<const Share> x, uint64_t offset, const rep3::LaneThirds& thirds, unsigned width);
  // The PRG draws and messages of step 3 for bits whose d and b are given (dabits.cc).
  template <class SplitterBit, class FirstHelperBit, class SecondHelperBit>
  void share_cross_bits(DaBits& x, SplitterBit d, FirstHelperBit first_b, SecondHelperBit second_b);
  // After the split round: as second helper, c_j from the splitter's a0; as splitter,
  // c_{j+1} from the first helper.
  void receive_dabit_inputs(DaBits& dabits, std::span<const uint64_t> a0, std::span<const uint64_t> first_helper_terms);
  // Words of second-helper terms still to send for `third` (0 once complete).
  std::size_t late_dabit_words(const DaBits* dabits, int third) const;
  // The second helpers' terms of every incomplete daBit set, for the next party, and how
  // many words of them come from the previous party.
  void late_dabit_messages(std::span<DaBits* const> dabits, LargeVector<uint64_t>& to_next, std::size_t& incoming) const;
  // As splitter: c_j from the second helpers; the daBits are then complete.
  void finish_dabits(std::span<DaBits* const> dabits, std::span<const uint64_t> second_helper_terms);
  // [b] = e + [r] - 2e[r] for the opened e = b ^ r (values [from, from + out.size()) of dabits).
  void inject(std::span<const uint64_t> opened, const DaBits& dabits, std::size_t from, std::span<Share> out);
  // Every task's AND in one round (with the daBits' last terms if still pending).
  void and_words(std::span<const rep3::AndTask> tasks, std::span<DaBits* const> dabits);
  // One round: the final ANDs, opened (each party sends its masked share to both others).
  std::vector<LargeVector<uint64_t>> and_then_open(std::span<const FinalGate> gates, std::span<DaBits* const> dabits);
  // x = A + B for every request in one round: in each third of a request's lanes
  // A = x_j + x_{j+1} + offset is binary-shared by its splitter (its `needed` bits, one
  // message to the second helper), B = x_{j+2} (or -x_{j+2}) locally. With shift >= 0,
  // also an arithmetic sharing of A >> shift (less top_weight A_63) in the same message;
  // the first messages of the request's daBits and wrap terms ride along.
  void split(std::span<const SplitRequest> requests);
  // The trees of all jobs in shared rounds (carry trees start with g = a & b), their last
  // ANDs opened together; the opened streams, one per job, one bit per value.
  std::vector<LargeVector<uint64_t>> trees_then_open(std::span<CarryJob> jobs, bool need_generate,
                                                     std::span<DaBits* const> dabits);
  // ltz and trunc plans in shared rounds: split, trees, openings, results.
  void run_plans(std::span<Plan> plans);

  net::Transport& transport_;
  int me_;
  int next_party_;
  int previous_party_;
  replicated::PairwiseKeys keys_;  // k_i (with party i-1) and k_{i+1} (with party i+1)
  crypto::Prg private_prg_;  // this party's alone
  NonlinearPath path_;
  LargeVector<uint64_t> scratch_a_, scratch_b_, scratch_c_, and_sent_, and_received_;
  // Bits each party has sent beyond the others for public reasons (inputs, outputs, the
  // splitter role), the same at every party: comparisons give the splitter role to the
  // parties behind (rep3::balanced_thirds), so that no party sends much more than another.
  std::array<uint64_t, 3> surplus_bits_{};
};

}  // namespace mpvm::protocols
