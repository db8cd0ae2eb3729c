// rep3's comparison and exact truncation: the binary fast path. A 64-bit ltz takes 8
// rounds and under 50 bytes per party.
//
// 1. Local share splitting (ABY3 §5.3; Dalskov-Escudero-Keller, USENIX Security 2021,
//    §4.2): x = A + B with A = x_0 + x_1 (+ a public offset), which party 0 knows, and
//    B = x_2, which parties 1 and 2 know. B is binary-shared for free (component 2 = B);
//    party 0 binary-shares A with one message to party 2 (component 0 = A ^ rho, component
//    1 = rho from the key it shares with party 1). Round 1.
// 2. Carries of A + B from a generate/propagate tree: g = A & B (round 2), then pairs of
//    positions combined as (G, P) = (G_hi ^ P_hi & G_lo, P_hi & P_lo), halving the
//    positions per round. The bits of every value sit in dense streams of power-of-two
//    width (rep3/binary.h), so each round is word-parallel and sends only its gates.
// 3. The result bit b comes out arithmetic through a random daBit r (r both XOR-shared and
//    arithmetically shared): e = b ^ r is opened and [b] = e + [r] - 2e[r] locally
//    (Rotaru-Wood, "MArBled circuits", INDOCRYPT 2019, §3; Escudero et al. CRYPTO 2020).
//    The daBit costs no round of its own: r = r_0 ^ r_1 ^ r_2 comes from the PRGs, party 0
//    inputs d = r_0 ^ r_1 alongside the splitting message, and [r] = d + r_2 - 2 d r_2 needs
//    one multiplication that rides on the next round's message.
// 4. The last AND of the tree and the opening of e share one round: each party masks its
//    XOR share of that AND with a fresh zero-sharing (which hides it from either other
//    party), adds its component of the rest of e, and sends the bit to both others.
//
// ltz (bits b): with x' = x + 2^(b-1) in [0, 2^b), x < 0 iff bit b-1 of A + B is 0: a tree
// over b-1 positions, 2 + ceil(log2(b-1)) rounds.
// eqz: x == 0 iff A = -B modulo 2^b: an AND tree over the bits of NOT(A ^ -B).
// trunc (exact): floor(x' / 2^m) = (A >> m) + (B >> m) + c_m - 2^(64-m) c_64 where c_m is the
// carry out of the low m bits of A + B and c_64 the carry out of all 64; then subtract
// 2^(b-1-m). For b < 64, c_64 = A_63 | B_63 (one AND gate), so the rounds are those of an
// m-position tree: 2 + ceil(log2 m). A >> m is shared in the splitting message.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/generic/nonlinear.h"
#include "protocols/rep3/binary.h"
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

