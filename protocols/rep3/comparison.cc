// rep3's comparison and exact truncation: the binary fast path.
//
// 1. Local share splitting (ABY3 §5.3; Dalskov-Escudero-Keller, USENIX Security 2021,
//    §4.2): x = A + B with A = x_0 + x_1 (+ a public offset), which party 0 knows, and
//    B = x_2, which parties 1 and 2 know. B is binary-shared for free (component 2 = B);
//    party 0 binary-shares A with one message to party 2 (component 0 = A ^ rho, component
//    1 = rho from the key it shares with party 1).
// 2. Carries of A + B from a generate/propagate tree (g = A & B, p = A ^ B, then pairs
//    combined as (G, P) = (G_hi ^ P_hi & G_lo, P_hi & P_lo), halving the positions per
//    round): ceil(log2 n) rounds for n positions, with the bits packed densely so a round
//    sends only the gates it evaluates.
// 3. Binary to arithmetic (bit injection) of the one result bit b = b_0 ^ b_1 ^ b_2:
//    party 0 knows d = b_0 ^ b_1 and inputs it; b_2 is shared locally; b = d + b_2 - 2 d b_2
//    with one multiplication. Two rounds.
//
// ltz (bits b): with x' = x + 2^(b-1) in [0, 2^b), x < 0 iff bit b-1 of A + B is 0.
// eqz: x == 0 iff A = -B modulo 2^b: an AND tree over the bits of NOT(A ^ -B).
// trunc (exact): floor(x' / 2^m) = (A >> m) + (B >> m) + c_m - 2^(64-m) c_64 where c_m is the
// carry out of the low m bits of A + B and c_64 the carry out of all 64; then subtract
// 2^(b-1-m). Both carries run in the same rounds.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/rep3/binary.h"
#include "protocols/generic/nonlinear.h"
#include "protocols/rep3/rep3.h"

namespace mpvm::protocols {

using rep3::AndTask;
using rep3::BitWords;

namespace {

uint64_t stream_bit(std::span<const uint64_t> stream, std::size_t k) { return stream[k / 64] >> (k % 64) & 1; }

BitWords pack(const BitWords& words, unsigned n, unsigned width) {
  BitWords stream;
  stream.assign(rep3::stream_words(words.size(), width));
  rep3::pack_positions(words.first, n, width, stream.first);
  rep3::pack_positions(words.second, n, width, stream.second);
  return stream;
}

}  // namespace

void Rep3Protocol::xor_public(BitWords& v, std::span<const uint64_t> mask) const {
  // A public constant is the sharing (c, 0, 0): component 0 sits first at party 0 and
  // second at party 2.
  if (me_ == 0)
    for (std::size_t k = 0; k < mask.size(); ++k) v.first[k] ^= mask[k];
  if (me_ == 2)
    for (std::size_t k = 0; k < mask.size(); ++k) v.second[k] ^= mask[k];
}

void Rep3Protocol::and_words(std::span<const AndTask> tasks) {
  // z_i = x_i y_i ^ x_i y_{i+1} ^ x_{i+1} y_i ^ F(k_i) ^ F(k_{i+1}); one exchange carries
  // every task of the round.
  std::size_t total = 0;
  for (const AndTask& t : tasks) total += t.x->size();
  and_sent_.resize(total);
  and_received_.resize(total);
  scratch_b_.resize(total);
  scratch_c_.resize(total);
  own_prg_.fill(std::span<uint64_t>(scratch_b_));
  next_prg_.fill(std::span<uint64_t>(scratch_c_));
  std::size_t at = 0;
  for (const AndTask& t : tasks) {
    const uint64_t *xf = t.x->first.data(), *xs = t.x->second.data(), *yf = t.y->first.data(), *ys = t.y->second.data();
    for (std::size_t k = 0; k < t.x->size(); ++k, ++at)
      and_sent_[at] = (xf[k] & (yf[k] ^ ys[k])) ^ (xs[k] & yf[k]) ^ scratch_b_[at] ^ scratch_c_[at];
  }
  transport_.exchange(std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(and_sent_))}},
                      std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(and_received_))}});
  at = 0;
  for (const AndTask& t : tasks) {
    const std::size_t n = t.x->size();
    t.out->first.assign(and_sent_.begin() + at, and_sent_.begin() + at + n);
    t.out->second.assign(and_received_.begin() + at, and_received_.begin() + at + n);
    at += n;
  }
}

