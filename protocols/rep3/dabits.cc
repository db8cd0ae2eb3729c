// rep3's daBits: random bits shared both ways, binary and arithmetic, for turning the
// opened result of a binary circuit into an arithmetic share (comparison.cc, step 3).
// r = r_j ^ r_{j+1} ^ r_{j+2} from the PRGs; with d = r_j ^ r_{j+1} (the splitter's) and
// s = 1 - 2 r_{j+2} (the helpers'), r = r_{j+2} + s d. The splitter shares d = a0 + a1
// (a1 from the key it shares with the first helper, a0 sent to the second helper in the
// split round); the first helper sends c_{j+1} = s a1 + rho1 to the splitter in the split
// round, the second helper c_j = s a0 + rho2 in the next, and both helpers hold
// c_{j+2} = r_{j+2} - rho1 - rho2 (rho from their common key): three 8-byte messages.
#include <algorithm>

#include "protocols/core/packed_bits.h"
#include "protocols/rep3/binary.h"
#include "protocols/rep3/rep3.h"

namespace mpvm::protocols {

using rep3::LaneThirds;

namespace {

uint64_t stream_bit(std::span<const uint64_t> stream, std::size_t k) { return stream[k / 64] >> (k % 64) & 1; }

// Calls f(i) for every daBit of lane third `third`, in order: copy c of lane k is daBit
// c * lanes + k.
template <class F>
void for_each_dabit(const LaneThirds& thirds, std::size_t copies, int third, F f) {
  for (std::size_t c = 0; c < copies; ++c)
    for (std::size_t k = thirds.begin(third); k < thirds.end(third); ++k) f(c * thirds.lanes + k);
}

}  // namespace

template <class SplitterBit, class FirstHelperBit, class SecondHelperBit>
void Rep3Protocol::share_cross_bits(DaBits& x, SplitterBit d, FirstHelperBit first_b, SecondHelperBit second_b) {
  // x = d ^ b = b + s d with s = 1 - 2b; the splitter shares d = a0 + a1, the helpers hold
  // c_{j+2} = b - rho1 - rho2, the first helper c_{j+1} = s a1 + rho1 (sent now), the
  // second helper c_j = s a0 + rho2 (once a0 has come). All modulo 2^width.
  const LaneThirds& thirds = x.thirds;
  const std::size_t copies = x.copies;
  const uint64_t mask = low_bits_mask(x.width);
  x.arithmetic.resize(thirds.lanes * copies);  // every pair is written below or by the helpers' terms
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

  x.for_second_helper.resize(split_a1.size());
  std::size_t at = 0;
  for_each_dabit(thirds, copies, splitting, [&](std::size_t i) {
    x.for_second_helper[at] = (d(i) - split_a1[at]) & mask;
    ++at;
  });
  x.for_splitter_early.resize(helper_a1.size());
  at = 0;
  for_each_dabit(thirds, copies, first_helping, [&](std::size_t i) {
    const uint64_t b = first_b(i), s = 1 - 2 * b;
    const uint64_t rho1 = first_rho[2 * at], rho2 = first_rho[2 * at + 1];
    const uint64_t c_next = (s * helper_a1[at] + rho1) & mask;
    x.for_splitter_early[at] = c_next;
    x.arithmetic[i] = {c_next, (b - rho1 - rho2) & mask};
    ++at;
  });
  x.second_helper_rho.resize(second_rho.size() / 2);
  x.second_helper_bit.resize(second_rho.size() / 2);
  at = 0;
  for_each_dabit(thirds, copies, second_helping, [&](std::size_t i) {
    const uint64_t b = second_b(i);
    x.arithmetic[i].first = (b - second_rho[2 * at] - second_rho[2 * at + 1]) & mask;
    x.second_helper_rho[at] = second_rho[2 * at + 1];
    x.second_helper_bit[at] = b;
    ++at;
  });
}

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
  // d = r_j ^ r_{j+1}, the splitter's two bits; b = r_{j+2}: the first helper's second
  // bit, the second helper's first.
  const rep3::BitWords& r = dabits.binary;
  share_cross_bits(
      dabits, [&](std::size_t i) { return r.first[i] ^ r.second[i]; }, [&](std::size_t i) { return r.second[i]; },
      [&](std::size_t i) { return r.first[i]; });
  return dabits;
}

Rep3Protocol::DaBits Rep3Protocol::wrap_terms(std::span<const Share> x, uint64_t offset, const LaneThirds& thirds, unsigned width) {
  // A = x_j + x_{j+1} + offset (the splitter's two components), B = x_{j+2} (the first
  // helper's second component, the second helper's first).
  DaBits wrap;
  wrap.thirds = thirds;
  wrap.width = width;
  share_cross_bits(
      wrap, [&](std::size_t k) { return (x[k].first + x[k].second + offset) >> 63; }, [&](std::size_t k) { return x[k].second >> 63; },
      [&](std::size_t k) { return x[k].first >> 63; });
  return wrap;
}

void Rep3Protocol::receive_dabit_inputs(DaBits& dabits, std::span<const uint64_t> a0,
                                        std::span<const uint64_t> first_helper_terms) {
  // As second helper (of third me+1): c_j = s a0 + rho2, kept and sent to the splitter in
  // the next round. As splitter: c_{j+1} from the first helper.
  const LaneThirds& thirds = dabits.thirds;
  const uint64_t mask = low_bits_mask(dabits.width);
  dabits.for_splitter_late.resize(a0.size());
  std::size_t at = 0;
  for_each_dabit(thirds, dabits.copies, (me_ + 1) % 3, [&](std::size_t i) {
    const uint64_t s = 1 - 2 * dabits.second_helper_bit[at];
    const uint64_t c_own = (s * a0[at] + dabits.second_helper_rho[at]) & mask;
    dabits.arithmetic[i].second = c_own;
    dabits.for_splitter_late[at] = c_own;
    ++at;
  });
  at = 0;
  for_each_dabit(thirds, dabits.copies, me_, [&](std::size_t i) { dabits.arithmetic[i].second = first_helper_terms[at++]; });
}

std::size_t Rep3Protocol::late_dabit_words(const DaBits* dabits, int third) const {
  if (dabits->complete) return 0;
  return rep3::packed_value_words(dabits->copies * dabits->thirds.size(third), dabits->width);
}

void Rep3Protocol::late_dabit_messages(std::span<DaBits* const> dabits, LargeVector<uint64_t>& to_next,
                                       std::size_t& incoming) const {
  // As second helper of third me+1: its c_j for that third's splitter (the next party);
  // as splitter, the c_j of its own third come from the previous party. Each set in its
  // width.
  incoming = 0;
  for (const DaBits* d : dabits) {
    if (late_dabit_words(d, (me_ + 1) % 3) > 0) rep3::append_packed(to_next, d->for_splitter_late, d->width);
    incoming += late_dabit_words(d, me_);
  }
}

void Rep3Protocol::finish_dabits(std::span<DaBits* const> dabits, std::span<const uint64_t> second_helper_terms) {
  // As splitter: c_j from the second helper completes (c_j, c_{j+1}).
  std::size_t at = 0;
  for (DaBits* d : dabits) {
    if (d->complete) continue;
    ScratchVector<uint64_t> terms(d->copies * d->thirds.size(me_));
    rep3::read_packed(second_helper_terms.subspan(at), d->width, terms);
    at += late_dabit_words(d, me_);
    std::size_t k = 0;
    for_each_dabit(d->thirds, d->copies, me_, [&](std::size_t i) { d->arithmetic[i].first = terms[k++]; });
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

}  // namespace mpvm::protocols
