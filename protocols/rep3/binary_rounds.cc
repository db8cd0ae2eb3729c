// rep3's binary rounds: ANDs of XOR-shared bit streams (only the gates between real
// positions sent), the final ANDs opened, the splitting of x = A + B, and the carry and
// AND trees of comparison.cc, several in shared rounds.
#include <algorithm>
#include <array>
#include <bit>

#include "protocols/core/packed_bits.h"
#include "protocols/rep3/binary.h"
#include "protocols/rep3/rep3.h"

namespace mpvm::protocols {

using rep3::AndTask;
using rep3::BitWords;
using rep3::LaneThirds;

namespace {

// Packed bits (protocols/core/packed_bits.h) in whole words: `bits` bits take
// words_for(bits) words, of which the first bytes_for_bits(bits) bytes hold them.
std::size_t words_for(std::size_t bits) { return (bits + 63) / 64; }
std::span<uint8_t> packed_bytes_write(std::span<uint64_t> words, std::size_t bits) {
  return net::as_writable_bytes(words).first(bytes_for_bits(bits));
}
std::span<const uint8_t> packed_bytes_read(std::span<const uint64_t> words, std::size_t bits) {
  return net::as_bytes(words).first(bytes_for_bits(bits));
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
  // its own third, the `needed` bits of A masked by rho (and A >> shift, and the a0 of its
  // daBits and wrap terms) for the second helper; as first helper of third me+2, its terms
  // c_{j+1} for that splitter. The requests' parts follow one another in one message.
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
        const uint64_t shifted = (whole >> r.shift) - r.top_weight * (whole >> 63) - sigma;
        to_previous[start + packed + at] = shifted;
        r.a_shifted[k] = {shifted, sigma};
      }
    }
    packer.finish();
    const std::array<DaBits*, 2> bits{r.dabits, r.wrap};  // the wrap's terms after the daBits', in its width
    for (const DaBits* x : bits)
      if (x != nullptr) rep3::append_packed(to_previous, x->for_second_helper, x->width);
    for (const DaBits* x : bits)
      if (x != nullptr) rep3::append_packed(to_previous, x->for_splitter_early, x->width);
    for (std::size_t k = thirds.begin(first_helping), at = 0; k < thirds.end(first_helping); ++k, ++at) {
      r.a->first[k] = helper_masks[at];
      r.b->second[k] = r.negate_b ? 0 - r.x[k].second : r.x[k].second;  // x_{j+2}
      if (r.shift >= 0) r.a_shifted[k] = {helper_masks[helped_lanes + at], 0};
    }
    // From the next party: its own third's part (I am that third's second helper), then
    // the c_{j+1} of my third.
    const std::size_t their_lanes = thirds.size(second_helping);
    incoming += words_for(their_lanes * fields) + (r.shift >= 0 ? their_lanes : 0);
    for (const DaBits* x : bits)
      if (x != nullptr)
        incoming += rep3::packed_value_words(x->copies * their_lanes, x->width) + rep3::packed_value_words(x->copies * own_lanes, x->width);
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
    // Then every set's a0, then every set's c_{j+1}, as the sender appended them.
    std::size_t at_part = their_packed + (r.shift >= 0 ? their_lanes : 0);
    const std::array<DaBits*, 2> bits{r.dabits, r.wrap};
    std::array<ScratchVector<uint64_t>, 2> a0, early;
    for (std::size_t j = 0; j < bits.size(); ++j) {
      if (bits[j] == nullptr) continue;
      a0[j].resize(bits[j]->copies * their_lanes);
      rep3::read_packed(message.subspan(at_part), bits[j]->width, a0[j]);
      at_part += rep3::packed_value_words(a0[j].size(), bits[j]->width);
    }
    for (std::size_t j = 0; j < bits.size(); ++j) {
      if (bits[j] == nullptr) continue;
      early[j].resize(bits[j]->copies * own_lanes);
      rep3::read_packed(message.subspan(at_part), bits[j]->width, early[j]);
      at_part += rep3::packed_value_words(early[j].size(), bits[j]->width);
      receive_dabit_inputs(*bits[j], a0[j], early[j]);
    }
    at_message += at_part;
  }
}

std::vector<LargeVector<uint64_t>> Rep3Protocol::trees_then_open(std::span<CarryJob> jobs, bool need_generate,
                                                                  std::span<DaBits* const> dabits) {
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
    a_streams[j] = rep3::pack(*job.a, job.positions, job.width);
    b_streams[j] = rep3::pack(*job.b, job.positions, job.width);
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
        h.rest = rep3::bit_stream(*job.rests, job.rests_from, job.values);
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

}  // namespace mpvm::protocols
