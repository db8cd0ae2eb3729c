// rep3's comparison and exact truncation: the binary fast path. A 64-bit ltz takes 8
// rounds and about 30 bytes per party.
//
// Roles. The lanes of an instruction are cut in three; in third j party j is the
// splitter, party j+1 the first helper and party j+2 the second helper. The splitter
// sends the most, so every party splits a third of the lanes (the scheme is symmetric
// under renaming the parties cyclically: components, keys and messages all shift by j).
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
//    r = r_j ^ r_{j+1} ^ r_{j+2} comes from the PRGs; with d = r_j ^ r_{j+1} (the
//    splitter's) and s = 1 - 2 r_{j+2} (the helpers'), r = r_{j+2} + s d. The splitter
//    shares d = a0 + a1 (a1 from the key it shares with the first helper, a0 sent to the
//    second helper in round 1); the first helper sends c_{j+1} = s a1 + rho1 to the
//    splitter in round 1, the second helper c_j = s a0 + rho2 in round 2, and both helpers
//    hold c_{j+2} = r_{j+2} - rho1 - rho2 (rho from their common key): three 8-byte
//    messages per daBit, no round of their own.
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
#include <bit>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/core/packed_bits.h"
#include "protocols/generic/nonlinear.h"
#include "protocols/rep3/binary.h"
#include "protocols/rep3/rep3.h"

