// rep3's comparison and exact truncation: the binary fast path. A 64-bit ltz takes 8
// rounds and about 30 bytes per party.
//
// Roles. The lanes of an instruction are cut in three; in third j party j is the
// splitter, party j+1 the first helper and party j+2 the second helper. The splitter
// sends the most, so every party splits a share of the lanes, fewer for a party that has
// sent more so far (rep3::balanced_thirds; the scheme is symmetric under renaming the
// parties cyclically: components, keys and messages all shift by j).
//
// The rounds themselves (ANDs, openings, splitting, the trees) are in binary_rounds.cc.
//
// 1. Local share splitting (ABY3 §5.3; Dalskov-Escudero-Keller, USENIX Security 2021,
//    §4.2): x = A + B with A = x_j + x_{j+1} (+ a public offset), which the splitter
//    knows, and B = x_{j+2}, which both helpers know. B is binary-shared for free
//    (component j+2 = B); the splitter binary-shares A with one message to the second
//    helper (component j = A ^ rho, component j+1 = rho from the key it shares with the
//    first helper), and only the bits the circuit reads. Round 1.
// 2. Carries of A + B from a generate/propagate tree: g = A & B (round 2), then pairs of
//    positions combined as (G, P) = (G_hi ^ P_hi & G_lo, P_hi & P_lo), halving the
//    positions per round. The bits of every value sit in dense streams of power-of-two
//    width (rep3/binary.h), so each round is word-parallel; positions below a value's
//    real bits are public padding (generate 0, propagate 1), whose gates are set locally
//    and never sent.
// 3. The result bit b comes out arithmetic through a random daBit r (r both XOR-shared and
//    arithmetically shared): e = b ^ r is opened and [b] = e + [r] - 2e[r] locally
//    (Rotaru-Wood, "MArBled circuits", INDOCRYPT 2019, §3; Escudero et al. CRYPTO 2020).
//    The daBits (dabits.cc) cost three 8-byte messages each, riding on rounds 1 and 2.
// 4. The last AND of the tree and the opening of e share one round: each party masks its
//    XOR share of that AND with a fresh zero-sharing (which hides it from either other
//    party), adds its component of the rest of e, and sends the bit to both others.
//
// ltz (bits b): with x' = x + 2^(b-1) in [0, 2^b), x < 0 iff bit b-1 of A + B is 0: a tree
// over b-1 positions, 2 + ceil(log2(b-1)) rounds.
// eqz: x == 0 iff A = -B modulo 2^b: an AND tree over the bits of NOT(A ^ -B).
// trunc (exact): floor(x' / 2^m) = (A >> m) + (B >> m) + c_m - 2^(64-m) c_64 where c_m is the
// carry out of the low m bits of A + B and c_64 the carry out of all 64; then subtract
// 2^(b-1-m). A >> m is shared in the splitting message. For b < 64, c_64 = A_63 | B_63, and
// its term is 2^(63-m) (A_63 + B_63 + (A_63 ^ B_63)) with the cross bit A_63 ^ B_63 needed
// only modulo 2^(m+1) (run_plans), so the rounds are those of an m-position tree:
// 2 + ceil(log2 m).
#include <algorithm>
#include <array>

#include "protocols/generic/nonlinear.h"
#include "protocols/rep3/binary.h"
#include "protocols/rep3/rep3.h"