// Bit 0 of words [from, from + count) as a width-1 stream.
BitWords bit_stream(const BitWords& words, std::size_t from, std::size_t count) {
  BitWords stream;
  stream.assign(rep3::stream_words(count, 1));
  for (std::size_t k = 0; k < count; ++k) {
    stream.first[k / 64] |= (words.first[from + k] & 1) << (k % 64);
    stream.second[k / 64] |= (words.second[from + k] & 1) << (k % 64);
  }
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

// ---- daBits ----

Rep3Protocol::DaBits Rep3Protocol::draw_dabits(std::size_t count) {
  DaBits dabits;
  // r_i from k_i and r_{i+1} from k_{i+1}, 64 bits per PRG word.
  LargeVector<uint64_t> own_bits((count + 63) / 64), next_bits((count + 63) / 64);
  keys_.own().fill(std::span<uint64_t>(own_bits));
  keys_.next().fill(std::span<uint64_t>(next_bits));
  dabits.binary.first.resize(count);
  dabits.binary.second.resize(count);
  for (std::size_t k = 0; k < count; ++k) {
    dabits.binary.first[k] = own_bits[k / 64] >> (k % 64) & 1;
    dabits.binary.second[k] = next_bits[k / 64] >> (k % 64) & 1;
  }
  // [d] for d = r_0 ^ r_1, as `input` from party 0 would share it: x_0 = F(k_0),
  // x_1 = d - x_0 sent to party 1 (in the splitting round), x_2 = 0.
  dabits.d.resize(count);
  dabits.r2.resize(count);
  if (me_ == 0) {
    LargeVector<uint64_t> x0(count);
    keys_.own().fill(std::span<uint64_t>(x0));
    dabits.input_message.resize(count);
    for (std::size_t k = 0; k < count; ++k) {
      const uint64_t d = dabits.binary.first[k] ^ dabits.binary.second[k];
      dabits.input_message[k] = d - x0[k];
      dabits.d[k] = {x0[k], dabits.input_message[k]};
    }
  } else if (me_ == 2) {
    LargeVector<uint64_t> x0(count);
    keys_.next().fill(std::span<uint64_t>(x0));
    for (std::size_t k = 0; k < count; ++k) dabits.d[k] = {0, x0[k]};
  }
  // [r_2]: component 2 = r_2, which party 1 holds second and party 2 first.
  for (std::size_t k = 0; k < count; ++k)
    dabits.r2[k] = {me_ == 2 ? dabits.binary.first[k] : 0, me_ == 1 ? dabits.binary.second[k] : 0};
  return dabits;
}

void Rep3Protocol::attach_dabit_multiplication(DaBits* dabits, LargeVector<uint64_t>& to_previous, std::size_t& at) {
  // The local cross terms of d * r_2 plus an arithmetic zero-sharing, appended to this
  // round's message to the previous party (as in mul).
  if (dabits == nullptr || dabits->multiplied) return;
  const std::size_t n = dabits->d.size();
  dabits->product_offset = at;
  to_previous.resize(at + n);
  for (std::size_t k = 0; k < n; ++k) to_previous[at + k] = product_share(dabits->d[k], dabits->r2[k]);
  mask_with_zero_sharing(std::span<uint64_t>(to_previous).subspan(at, n), Sharing::additive);
  at += n;
}

void Rep3Protocol::finish_dabit_multiplication(DaBits* dabits, std::span<const uint64_t> sent,
                                               std::span<const uint64_t> received) {
  if (dabits == nullptr || dabits->multiplied) return;
  const std::size_t n = dabits->d.size();
  dabits->arithmetic.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const Share product{sent[dabits->product_offset + k], received[dabits->product_offset + k]};
    // r = d ^ r_2 = d + r_2 - 2 d r_2
    dabits->arithmetic[k] = {dabits->d[k].first + dabits->r2[k].first - 2 * product.first,
                             dabits->d[k].second + dabits->r2[k].second - 2 * product.second};
  }
  dabits->multiplied = true;
}

void Rep3Protocol::inject(std::span<const uint64_t> opened, const DaBits& dabits, std::size_t from, std::span<Share> out) {
  // b = e ^ r: [b] = [r] where e = 0, 1 - [r] where e = 1.
  for (std::size_t k = 0; k < out.size(); ++k) {
    const Share& r = dabits.arithmetic[from + k];
    out[k] = stream_bit(opened, k) ? add_public({0 - r.first, 0 - r.second}, 1) : r;
  }
}

// ---- rounds ----

void Rep3Protocol::and_words(std::span<const AndTask> tasks, DaBits* dabits) {
  // z_i = x_i y_i ^ x_i y_{i+1} ^ x_{i+1} y_i ^ F(k_i) ^ F(k_{i+1}); one exchange carries
  // every task of the round (and a pending daBit multiplication).
  std::size_t total = 0;
  for (const AndTask& t : tasks) total += t.x->size();
  and_sent_.resize(total);
  std::size_t at = 0;
  for (const AndTask& t : tasks) {
    const uint64_t *xf = t.x->first.data(), *xs = t.x->second.data(), *yf = t.y->first.data(), *ys = t.y->second.data();
    for (std::size_t k = 0; k < t.x->size(); ++k, ++at) and_sent_[at] = (xf[k] & (yf[k] ^ ys[k])) ^ (xs[k] & yf[k]);
  }
  mask_with_zero_sharing(std::span<uint64_t>(and_sent_), Sharing::binary);
  attach_dabit_multiplication(dabits, and_sent_, at);
  and_received_.resize(at);
  transport_.exchange(std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(and_sent_))}},
                      std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(and_received_))}});
  finish_dabit_multiplication(dabits, and_sent_, and_received_);
  at = 0;
  for (const AndTask& t : tasks) {
    const std::size_t n = t.x->size();
    t.out->first.assign(and_sent_.begin() + at, and_sent_.begin() + at + n);
    t.out->second.assign(and_received_.begin() + at, and_received_.begin() + at + n);
    at += n;
  }
}