namespace mpvm::protocols {

using rep3::AndTask;
using rep3::BitWords;
using rep3::LaneThirds;

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

// Packed bits (protocols/core/packed_bits.h) in whole words: `bits` bits take
// words_for(bits) words, of which the first bytes_for_bits(bits) bytes hold them.
std::size_t words_for(std::size_t bits) { return (bits + 63) / 64; }
std::span<uint8_t> packed_bytes_write(std::span<uint64_t> words, std::size_t bits) {
  return net::as_writable_bytes(words).first(bytes_for_bits(bits));
}
std::span<const uint8_t> packed_bytes_read(std::span<const uint64_t> words, std::size_t bits) {
  return net::as_bytes(words).first(bytes_for_bits(bits));
}

// The low `count` bits set (count <= 64).
uint64_t low_bits(unsigned count) { return count >= 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1; }

// Calls f(i) for every daBit of lane third `third`, in order: copy c of lane k is daBit
// c * lanes + k.
template <class F>
void for_each_dabit(const LaneThirds& thirds, std::size_t copies, int third, F f) {
  for (std::size_t c = 0; c < copies; ++c)
    for (std::size_t k = thirds.begin(third); k < thirds.end(third); ++k) f(c * thirds.lanes + k);
}

// An exchange of up to two messages each way, leaving out the empty ones (their sizes are
// public, so both ends leave out the same).
void exchange_nonempty(net::Transport& transport, std::span<const net::Outgoing> sends,
                       std::span<const net::Incoming> receives) {
  std::array<net::Outgoing, 2> out{};
  std::array<net::Incoming, 2> in{};
  std::size_t outs = 0, ins = 0;
  for (const net::Outgoing& o : sends)
    if (!o.data.empty()) out[outs++] = o;
  for (const net::Incoming& i : receives)
    if (!i.data.empty()) in[ins++] = i;
  transport.exchange(std::span(out).first(outs), std::span(in).first(ins));
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

Rep3Protocol::DaBits Rep3Protocol::draw_dabits(LaneThirds thirds, std::size_t copies) {
  DaBits dabits;
  dabits.thirds = thirds;
  dabits.copies = copies;
  const std::size_t count = thirds.lanes * copies;
  // r_i from k_i and r_{i+1} from k_{i+1}, 64 bits per PRG word.
  ScratchVector<uint64_t> own_bits((count + 63) / 64), next_bits((count + 63) / 64);
  keys_.own().fill(std::span<uint64_t>(own_bits));
  keys_.next().fill(std::span<uint64_t>(next_bits));
  dabits.binary.first.resize(count);
  dabits.binary.second.resize(count);
  for (std::size_t k = 0; k < count; ++k) {
    dabits.binary.first[k] = own_bits[k / 64] >> (k % 64) & 1;
    dabits.binary.second[k] = next_bits[k / 64] >> (k % 64) & 1;
  }
  dabits.arithmetic.resize(count);  // every daBit's pair is written below or by the helpers' terms
  const int splitting = me_, first_helping = (me_ + 2) % 3, second_helping = (me_ + 1) % 3;
  // a1 from k_{j+1}: the splitter's next key, the first helper's own. Every party draws
  // all of its a1 before any rho, so both holders of a key draw in the same order.
  ScratchVector<uint64_t> split_a1(copies * thirds.size(splitting)), helper_a1(copies * thirds.size(first_helping));
  keys_.next().fill(std::span<uint64_t>(split_a1));
  keys_.own().fill(std::span<uint64_t>(helper_a1));
  // rho1, rho2 from k_{j+2}: the first helper's next key, the second helper's own.
  ScratchVector<uint64_t> first_rho(2 * helper_a1.size()), second_rho(2 * copies * thirds.size(second_helping));
  keys_.next().fill(std::span<uint64_t>(first_rho));
  keys_.own().fill(std::span<uint64_t>(second_rho));

  // Splitter: a0 = d - a1 for the second helper.
  dabits.for_second_helper.resize(split_a1.size());
  std::size_t at = 0;
  for_each_dabit(thirds, copies, splitting, [&](std::size_t i) {
    const uint64_t d = dabits.binary.first[i] ^ dabits.binary.second[i];
    dabits.for_second_helper[at] = d - split_a1[at];
    ++at;
  });
  // First helper: r_{j+2} = r_{i+1}, its second bit; it holds (c_{j+1}, c_{j+2}) and
  // sends c_{j+1} to the splitter now.
  dabits.for_splitter_early.resize(helper_a1.size());
  at = 0;
  for_each_dabit(thirds, copies, first_helping, [&](std::size_t i) {
    const uint64_t r = dabits.binary.second[i], s = 1 - 2 * r;
    const uint64_t rho1 = first_rho[2 * at], rho2 = first_rho[2 * at + 1];
    const uint64_t c_next = s * helper_a1[at] + rho1;
    dabits.for_splitter_early[at] = c_next;
    dabits.arithmetic[i] = {c_next, r - rho1 - rho2};
    ++at;
  });
  // Second helper: r_{j+2} = r_i, its first bit; c_{j+2} now, c_j once a0 has come.
  dabits.second_helper_rho.resize(second_rho.size() / 2);
  at = 0;
  for_each_dabit(thirds, copies, second_helping, [&](std::size_t i) {
    const uint64_t r = dabits.binary.first[i];
    dabits.arithmetic[i].first = r - second_rho[2 * at] - second_rho[2 * at + 1];
    dabits.second_helper_rho[at] = second_rho[2 * at + 1];
    ++at;
  });
  return dabits;
}

void Rep3Protocol::receive_dabit_inputs(DaBits& dabits, std::span<const uint64_t> a0,
                                        std::span<const uint64_t> first_helper_terms) {
  // As second helper (of third me+1): c_j = s a0 + rho2, kept and sent to the splitter in
  // the next round. As splitter: c_{j+1} from the first helper.
  const LaneThirds& thirds = dabits.thirds;
  dabits.for_splitter_late.resize(a0.size());
  std::size_t at = 0;
  for_each_dabit(thirds, dabits.copies, (me_ + 1) % 3, [&](std::size_t i) {
    const uint64_t s = 1 - 2 * dabits.binary.first[i];
    const uint64_t c_own = s * a0[at] + dabits.second_helper_rho[at];
    dabits.arithmetic[i].second = c_own;
    dabits.for_splitter_late[at] = c_own;
    ++at;
  });
  at = 0;
  for_each_dabit(thirds, dabits.copies, me_, [&](std::size_t i) { dabits.arithmetic[i].second = first_helper_terms[at++]; });
}

std::size_t Rep3Protocol::late_dabit_words(const DaBits* dabits, int third) const {
  if (dabits->complete) return 0;
  return dabits->copies * dabits->thirds.size(third);
}

void Rep3Protocol::late_dabit_messages(std::span<DaBits* const> dabits, LargeVector<uint64_t>& to_next,
                                       std::size_t& incoming) const {
  // As second helper of third me+1: its c_j for that third's splitter (the next party);
  // as splitter, the c_j of its own third come from the previous party.
  incoming = 0;
  for (const DaBits* d : dabits) {
    if (late_dabit_words(d, (me_ + 1) % 3) > 0) to_next.insert(to_next.end(), d->for_splitter_late.begin(), d->for_splitter_late.end());
    incoming += late_dabit_words(d, me_);
  }
}

void Rep3Protocol::finish_dabits(std::span<DaBits* const> dabits, std::span<const uint64_t> second_helper_terms) {
  // As splitter: c_j from the second helper completes (c_j, c_{j+1}).
  std::size_t at = 0;
  for (DaBits* d : dabits) {
    if (d->complete) continue;
    for_each_dabit(d->thirds, d->copies, me_, [&](std::size_t i) { d->arithmetic[i].first = second_helper_terms[at++]; });
    d->complete = true;
  }
}

void Rep3Protocol::inject(std::span<const uint64_t> opened, const DaBits& dabits, std::size_t from, std::span<Share> out) {
  // b = e ^ r: [b] = [r] where e = 0, 1 - [r] where e = 1.
  for (std::size_t k = 0; k < out.size(); ++k) {
    const Share& r = dabits.arithmetic[from + k];
    out[k] = stream_bit(opened, k) ? add_public({0 - r.first, 0 - r.second}, 1) : r;
  }
}

// ---- rounds ----

void Rep3Protocol::and_words(std::span<const AndTask> tasks, std::span<DaBits* const> dabits) {
  // z_i = x_i y_i ^ x_i y_{i+1} ^ x_{i+1} y_i ^ F(k_i) ^ F(k_{i+1}) at each evaluated
  // position, packed densely; one exchange carries every task of the round (and the
  // second helpers' daBit terms if still pending).
  std::size_t total_bits = 0;
  for (const AndTask& t : tasks) total_bits += t.x->size() * static_cast<std::size_t>(std::popcount(t.evaluated));
  and_sent_.assign(words_for(total_bits), 0);
  PackedBitWriter packer(packed_bytes_write(and_sent_, total_bits));
  for (const AndTask& t : tasks) {
    const uint64_t *xf = t.x->first.data(), *xs = t.x->second.data(), *yf = t.y->first.data(), *ys = t.y->second.data();
    const unsigned gates = static_cast<unsigned>(std::popcount(t.evaluated));
    for (std::size_t k = 0; k < t.x->size(); ++k)
      packer.put(rep3::gather_bits((xf[k] & (yf[k] ^ ys[k])) ^ (xs[k] & yf[k]), t.evaluated), gates);
  }
  packer.finish();
  mask_with_zero_sharing(std::span<uint64_t>(and_sent_), Sharing::binary);
  and_received_.resize(and_sent_.size());
  scratch_c_.clear();
  std::size_t late_in = 0;
  late_dabit_messages(dabits, scratch_c_, late_in);
  scratch_b_.resize(late_in);
  exchange_nonempty(transport_,
                    std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(and_sent_))},
                               net::Outgoing{next_party_, net::as_bytes(std::span<const uint64_t>(scratch_c_))}},
                    std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(and_received_))},
                               net::Incoming{previous_party_, net::as_writable_bytes(std::span<uint64_t>(scratch_b_))}});
  finish_dabits(dabits, scratch_b_);
  PackedBitReader mine(packed_bytes_read(and_sent_, total_bits)), theirs(packed_bytes_read(and_received_, total_bits));
  for (const AndTask& t : tasks) {
    const unsigned gates = static_cast<unsigned>(std::popcount(t.evaluated));
    const std::size_t n = t.x->size();
    t.out->first.resize(n);
    t.out->second.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      uint64_t first = rep3::scatter_bits(mine.get(gates), t.evaluated);
      uint64_t second = rep3::scatter_bits(theirs.get(gates), t.evaluated);
      if (t.elsewhere != nullptr) first |= t.elsewhere->first[k] & ~t.evaluated, second |= t.elsewhere->second[k] & ~t.evaluated;
      t.out->first[k] = first;
      t.out->second[k] = second;
    }
  }
}