namespace mpvm::protocols {

using rep3::BitWords;
using rep3::LaneThirds;

namespace {

// The low `count` bits set (count <= 64).
uint64_t low_bits(unsigned count) { return count >= 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1; }

}  // namespace

void Rep3Protocol::run_plans(std::span<Plan> plans) {
  // Round 1: every plan's splitting messages; then one set of tree rounds for all their
  // carries (the wrap gates of truncations below 64 bits opened in the last one).
  std::vector<SplitRequest> splits;
  std::vector<DaBits*> dabits;
  for (Plan& plan : plans) {
    const auto& r = plan.request;
    const std::size_t n = r.in.size();
    const uint64_t offset = uint64_t{1} << (r.bits - 1);
    if (r.kind == NonlinearRequest<Share>::Kind::ltz) {
      plan.dabits = draw_dabits(rep3::balanced_thirds(n, r.bits, surplus_bits_), 1);
      dabits.push_back(&plan.dabits);
      splits.push_back({r.in, offset, false, low_bits(r.bits), -1, &plan.high, &plan.low, {}, 0, &plan.dabits, nullptr});
      continue;
    }
    plan.high_shifted.resize(n);  // every lane written by split()
    if (r.bits == 64) {  // two trees: the m-bit carry (daBit k) and the 64-bit one (daBit n + k)
      plan.dabits = draw_dabits(rep3::balanced_thirds(n, 64 + 64, surplus_bits_), 2);
      dabits.push_back(&plan.dabits);
      splits.push_back({r.in, offset, false, ~uint64_t{0}, static_cast<int>(r.shift), &plan.high, &plan.low, plan.high_shifted, 0,
                        &plan.dabits, nullptr});
      continue;
    }
    // Below 64 bits x' < 2^63, so bit 63 of A + B is 0 and the carry out of all 64 bits is
    // c_64 = A_63 | B_63 = (A_63 + B_63 + (A_63 ^ B_63)) / 2. It enters the result as
    // -2^(64-m) c_64 = -2^(63-m) (A_63 + B_63 + (A_63 ^ B_63)): the splitter folds its A_63
    // term into A >> m, the helpers theirs into B >> m, and A_63 ^ B_63 is a cross bit
    // needed only modulo 2^(m+1) (m + 1-bit messages instead of a daBit and a gate).
    // The splitter's extra: A's m + 1 bits and A >> m (the daBit and wrap messages cost
    // every role alike).
    plan.dabits = draw_dabits(rep3::balanced_thirds(n, r.shift + 1 + 64, surplus_bits_), 1);
    plan.wrap = wrap_terms(r.in, offset, plan.dabits.thirds, r.shift + 1);
    dabits.push_back(&plan.dabits);
    dabits.push_back(&plan.wrap);
    splits.push_back({r.in, offset, false, low_bits(r.shift), static_cast<int>(r.shift), &plan.high, &plan.low, plan.high_shifted,
                      uint64_t{1} << (63 - r.shift), &plan.dabits, &plan.wrap});
  }
  split(splits);

  std::vector<CarryJob> jobs;
  for (Plan& plan : plans) {
    const auto& r = plan.request;
    const std::size_t n = r.in.size();
    if (r.kind == NonlinearRequest<Share>::Kind::ltz) {
      // x < 0 iff bit `top` of A + B, A_top ^ B_top ^ carry, is 0: the rest of e is
      // NOT(A_top ^ B_top) ^ r; the NOT is a public 1, which component 0 carries (first at
      // party 0, second at party 2, as in xor_public).
      const unsigned top = r.bits - 1;
      plan.rest.first.resize(n), plan.rest.second.resize(n);  // every lane written below
      const uint64_t not_first = me_ == 0, not_second = me_ == 2;
      for (std::size_t k = 0; k < n; ++k) {
        plan.rest.first[k] = (((plan.high.first[k] ^ plan.low.first[k]) >> top ^ plan.dabits.binary.first[k]) & 1) ^ not_first;
        plan.rest.second[k] = (((plan.high.second[k] ^ plan.low.second[k]) >> top ^ plan.dabits.binary.second[k]) & 1) ^ not_second;
      }
      jobs.push_back(CarryJob{top, &plan.high, &plan.low, &plan.rest, 0, n});
      continue;
    }
    // trunc: e = carry ^ r.
    jobs.push_back(CarryJob{r.shift, &plan.high, &plan.low, &plan.dabits.binary, 0, n});
    if (r.bits == 64) jobs.push_back(CarryJob{64, &plan.high, &plan.low, &plan.dabits.binary, n, n});
  }
  const auto opened = trees_then_open(jobs, true, dabits);

  std::size_t job = 0;
  for (Plan& plan : plans) {
    const auto& r = plan.request;
    const std::size_t n = r.in.size();
    if (r.kind == NonlinearRequest<Share>::Kind::ltz) {
      inject(opened[job++], plan.dabits, 0, r.out);
      continue;
    }
    // floor(x' / 2^m) = (A >> m) + (B >> m) + c_m - 2^(64-m) c_64, less 2^(bits-1-m).
    const unsigned m = r.shift;
    const bool full = r.bits == 64;
    ScratchVector<Share> carry(full ? 2 * n : n);  // written by inject
    inject(opened[job++], plan.dabits, 0, std::span<Share>(carry).first(n));
    if (full) inject(opened[job++], plan.dabits, n, std::span<Share>(carry).subspan(n));
    const uint64_t wrap_weight = uint64_t{1} << (64 - m), half_weight = uint64_t{1} << (63 - m);
    const uint64_t offset = uint64_t{1} << (r.bits - 1 - m);
    const LaneThirds& thirds = plan.dabits.thirds;
    for (int third = 0; third < 3; ++third) {
      // B >> m (- 2^(63-m) B_63 below 64 bits): B = x_{j+2} is the first helper's second
      // component and the second helper's first.
      const int role = (me_ + 3 - third) % 3;
      for (std::size_t k = thirds.begin(third); k < thirds.end(third); ++k) {
        const auto low_term = [&](uint64_t b) { return (b >> m) - (full ? 0 : half_weight * (b >> 63)); };
        const Share low_shifted{role == 2 ? low_term(r.in[k].first) : 0, role == 1 ? low_term(r.in[k].second) : 0};
        Share sum{plan.high_shifted[k].first + low_shifted.first + carry[k].first,
                  plan.high_shifted[k].second + low_shifted.second + carry[k].second};
        if (full) {
          sum.first -= wrap_weight * carry[n + k].first, sum.second -= wrap_weight * carry[n + k].second;
        } else {
          sum.first -= half_weight * plan.wrap.arithmetic[k].first, sum.second -= half_weight * plan.wrap.arithmetic[k].second;
        }
        r.out[k] = add_public(sum, 0 - offset);
      }
    }
  }
}

void Rep3Protocol::ltz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  const std::array request{NonlinearRequest<Share>{NonlinearRequest<Share>::Kind::ltz, out, a, 0, bits}};
  nonlinear_batch(request);
}