void Rep3Protocol::split(std::span<const Share> x, uint64_t offset, bool negate_b, int shift, BitWords& a, BitWords& b,
                         std::span<Share> a_shifted) {
  const std::size_t n = x.size();
  a.assign(n);
  b.assign(n);
  const std::size_t message = shift >= 0 ? 2 * n : n;
  LargeVector<uint64_t> rho(message);
  if (me_ == 0) {
    next_prg_.fill(std::span<uint64_t>(rho));  // k_1, shared with party 1
    LargeVector<uint64_t> sent(message);
    for (std::size_t k = 0; k < n; ++k) {
      const uint64_t whole = x[k].first + x[k].second + offset;
      a.first[k] = whole ^ rho[k];
      a.second[k] = rho[k];
      sent[k] = a.first[k];
      if (shift >= 0) {
        sent[n + k] = (whole >> shift) - rho[n + k];
        a_shifted[k] = {sent[n + k], rho[n + k]};
      }
    }
    transport_.send(2, net::as_bytes(std::span<const uint64_t>(sent)));
  } else if (me_ == 1) {
    own_prg_.fill(std::span<uint64_t>(rho));  // k_1
    for (std::size_t k = 0; k < n; ++k) {
      a.first[k] = rho[k];
      b.second[k] = negate_b ? 0 - x[k].second : x[k].second;  // x_2
      if (shift >= 0) a_shifted[k] = {rho[n + k], 0};
    }
  } else {
    transport_.receive(0, net::as_writable_bytes(std::span<uint64_t>(rho)));
    for (std::size_t k = 0; k < n; ++k) {
      a.second[k] = rho[k];
      b.first[k] = negate_b ? 0 - x[k].first : x[k].first;  // x_2
      if (shift >= 0) a_shifted[k] = {0, rho[n + k]};
    }
  }
}

void Rep3Protocol::carries(std::span<CarryJob> jobs, const BitWords& a, const BitWords& b) {
  // Round 1: generate g = a & b over each job's positions; propagate p = a ^ b is local.
  // Both are laid out as streams of width w (a power of two), the real positions on top
  // and the identity (g = 0, p = 1) below them.
  std::vector<BitWords> a_streams(jobs.size()), b_streams(jobs.size());
  std::vector<AndTask> tasks;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    CarryJob& job = jobs[j];
    job.width = rep3::next_power_of_two(std::max(job.positions, 1u));
    a_streams[j] = pack(a, job.positions, job.width);
    b_streams[j] = pack(b, job.positions, job.width);
    job.propagate.assign(a_streams[j].size());
    for (std::size_t k = 0; k < a_streams[j].size(); ++k) {
      job.propagate.first[k] = a_streams[j].first[k] ^ b_streams[j].first[k];
      job.propagate.second[k] = a_streams[j].second[k] ^ b_streams[j].second[k];
    }
    std::vector<uint64_t> identity(a_streams[j].size());
    rep3::padding_mask(a.size(), job.width - job.positions, job.width, identity);
    xor_public(job.propagate, identity);
    tasks.push_back({&a_streams[j], &b_streams[j], &job.generate});
  }
  and_words(tasks);
  combine_levels(jobs, true);
}

void Rep3Protocol::combine_levels(std::span<CarryJob> jobs, bool need_generate) {
  // Each round pairs neighbouring positions: (G, P) = (G_hi ^ P_hi & G_lo, P_hi & P_lo).
  // Jobs of different widths share rounds until each is down to one position.
  struct Halves {
    BitWords g_hi, g_lo, p_hi, p_lo, carry_term, both_propagate;
  };
  while (true) {
    std::vector<Halves> halves(jobs.size());
    std::vector<AndTask> tasks;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      CarryJob& job = jobs[j];
      if (job.width <= 1) continue;
      Halves& h = halves[j];
      const std::size_t half = job.propagate.size() / 2;
      const std::size_t words = half + half % 2;  // keep streams halvable
      for (BitWords* v : {&h.g_hi, &h.g_lo, &h.p_hi, &h.p_lo}) v->assign(words);
      if (need_generate) {
        rep3::split_halves(job.generate.first, std::span(h.g_hi.first).first(half), std::span(h.g_lo.first).first(half));
        rep3::split_halves(job.generate.second, std::span(h.g_hi.second).first(half), std::span(h.g_lo.second).first(half));
      }
      rep3::split_halves(job.propagate.first, std::span(h.p_hi.first).first(half), std::span(h.p_lo.first).first(half));
      rep3::split_halves(job.propagate.second, std::span(h.p_hi.second).first(half), std::span(h.p_lo.second).first(half));
      job.width /= 2;
      if (need_generate) tasks.push_back({&h.p_hi, &h.g_lo, &h.carry_term});
      // The last round of a carry needs only the generate bit.
      if (!need_generate || job.width > 1) tasks.push_back({&h.p_hi, &h.p_lo, &h.both_propagate});
    }
    if (tasks.empty()) return;
    and_words(tasks);
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      Halves& h = halves[j];
      if (h.p_hi.size() == 0) continue;
      CarryJob& job = jobs[j];
      if (need_generate) {
        job.generate = std::move(h.g_hi);
        for (std::size_t k = 0; k < job.generate.size(); ++k) {
          job.generate.first[k] ^= h.carry_term.first[k];
          job.generate.second[k] ^= h.carry_term.second[k];
        }
      }
      if (h.both_propagate.size() != 0) job.propagate = std::move(h.both_propagate);
    }
  }
}