std::vector<LargeVector<uint64_t>> Rep3Protocol::and_then_open(std::span<const FinalGate> gates, std::span<DaBits* const> dabits) {
  // Opens e = (x & y) ^ rest for every gate (x, y may be absent: e = rest) in one round.
  // Party i's XOR share of x & y is z_i = x_i y_i ^ x_i y_{i+1} ^ x_{i+1} y_i, masked by
  // the zero-sharing F(k_i) ^ F(k_{i+1}), which neither other party can remove; adding its
  // component rest_i gives a share of e that it sends to both others.
  std::size_t total = 0;
  for (const FinalGate& g : gates) total += g.rest->size();
  and_sent_.resize(total);
  std::size_t at = 0;
  for (const FinalGate& g : gates)
    for (std::size_t k = 0; k < g.rest->size(); ++k, ++at) {
      uint64_t z = g.rest->first[k];
      if (g.x != nullptr) z ^= (g.x->first[k] & (g.y->first[k] ^ g.y->second[k])) ^ (g.x->second[k] & g.y->first[k]);
      and_sent_[at] = z;
    }
  mask_with_zero_sharing(std::span<uint64_t>(and_sent_), Sharing::binary);
  // To the next party: the same share, then the second helpers' daBit terms if pending.
  scratch_c_.assign(and_sent_.begin(), and_sent_.end());
  std::size_t late_in = 0;
  late_dabit_messages(dabits, scratch_c_, late_in);
  and_received_.resize(total);
  scratch_b_.resize(total + late_in);  // what the previous party sends
  transport_.exchange(std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(and_sent_))},
                                 net::Outgoing{next_party_, net::as_bytes(std::span<const uint64_t>(scratch_c_))}},
                      std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(and_received_))},
                                 net::Incoming{previous_party_, net::as_writable_bytes(std::span<uint64_t>(scratch_b_))}});
  finish_dabits(dabits, std::span<const uint64_t>(scratch_b_).subspan(total));
  std::vector<LargeVector<uint64_t>> opened;
  at = 0;
  for (const FinalGate& g : gates) {
    LargeVector<uint64_t> e(g.rest->size());
    for (std::size_t k = 0; k < e.size(); ++k, ++at) e[k] = and_sent_[at] ^ and_received_[at] ^ scratch_b_[at];
    opened.push_back(std::move(e));
  }
  return opened;
}