void Rep3Protocol::trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  const std::array request{NonlinearRequest<Share>{NonlinearRequest<Share>::Kind::trunc, out, a, m, bits}};
  nonlinear_batch(request);
}

void Rep3Protocol::nonlinear_batch(std::span<const NonlinearRequest<Share>> requests) {
  using Kind = NonlinearRequest<Share>::Kind;
  std::vector<Plan> plans;
  for (const auto& r : requests) {
    if (path_ == NonlinearPath::generic) {
      if (r.kind == Kind::ltz) generic::NonLinear(*this).ltz(r.out, r.in, r.bits);
      else generic::NonLinear(*this).trunc(r.out, r.in, r.shift, r.bits);
    } else if (r.kind == Kind::trunc && r.shift == 0) {
      std::copy(r.in.begin(), r.in.end(), r.out.begin());
    } else {
      plans.push_back(Plan{r, {}, {}, {}, {}, {}, {}});
    }
  }
  if (!plans.empty()) run_plans(plans);
}

void Rep3Protocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).eqz(out, a, bits);
  const std::size_t n = a.size();
  DaBits dabits = draw_dabits(rep3::balanced_thirds(n, bits, surplus_bits_), 1);
  BitWords high, negated_low;
  const std::array request{SplitRequest{a, 0, true, low_bits(bits), -1, &high, &negated_low, {}, 0, &dabits, nullptr}};
  split(request);
  // Equal iff every bit of NOT(A ^ -B) below `bits` is 1: an AND tree, padded with 1s.
  BitWords differ;
  differ.assign(n);
  for (std::size_t k = 0; k < n; ++k) {
    differ.first[k] = high.first[k] ^ negated_low.first[k];
    differ.second[k] = high.second[k] ^ negated_low.second[k];
  }
  std::array<CarryJob, 1> job{CarryJob{bits, nullptr, nullptr, &dabits.binary, 0, n}};
  const unsigned width = rep3::next_power_of_two(bits);  // the width trees_then_open gives it
  job[0].propagate = rep3::pack(differ, bits, width);
  std::vector<uint64_t> every_position(job[0].propagate.size());
  rep3::padding_mask(n, width, width, every_position);
  xor_public(job[0].propagate, every_position);  // NOT on the real bits, 1 on the padding
  const std::array<DaBits*, 1> pending{&dabits};
  const auto opened = trees_then_open(job, false, pending);
  inject(opened[0], dabits, 0, out);
}

}  // namespace mpvm::protocols