void Rep3Protocol::bits_to_arithmetic(const BitWords& bits, std::span<Share> out) {
  // b = d ^ b_2 with d = b_0 ^ b_1 known to party 0 and b_2 to parties 1 and 2:
  // b = d + b_2 - 2 d b_2 (the decomposition of ABY3 §5.4's bit injection).
  const std::size_t n = bits.size();
  std::vector<int64_t> d(me_ == 0 ? n : 0);
  if (me_ == 0)
    for (std::size_t k = 0; k < n; ++k) d[k] = static_cast<int64_t>((bits.first[k] ^ bits.second[k]) & 1);
  std::vector<Share> shared_d(n), shared_b2(n), product(n);
  input(0, shared_d, d);
  for (std::size_t k = 0; k < n; ++k) {
    const uint64_t b2 = me_ == 1 ? bits.second[k] & 1 : me_ == 2 ? bits.first[k] & 1 : 0;
    shared_b2[k] = {me_ == 2 ? b2 : 0, me_ == 1 ? b2 : 0};
  }
  mul(product, shared_d, shared_b2);
  for (std::size_t k = 0; k < n; ++k)
    out[k] = {shared_d[k].first + shared_b2[k].first - 2 * product[k].first,
              shared_d[k].second + shared_b2[k].second - 2 * product[k].second};
}

void Rep3Protocol::ltz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).ltz(out, a, bits);
  const unsigned top = bits - 1;
  BitWords high, low;
  split(a, uint64_t{1} << top, false, -1, high, low, {});
  std::array<CarryJob, 1> job{CarryJob{top, 0, {}, {}}};
  carries(job, high, low);
  // Bit `top` of A + B is A_top ^ B_top ^ carry; x < 0 iff it is 0.
  BitWords sign;
  sign.assign(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    sign.first[k] = ((high.first[k] ^ low.first[k]) >> top ^ stream_bit(job[0].generate.first, k)) & 1;
    sign.second[k] = ((high.second[k] ^ low.second[k]) >> top ^ stream_bit(job[0].generate.second, k)) & 1;
  }
  const std::vector<uint64_t> one(a.size(), 1);
  xor_public(sign, one);
  bits_to_arithmetic(sign, out);
}

void Rep3Protocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).eqz(out, a, bits);
  BitWords high, negated_low;
  split(a, 0, true, -1, high, negated_low, {});
  // Equal iff every bit of NOT(A ^ -B) below `bits` is 1: an AND tree. Padding positions
  // hold 1, the identity of AND.
  BitWords differ;
  differ.assign(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    differ.first[k] = high.first[k] ^ negated_low.first[k];
    differ.second[k] = high.second[k] ^ negated_low.second[k];
  }
  std::array<CarryJob, 1> job{CarryJob{bits, rep3::next_power_of_two(bits), {}, {}}};
  job[0].propagate = pack(differ, bits, job[0].width);
  std::vector<uint64_t> every_position(job[0].propagate.size());
  rep3::padding_mask(a.size(), job[0].width, job[0].width, every_position);
  xor_public(job[0].propagate, every_position);  // NOT on the real bits, 1 on the padding
  combine_levels(job, false);
  BitWords equal;
  equal.assign(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    equal.first[k] = stream_bit(job[0].propagate.first, k);
    equal.second[k] = stream_bit(job[0].propagate.second, k);
  }
  bits_to_arithmetic(equal, out);
}

void Rep3Protocol::trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).trunc(out, a, m, bits);
  const std::size_t n = a.size();
  if (m == 0) {
    std::copy(a.begin(), a.end(), out.begin());
    return;
  }
  BitWords high, low;
  std::vector<Share> high_shifted(n);
  split(a, uint64_t{1} << (bits - 1), false, static_cast<int>(m), high, low, high_shifted);
  std::array<CarryJob, 2> jobs{CarryJob{m, 0, {}, {}}, CarryJob{64, 0, {}, {}}};
  carries(jobs, high, low);
  BitWords carry_bits;
  carry_bits.assign(2 * n);
  for (std::size_t k = 0; k < n; ++k) {
    carry_bits.first[k] = stream_bit(jobs[0].generate.first, k), carry_bits.second[k] = stream_bit(jobs[0].generate.second, k);
    carry_bits.first[n + k] = stream_bit(jobs[1].generate.first, k), carry_bits.second[n + k] = stream_bit(jobs[1].generate.second, k);
  }
  std::vector<Share> carry(2 * n);
  bits_to_arithmetic(carry_bits, carry);
  const uint64_t wrap = uint64_t{1} << (64 - m);
  const uint64_t offset = uint64_t{1} << (bits - 1 - m);
  for (std::size_t k = 0; k < n; ++k) {
    // B >> m: B = x_2 is party 1's second component and party 2's first.
    const Share low_shifted{me_ == 2 ? a[k].first >> m : 0, me_ == 1 ? a[k].second >> m : 0};
    const Share sum{high_shifted[k].first + low_shifted.first + carry[k].first - wrap * carry[n + k].first,
                    high_shifted[k].second + low_shifted.second + carry[k].second - wrap * carry[n + k].second};
    out[k] = add_public(sum, 0 - offset);
  }
}

}  // namespace mpvm::protocols