void Rep3Protocol::split(std::span<const SplitRequest> requests) {
  // One round, every party sending to the previous one: for each request, as splitter of
  // its own third, the `needed` bits of A masked by rho (and A >> shift, and the daBits'
  // a0) for the second helper; as first helper of third me+2, its daBit terms c_{j+1} for
  // that splitter. The requests' parts follow one another in one message.
  const int splitting = me_, first_helping = (me_ + 2) % 3, second_helping = (me_ + 1) % 3;
  LargeVector<uint64_t> to_previous;
  std::size_t incoming = 0;
  for (const SplitRequest& r : requests) {
    const std::size_t n = r.x.size();
    const LaneThirds& thirds = r.dabits->thirds;
    const unsigned fields = static_cast<unsigned>(std::popcount(r.needed));
    r.a->assign(n);
    r.b->assign(n);
    const std::size_t own_lanes = thirds.size(splitting), helped_lanes = thirds.size(first_helping);
    // rho (and sigma for A >> shift) from k_{j+1}: the splitter's next key, the first helper's own.
    const std::size_t mask_words = r.shift >= 0 ? 2 : 1;
    ScratchVector<uint64_t> split_masks(mask_words * own_lanes), helper_masks(mask_words * helped_lanes);
    keys_.next().fill(std::span<uint64_t>(split_masks));
    keys_.own().fill(std::span<uint64_t>(helper_masks));
    // [A ^ rho | A >> shift - sigma | a0] for its own third, then [c_{j+1}] as first helper.
    const std::size_t packed = words_for(own_lanes * fields), start = to_previous.size();
    const std::size_t shifted_words = r.shift >= 0 ? own_lanes : 0;
    to_previous.resize(start + packed + shifted_words, 0);
    PackedBitWriter packer(packed_bytes_write(std::span<uint64_t>(to_previous).subspan(start, packed), own_lanes * fields));
    for (std::size_t k = thirds.begin(splitting), at = 0; k < thirds.end(splitting); ++k, ++at) {
      const uint64_t whole = r.x[k].first + r.x[k].second + r.offset, rho = split_masks[at];
      r.a->first[k] = whole ^ rho;
      r.a->second[k] = rho;
      packer.put(rep3::gather_bits(whole ^ rho, r.needed), fields);
      if (r.shift >= 0) {
        const uint64_t sigma = split_masks[own_lanes + at];
        const uint64_t shifted = (whole >> r.shift) - sigma;
        to_previous[start + packed + at] = shifted;
        r.a_shifted[k] = {shifted, sigma};
      }
    }
    packer.finish();
    to_previous.insert(to_previous.end(), r.dabits->for_second_helper.begin(), r.dabits->for_second_helper.end());
    to_previous.insert(to_previous.end(), r.dabits->for_splitter_early.begin(), r.dabits->for_splitter_early.end());
    for (std::size_t k = thirds.begin(first_helping), at = 0; k < thirds.end(first_helping); ++k, ++at) {
      r.a->first[k] = helper_masks[at];
      r.b->second[k] = r.negate_b ? 0 - r.x[k].second : r.x[k].second;  // x_{j+2}
      if (r.shift >= 0) r.a_shifted[k] = {helper_masks[helped_lanes + at], 0};
    }
    // From the next party: its own third's part (I am that third's second helper), then
    // the c_{j+1} of my third.
    const std::size_t their_lanes = thirds.size(second_helping);
    incoming += words_for(their_lanes * fields) + (r.shift >= 0 ? their_lanes : 0) + r.dabits->copies * (their_lanes + own_lanes);
  }
  LargeVector<uint64_t> from_next(incoming);
  exchange_nonempty(transport_, std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(to_previous))}},
                    std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(from_next))}});
  std::size_t at_message = 0;
  for (const SplitRequest& r : requests) {
    const LaneThirds& thirds = r.dabits->thirds;
    const unsigned fields = static_cast<unsigned>(std::popcount(r.needed));
    const std::size_t their_lanes = thirds.size(second_helping), own_lanes = thirds.size(splitting);
    const std::size_t their_packed = words_for(their_lanes * fields);
    const std::span<const uint64_t> message = std::span<const uint64_t>(from_next).subspan(at_message);
    PackedBitReader unpacker(packed_bytes_read(message.first(their_packed), their_lanes * fields));
    for (std::size_t k = thirds.begin(second_helping), at = 0; k < thirds.end(second_helping); ++k, ++at) {
      r.a->second[k] = rep3::scatter_bits(unpacker.get(fields), r.needed);
      r.b->first[k] = r.negate_b ? 0 - r.x[k].first : r.x[k].first;  // x_{j+2}
      if (r.shift >= 0) r.a_shifted[k] = {0, message[their_packed + at]};
    }
    const std::size_t a0_at = their_packed + (r.shift >= 0 ? their_lanes : 0);
    const std::size_t their_a0 = r.dabits->copies * their_lanes, mine = r.dabits->copies * own_lanes;
    receive_dabit_inputs(*r.dabits, message.subspan(a0_at, their_a0), message.subspan(a0_at + their_a0, mine));
    at_message += a0_at + their_a0 + mine;
  }
}