std::vector<LargeVector<uint64_t>> Rep3Protocol::and_then_open(std::span<const FinalGate> gates, DaBits* dabits) {
  // Opens e = (x & y) ^ rest for every gate (x, y may be absent: e = rest) in one round.
  // Party i's XOR share of x & y is z_i = x_i y_i ^ x_i y_{i+1} ^ x_{i+1} y_i, masked by
  // the zero-sharing F(k_i) ^ F(k_{i+1}), which neither other party can remove; adding its
  // component rest_i gives a share of e that it sends to both others.
  std::size_t total = 0;
  for (const FinalGate& g : gates) total += g.rest->size();
  // The first `total` words of and_sent_ are this party's share of every e, sent to both
  // others; the message to the previous party also carries a pending daBit multiplication.
  and_sent_.resize(total);
  std::size_t at = 0;
  for (const FinalGate& g : gates)
    for (std::size_t k = 0; k < g.rest->size(); ++k, ++at) {
      uint64_t z = g.rest->first[k];
      if (g.x != nullptr) z ^= (g.x->first[k] & (g.y->first[k] ^ g.y->second[k])) ^ (g.x->second[k] & g.y->first[k]);
      and_sent_[at] = z;
    }
  mask_with_zero_sharing(std::span<uint64_t>(and_sent_), Sharing::binary);
  attach_dabit_multiplication(dabits, and_sent_, at);
  and_received_.resize(and_sent_.size());
  scratch_b_.resize(total);  // what the previous party sends
  const std::span<const uint64_t> mine = std::span<const uint64_t>(and_sent_).first(total);
  transport_.exchange(std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(and_sent_))},
                                 net::Outgoing{next_party_, net::as_bytes(mine)}},
                      std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(and_received_))},
                                 net::Incoming{previous_party_, net::as_writable_bytes(std::span<uint64_t>(scratch_b_))}});
  finish_dabit_multiplication(dabits, and_sent_, and_received_);
  std::vector<LargeVector<uint64_t>> opened;
  at = 0;
  for (const FinalGate& g : gates) {
    LargeVector<uint64_t> e(g.rest->size());
    for (std::size_t k = 0; k < e.size(); ++k, ++at) e[k] = and_sent_[at] ^ and_received_[at] ^ scratch_b_[at];
    opened.push_back(std::move(e));
  }
  return opened;
}