std::vector<LargeVector<uint64_t>> Rep3Protocol::trees_then_open(std::span<CarryJob> jobs, bool need_generate,
                                                                  std::span<DaBits* const> dabits,
                                                                  std::span<const FinalGate> extra_gates) {
  // Every job keeps streams of its own power-of-two width; the rounds are those of the
  // widest, and the last AND of every tree is opened in the last one. A narrower carry
  // tree does its generate round g = a & b in the round that halves the global width to
  // its own, then combines alongside the others. job.real counts the real positions at
  // the top of each value's width; below them sits public padding, whose gates are not
  // sent (AndTask::evaluated).
  struct Halves {
    BitWords g_hi, g_lo, p_hi, p_lo, carry_term, both_propagate, rest;
  };
  unsigned width = 1;
  std::vector<BitWords> a_streams(jobs.size()), b_streams(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    CarryJob& job = jobs[j];
    job.width = rep3::next_power_of_two(std::max(job.positions, 1u));
    job.real = job.positions;
    width = std::max(width, job.width);
    if (!need_generate) continue;  // an AND tree comes with its propagate stream
    a_streams[j] = pack(*job.a, job.positions, job.width);
    b_streams[j] = pack(*job.b, job.positions, job.width);
    job.propagate.assign(a_streams[j].size());
    for (std::size_t k = 0; k < a_streams[j].size(); ++k) {
      job.propagate.first[k] = a_streams[j].first[k] ^ b_streams[j].first[k];
      job.propagate.second[k] = a_streams[j].second[k] ^ b_streams[j].second[k];
    }
    std::vector<uint64_t> identity(a_streams[j].size());
    rep3::padding_mask(job.values, job.width - job.positions, job.width, identity);
    xor_public(job.propagate, identity);
  }
  const auto generate_task = [&](std::size_t j) {
    return AndTask{&a_streams[j], &b_streams[j], &jobs[j].generate, rep3::repeated_field(jobs[j].width - jobs[j].positions, jobs[j].width),
                   nullptr};
  };
  if (need_generate && width > 1) {  // the widest trees' generate round
    std::vector<AndTask> tasks;
    for (std::size_t j = 0; j < jobs.size(); ++j)
      if (jobs[j].width == width) tasks.push_back(generate_task(j));
    and_words(tasks, dabits);
  }
  while (true) {
    // Jobs at the current width combine their pairs of positions (width 1: nothing left).
    std::vector<Halves> halves(jobs.size());
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      CarryJob& job = jobs[j];
      if (job.width != width || width == 1) continue;
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
    }
    if (width <= 2) {
      // The last round: the final AND of each tree, opened together with the rest of e.
      // A one-position carry tree's final AND is its generate gate; a one-position AND
      // tree has none.
      std::vector<FinalGate> gates;
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        CarryJob& job = jobs[j];
        Halves& h = halves[j];
        h.rest = bit_stream(*job.rests, job.rests_from, job.values);
        if (job.width == 1) {
          if (need_generate) {
            gates.push_back({&a_streams[j], &b_streams[j], &h.rest});
          } else {
            for (std::size_t k = 0; k < h.rest.size(); ++k) h.rest.first[k] ^= job.propagate.first[k], h.rest.second[k] ^= job.propagate.second[k];
            gates.push_back({nullptr, nullptr, &h.rest});
          }
          continue;
        }
        h.rest.first.resize(h.p_hi.size(), 0), h.rest.second.resize(h.p_hi.size(), 0);
        if (need_generate)  // carry = G_hi ^ (P_hi & G_lo)
          for (std::size_t k = 0; k < h.rest.size(); ++k) h.rest.first[k] ^= h.g_hi.first[k], h.rest.second[k] ^= h.g_hi.second[k];
        gates.push_back({&h.p_hi, need_generate ? &h.g_lo : &h.p_lo, &h.rest});
      }
      gates.insert(gates.end(), extra_gates.begin(), extra_gates.end());
      return and_then_open(gates, dabits);
    }
    // Pair i of a value (positions 2i+1 and 2i) is a gate when both are real: i at least
    // ceil((width - real) / 2). A real position over padding passes through: P_hi & G_lo
    // = 0 and P_hi & P_lo = P_hi, since padding is G = 0, P = 1. Trees of half the width
    // join with their generate round.
    std::vector<AndTask> tasks;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      CarryJob& job = jobs[j];
      if (need_generate && job.width == width / 2 && job.width > 1) tasks.push_back(generate_task(j));
      if (job.width != width) continue;
      Halves& h = halves[j];
      const uint64_t gates = rep3::repeated_field((width - job.real + 1) / 2, width / 2);
      if (need_generate) tasks.push_back({&h.p_hi, &h.g_lo, &h.carry_term, gates, nullptr});
      tasks.push_back({&h.p_hi, &h.p_lo, &h.both_propagate, gates, &h.p_hi});
    }
    and_words(tasks, dabits);
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      CarryJob& job = jobs[j];
      if (job.width != width) continue;
      Halves& h = halves[j];
      if (need_generate) {
        job.generate = std::move(h.g_hi);
        for (std::size_t k = 0; k < job.generate.size(); ++k) {
          job.generate.first[k] ^= h.carry_term.first[k];
          job.generate.second[k] ^= h.carry_term.second[k];
        }
      }
      job.propagate = std::move(h.both_propagate);
      job.width = width / 2;
      job.real = (job.real + 1) / 2;
    }
    width /= 2;
  }
}

// ---- ltz and trunc, alone or batched ----

void Rep3Protocol::run_plans(std::span<Plan> plans) {
  // Round 1: every plan's splitting messages; then one set of tree rounds for all their
  // carries (the wrap gates of truncations below 64 bits opened in the last one).
  std::vector<SplitRequest> splits;
  std::vector<DaBits*> dabits;
  for (Plan& plan : plans) {
    const auto& r = plan.request;
    const std::size_t n = r.in.size();
    const bool truncation = r.kind == NonlinearRequest<Share>::Kind::trunc;
    plan.dabits = draw_dabits(LaneThirds{n}, truncation ? 2 : 1);
    dabits.push_back(&plan.dabits);
    if (truncation) {
      plan.high_shifted.resize(n);
      // The trees read the low m bits (all 64 at bits = 64); the wrap reads bit 63.
      const uint64_t needed = r.bits < 64 ? low_bits(r.shift) | uint64_t{1} << 63 : ~uint64_t{0};
      splits.push_back({r.in, uint64_t{1} << (r.bits - 1), false, needed, static_cast<int>(r.shift), &plan.high, &plan.low,
                        plan.high_shifted, &plan.dabits});
    } else {
      splits.push_back({r.in, uint64_t{1} << (r.bits - 1), false, low_bits(r.bits), -1, &plan.high, &plan.low, {}, &plan.dabits});
    }
  }
  split(splits);

  std::vector<CarryJob> jobs;
  std::vector<FinalGate> wrap_gates;
  std::vector<BitWords> wrap_streams;  // a, b and rest stream of each wrap gate
  wrap_streams.reserve(3 * plans.size());
  for (Plan& plan : plans) {
    const auto& r = plan.request;
    const std::size_t n = r.in.size();
    if (r.kind == NonlinearRequest<Share>::Kind::ltz) {
      // x < 0 iff bit `top` of A + B, A_top ^ B_top ^ carry, is 0: the rest of e is
      // NOT(A_top ^ B_top) ^ r; the NOT is a public 1, which component 0 carries (first at
      // party 0, second at party 2, as in xor_public).
      const unsigned top = r.bits - 1;
      plan.rest.assign(n);
      const uint64_t not_first = me_ == 0, not_second = me_ == 2;
      for (std::size_t k = 0; k < n; ++k) {
        plan.rest.first[k] = (((plan.high.first[k] ^ plan.low.first[k]) >> top ^ plan.dabits.binary.first[k]) & 1) ^ not_first;
        plan.rest.second[k] = (((plan.high.second[k] ^ plan.low.second[k]) >> top ^ plan.dabits.binary.second[k]) & 1) ^ not_second;
      }
      jobs.push_back(CarryJob{top, &plan.high, &plan.low, &plan.rest, 0, n});
      continue;
    }
    // trunc: e = carry ^ r; the m-bit tree's r is daBit k, the 64-bit carry's daBit n + k.
    jobs.push_back(CarryJob{r.shift, &plan.high, &plan.low, &plan.dabits.binary, 0, n});
    if (r.bits == 64) {
      jobs.push_back(CarryJob{64, &plan.high, &plan.low, &plan.dabits.binary, n, n});
      continue;
    }
    // x' < 2^63, so bit 63 of A + B is 0 and the carry into it is A_63 ^ B_63; the carry
    // out of all 64 bits, maj(A_63, B_63, A_63 ^ B_63), is then A_63 | B_63 =
    // (A_63 & B_63) ^ A_63 ^ B_63: one AND gate, opened with the trees' last round.
    plan.top_a.assign(n), plan.top_b.assign(n), plan.top_rest.assign(n);
    for (std::size_t k = 0; k < n; ++k) {
      plan.top_a.first[k] = plan.high.first[k] >> 63, plan.top_a.second[k] = plan.high.second[k] >> 63;
      plan.top_b.first[k] = plan.low.first[k] >> 63, plan.top_b.second[k] = plan.low.second[k] >> 63;
      plan.top_rest.first[k] = plan.top_a.first[k] ^ plan.top_b.first[k] ^ plan.dabits.binary.first[n + k];
      plan.top_rest.second[k] = plan.top_a.second[k] ^ plan.top_b.second[k] ^ plan.dabits.binary.second[n + k];
    }
    wrap_streams.push_back(bit_stream(plan.top_a, 0, n));
    wrap_streams.push_back(bit_stream(plan.top_b, 0, n));
    wrap_streams.push_back(bit_stream(plan.top_rest, 0, n));
    const std::size_t w = wrap_streams.size();
    wrap_gates.push_back({&wrap_streams[w - 3], &wrap_streams[w - 2], &wrap_streams[w - 1]});
  }
  const auto opened = trees_then_open(jobs, true, dabits, wrap_gates);

  std::size_t job = 0, wrap = jobs.size();
  for (Plan& plan : plans) {
    const auto& r = plan.request;
    const std::size_t n = r.in.size();
    if (r.kind == NonlinearRequest<Share>::Kind::ltz) {
      inject(opened[job++], plan.dabits, 0, r.out);
      continue;
    }
    std::vector<Share> carry(2 * n);
    inject(opened[job++], plan.dabits, 0, std::span<Share>(carry).first(n));
    inject(opened[r.bits == 64 ? job++ : wrap++], plan.dabits, n, std::span<Share>(carry).subspan(n));
    const unsigned m = r.shift;
    const uint64_t wrap_weight = uint64_t{1} << (64 - m);
    const uint64_t offset = uint64_t{1} << (r.bits - 1 - m);
    const LaneThirds thirds{n};
    for (int third = 0; third < 3; ++third) {
      // B >> m: B = x_{j+2} is the first helper's second component and the second helper's first.
      const int role = (me_ + 3 - third) % 3;
      for (std::size_t k = thirds.begin(third); k < thirds.end(third); ++k) {
        const Share low_shifted{role == 2 ? r.in[k].first >> m : 0, role == 1 ? r.in[k].second >> m : 0};
        const Share sum{plan.high_shifted[k].first + low_shifted.first + carry[k].first - wrap_weight * carry[n + k].first,
                        plan.high_shifted[k].second + low_shifted.second + carry[k].second - wrap_weight * carry[n + k].second};
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
      plans.push_back(Plan{r, {}, {}, {}, {}, {}, {}, {}, {}});
    }
  }
  if (!plans.empty()) run_plans(plans);
}

void Rep3Protocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).eqz(out, a, bits);
  const std::size_t n = a.size();
  DaBits dabits = draw_dabits(LaneThirds{n}, 1);
  BitWords high, negated_low;
  const std::array request{SplitRequest{a, 0, true, low_bits(bits), -1, &high, &negated_low, {}, &dabits}};
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
  job[0].propagate = pack(differ, bits, width);
  std::vector<uint64_t> every_position(job[0].propagate.size());
  rep3::padding_mask(n, width, width, every_position);
  xor_public(job[0].propagate, every_position);  // NOT on the real bits, 1 on the padding
  const std::array<DaBits*, 1> pending{&dabits};
  const auto opened = trees_then_open(job, false, pending);
  inject(opened[0], dabits, 0, out);
}

}  // namespace mpvm::protocols