void Rep3Protocol::split(std::span<const Share> x, uint64_t offset, bool negate_b, int shift, BitWords& a, BitWords& b,
                         std::span<Share> a_shifted, DaBits& dabits) {
  // One round, sent by party 0 only: to party 2 the binary share of A (and A >> shift),
  // to party 1 its share of the daBits' d.
  const std::size_t n = x.size();
  a.assign(n);
  b.assign(n);
  const std::size_t words = shift >= 0 ? 2 * n : n;
  LargeVector<uint64_t> masks(words);  // rho (and r for A >> shift): k_1, parties 0 and 1
  if (me_ == 0) {
    keys_.next().fill(std::span<uint64_t>(masks));
    LargeVector<uint64_t> to_party2(words);
    for (std::size_t k = 0; k < n; ++k) {
      const uint64_t whole = x[k].first + x[k].second + offset;
      a.first[k] = to_party2[k] = whole ^ masks[k];
      a.second[k] = masks[k];
      if (shift >= 0) {
        to_party2[n + k] = (whole >> shift) - masks[n + k];
        a_shifted[k] = {to_party2[n + k], masks[n + k]};
      }
    }
    transport_.exchange(std::array{net::Outgoing{2, net::as_bytes(std::span<const uint64_t>(to_party2))},
                                   net::Outgoing{1, net::as_bytes(std::span<const uint64_t>(dabits.input_message))}},
                        {});
  } else if (me_ == 1) {
    keys_.own().fill(std::span<uint64_t>(masks));
    LargeVector<uint64_t> d_share(dabits.d.size());
    transport_.receive(0, net::as_writable_bytes(std::span<uint64_t>(d_share)));
    for (std::size_t k = 0; k < d_share.size(); ++k) dabits.d[k] = {d_share[k], 0};
    for (std::size_t k = 0; k < n; ++k) {
      a.first[k] = masks[k];
      b.second[k] = negate_b ? 0 - x[k].second : x[k].second;  // x_2
      if (shift >= 0) a_shifted[k] = {masks[n + k], 0};
    }
  } else {
    LargeVector<uint64_t> from_party0(words);
    transport_.receive(0, net::as_writable_bytes(std::span<uint64_t>(from_party0)));
    for (std::size_t k = 0; k < n; ++k) {
      a.second[k] = from_party0[k];
      b.first[k] = negate_b ? 0 - x[k].first : x[k].first;  // x_2
      if (shift >= 0) a_shifted[k] = {0, from_party0[n + k]};
    }
  }
}

std::vector<LargeVector<uint64_t>> Rep3Protocol::trees_then_open(std::span<CarryJob> jobs, const BitWords* a,
                                                                  const BitWords* b, bool need_generate,
                                                                  const BitWords& rests, std::size_t values, DaBits& dabits,
                                                                  std::span<const FinalGate> extra_gates) {
  // All jobs share one stream width, so every round carries all of them and the last AND
  // of each tree is its opening. For carry trees the generate round g = a & b comes first.
  unsigned width = 1;
  for (const CarryJob& job : jobs) width = std::max(width, rep3::next_power_of_two(std::max(job.positions, 1u)));
  std::vector<BitWords> a_streams(jobs.size()), b_streams(jobs.size());
  if (need_generate) {
    std::vector<AndTask> tasks;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      CarryJob& job = jobs[j];
      job.width = width;
      a_streams[j] = pack(*a, job.positions, width);
      b_streams[j] = pack(*b, job.positions, width);
      job.propagate.assign(a_streams[j].size());
      for (std::size_t k = 0; k < a_streams[j].size(); ++k) {
        job.propagate.first[k] = a_streams[j].first[k] ^ b_streams[j].first[k];
        job.propagate.second[k] = a_streams[j].second[k] ^ b_streams[j].second[k];
      }
      std::vector<uint64_t> identity(a_streams[j].size());
      rep3::padding_mask(values, width - job.positions, width, identity);
      xor_public(job.propagate, identity);
      tasks.push_back({&a_streams[j], &b_streams[j], &job.generate});
    }
    if (width == 1) {  // one position: the generate AND is the last one
      std::vector<BitWords> rest_streams(jobs.size());
      std::vector<FinalGate> gates;
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        rest_streams[j] = bit_stream(rests, j * values, values);
        gates.push_back({&a_streams[j], &b_streams[j], &rest_streams[j]});
      }
      gates.insert(gates.end(), extra_gates.begin(), extra_gates.end());
      return and_then_open(gates, &dabits);
    }
    and_words(tasks, &dabits);
  }
  struct Halves {
    BitWords g_hi, g_lo, p_hi, p_lo, carry_term, both_propagate, rest;
  };
  while (true) {
    std::vector<Halves> halves(jobs.size());
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      CarryJob& job = jobs[j];
      Halves& h = halves[j];
      if (width == 1) {  // an AND tree over one position: nothing to AND, open it as it is
        h.rest = bit_stream(rests, j * values, values);
        for (std::size_t k = 0; k < h.rest.size(); ++k) h.rest.first[k] ^= job.propagate.first[k], h.rest.second[k] ^= job.propagate.second[k];
        continue;
      }
      const std::size_t half = job.propagate.size() / 2;
      const std::size_t words = half + half % 2;  // keep streams halvable
      for (BitWords* v : {&h.g_hi, &h.g_lo, &h.p_hi, &h.p_lo}) v->assign(words);
      if (need_generate) {
        rep3::split_halves(job.generate.first, std::span(h.g_hi.first).first(half), std::span(h.g_lo.first).first(half));
        rep3::split_halves(job.generate.second, std::span(h.g_hi.second).first(half), std::span(h.g_lo.second).first(half));
      }
      rep3::split_halves(job.propagate.first, std::span(h.p_hi.first).first(half), std::span(h.p_lo.first).first(half));
      rep3::split_halves(job.propagate.second, std::span(h.p_hi.second).first(half), std::span(h.p_lo.second).first(half));
      job.width = width / 2;
    }
    if (width <= 2) {
      // The last round: the final AND of each tree, opened together with the rest of e.
      std::vector<FinalGate> gates;
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        Halves& h = halves[j];
        if (width == 1) {
          gates.push_back({nullptr, nullptr, &h.rest});
          continue;
        }
        h.rest = bit_stream(rests, j * values, values);
        h.rest.first.resize(h.p_hi.size()), h.rest.second.resize(h.p_hi.size());
        if (need_generate)  // carry = G_hi ^ (P_hi & G_lo)
          for (std::size_t k = 0; k < h.rest.size(); ++k) h.rest.first[k] ^= h.g_hi.first[k], h.rest.second[k] ^= h.g_hi.second[k];
        gates.push_back({&h.p_hi, need_generate ? &h.g_lo : &h.p_lo, &h.rest});
      }
      gates.insert(gates.end(), extra_gates.begin(), extra_gates.end());
      return and_then_open(gates, &dabits);
    }
    std::vector<AndTask> tasks;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      Halves& h = halves[j];
      if (need_generate) tasks.push_back({&h.p_hi, &h.g_lo, &h.carry_term});
      tasks.push_back({&h.p_hi, &h.p_lo, &h.both_propagate});
    }
    and_words(tasks, &dabits);
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      Halves& h = halves[j];
      CarryJob& job = jobs[j];
      if (need_generate) {
        job.generate = std::move(h.g_hi);
        for (std::size_t k = 0; k < job.generate.size(); ++k) {
          job.generate.first[k] ^= h.carry_term.first[k];
          job.generate.second[k] ^= h.carry_term.second[k];
        }
      }
      job.propagate = std::move(h.both_propagate);
    }
    width /= 2;
  }
}

// ---- the instructions ----

void Rep3Protocol::ltz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).ltz(out, a, bits);
  const std::size_t n = a.size();
  const unsigned top = bits - 1;
  DaBits dabits = draw_dabits(n);
  BitWords high, low;
  split(a, uint64_t{1} << top, false, -1, high, low, {}, dabits);
  // x < 0 iff bit `top` of A + B, A_top ^ B_top ^ carry, is 0: the rest of e is
  // NOT(A_top ^ B_top) ^ r; the NOT is a public 1, which component 0 carries (first at
  // party 0, second at party 2, as in xor_public).
  BitWords rest;
  rest.assign(n);
  const uint64_t not_first = me_ == 0, not_second = me_ == 2;
  for (std::size_t k = 0; k < n; ++k) {
    rest.first[k] = (((high.first[k] ^ low.first[k]) >> top ^ dabits.binary.first[k]) & 1) ^ not_first;
    rest.second[k] = (((high.second[k] ^ low.second[k]) >> top ^ dabits.binary.second[k]) & 1) ^ not_second;
  }
  std::array<CarryJob, 1> job{CarryJob{top, 0, {}, {}}};
  const auto opened = trees_then_open(job, &high, &low, true, rest, n, dabits);
  inject(opened[0], dabits, 0, out);
}

void Rep3Protocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).eqz(out, a, bits);
  const std::size_t n = a.size();
  DaBits dabits = draw_dabits(n);
  BitWords high, negated_low;
  split(a, 0, true, -1, high, negated_low, {}, dabits);
  // Equal iff every bit of NOT(A ^ -B) below `bits` is 1: an AND tree, padded with 1s.
  BitWords differ;
  differ.assign(n);
  for (std::size_t k = 0; k < n; ++k) {
    differ.first[k] = high.first[k] ^ negated_low.first[k];
    differ.second[k] = high.second[k] ^ negated_low.second[k];
  }
  std::array<CarryJob, 1> job{CarryJob{bits, rep3::next_power_of_two(bits), {}, {}}};
  job[0].propagate = pack(differ, bits, job[0].width);
  std::vector<uint64_t> every_position(job[0].propagate.size());
  rep3::padding_mask(n, job[0].width, job[0].width, every_position);
  xor_public(job[0].propagate, every_position);  // NOT on the real bits, 1 on the padding
  const auto opened = trees_then_open(job, nullptr, nullptr, false, dabits.binary, n, dabits);
  inject(opened[0], dabits, 0, out);
}

void Rep3Protocol::trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).trunc(out, a, m, bits);
  const std::size_t n = a.size();
  if (m == 0) {
    std::copy(a.begin(), a.end(), out.begin());
    return;
  }
  DaBits dabits = draw_dabits(2 * n);
  BitWords high, low;
  std::vector<Share> high_shifted(n);
  split(a, uint64_t{1} << (bits - 1), false, static_cast<int>(m), high, low, high_shifted, dabits);
  // e = carry ^ r: the m-bit tree's r is daBit k, the 64-bit carry's is daBit n + k.
  std::vector<LargeVector<uint64_t>> opened;
  if (bits < 64) {
    // x' < 2^63, so bit 63 of A + B is 0 and the carry into it is A_63 ^ B_63; the carry
    // out of all 64 bits, maj(A_63, B_63, A_63 ^ B_63), is then A_63 | B_63 =
    // (A_63 & B_63) ^ A_63 ^ B_63: one AND gate, opened with the m-bit tree's last round.
    BitWords top_a, top_b, top_rest;
    top_a.assign(n), top_b.assign(n), top_rest.assign(n);
    for (std::size_t k = 0; k < n; ++k) {
      top_a.first[k] = high.first[k] >> 63, top_a.second[k] = high.second[k] >> 63;
      top_b.first[k] = low.first[k] >> 63, top_b.second[k] = low.second[k] >> 63;
      top_rest.first[k] = top_a.first[k] ^ top_b.first[k] ^ dabits.binary.first[n + k];
      top_rest.second[k] = top_a.second[k] ^ top_b.second[k] ^ dabits.binary.second[n + k];
    }
    const BitWords a_stream = bit_stream(top_a, 0, n), b_stream = bit_stream(top_b, 0, n), rest_stream = bit_stream(top_rest, 0, n);
    const std::array<FinalGate, 1> top{FinalGate{&a_stream, &b_stream, &rest_stream}};
    std::array<CarryJob, 1> jobs{CarryJob{m, 0, {}, {}}};
    opened = trees_then_open(jobs, &high, &low, true, dabits.binary, n, dabits, top);
  } else {
    std::array<CarryJob, 2> jobs{CarryJob{m, 0, {}, {}}, CarryJob{64, 0, {}, {}}};
    opened = trees_then_open(jobs, &high, &low, true, dabits.binary, n, dabits);
  }
  std::vector<Share> carry(2 * n);
  inject(opened[0], dabits, 0, std::span<Share>(carry).first(n));
  inject(opened[1], dabits, n, std::span<Share>(carry).subspan(n));
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
