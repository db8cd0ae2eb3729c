#include "protocols/semi2k/bilinear_triples.h"

#include <algorithm>

#include "protocols/ot/gilboa.h"
#include "protocols/ot/vector_correlated_ot.h"

namespace mpvm::protocols::semi2k {
namespace {

constexpr std::size_t kMaxTransfersPerChunk = std::size_t{1} << 20;
constexpr std::size_t kMaxWordsPerChunk = std::size_t{1} << 22;

// The peer's first peer (whose random choices define the peer's V): no corrections
// travel between a party and its first peer.
int first_peer_of(int party) { return party == 0 ? 1 : 0; }

}  // namespace

TripleGenerator::TripleGenerator(net::Transport& transport, crypto::Prg& private_prg, PeerOtTable& peer_ots,
                                 unsigned softspoken_k)
    : transport_(transport),
      private_prg_(private_prg),
      me_(transport.party()),
      parties_(transport.parties()),
      softspoken_k_(softspoken_k),
      peer_ots_(peer_ots) {
  // The first peer's choices come first: they define V before the others' corrections.
  order_.push_back(first_peer_of(me_));
  for (int peer = 0; peer < parties_; ++peer)
    if (peer != me_ && peer != first_peer_of(me_)) order_.push_back(peer);
}

BilinearTriple TripleGenerator::generate(const ProductTaps& taps) {
  BilinearTriple triple;
  triple.u.resize(taps.a_size());
  triple.v.resize(taps.b_size());
  triple.w.assign(taps.out_size(), 0);
  private_prg_.fill(std::span<uint64_t>(triple.u));
  // Chunks of whole b elements: at most kMaxTransfersPerChunk OTs and about
  // kMaxWordsPerChunk correlation words (a single element may exceed the latter).
  std::size_t first = 0;
  while (first < taps.b_size()) {
    std::size_t last = first, words = 0;
    while (last < taps.b_size() && 64 * (last - first + 1) <= kMaxTransfersPerChunk) {
      const std::size_t element_words = 64 * (taps.first_tap(last + 1) - taps.first_tap(last));
      if (last > first && words + element_words > kMaxWordsPerChunk) break;
      words += element_words;
      ++last;
    }
    generate_chunk(taps, first, last, triple);
    first = last;
  }
  taps.accumulate(triple.w, triple.u, triple.v);  // the local term P(U_i, V_i)
  return triple;
}

void TripleGenerator::exchange_with_peers(std::vector<std::vector<uint8_t>>& sent,
                                          std::vector<std::vector<uint8_t>>& received) {
  std::vector<net::Outgoing> sends;
  std::vector<net::Incoming> receives;
  for (int peer : order_) {
    sends.push_back({peer, sent[static_cast<std::size_t>(peer)]});
    receives.push_back({peer, received[static_cast<std::size_t>(peer)]});
  }
  transport_.exchange(sends, receives);
}

void TripleGenerator::generate_chunk(const ProductTaps& taps, std::size_t first, std::size_t last,
                                     BilinearTriple& triple) {
  const std::size_t elements = last - first;
  const std::size_t transfers = 64 * elements;
  const std::size_t tap_begin = taps.first_tap(first), tap_end = taps.first_tap(last);
  const std::size_t parties = static_cast<std::size_t>(parties_);
  // Elementwise products (one tap per element) are Gilboa products as they stand; other
  // shapes carry, in OT (element, bit), one correlation word per tap of the element
  // (ot/vector_correlated_ot.h).
  const bool one_tap_each = tap_end - tap_begin == elements;
  const std::size_t words = 64 * (tap_end - tap_begin);
  std::span<uint64_t> v(triple.v.data() + first, elements);
  std::vector<uint32_t> counts;
  std::vector<uint8_t> widths;
  if (!one_tap_each) {
    counts.resize(transfers), widths.resize(transfers);
    for (std::size_t e = first; e < last; ++e)
      for (unsigned b = 0; b < 64; ++b) {
        counts[64 * (e - first) + b] = static_cast<uint32_t>(taps.first_tap(e + 1) - taps.first_tap(e));
        widths[64 * (e - first) + b] = static_cast<uint8_t>(64 - b);
      }
  }

  // Round 1: each receiver's extension message; towards every peer but the first, the
  // corrections that turn its random choices into V's bits (Beaver's derandomisation).
  const std::size_t extension_bytes = ot::CorrelatedOtSender::message_bytes(transfers, softspoken_k_);
  const std::size_t correction_bytes = 8 * elements;
  std::vector<std::vector<uint8_t>> sent(parties), received(parties);
  std::vector<std::vector<uint64_t>> hashed(parties);   // Gilboa: the receiver's H(t) per peer
  std::vector<std::vector<ot::Block>> kept_t(parties);  // vector OTs: t until the message comes
  std::vector<uint64_t> receiver_tweaks(parties);
  std::vector<uint64_t> choices(elements);
  std::vector<ot::Block> blocks(transfers);
  for (int peer : order_) {
    const std::size_t p = static_cast<std::size_t>(peer);
    const bool corrected = peer != first_peer_of(me_);
    sent[p].resize(extension_bytes + (corrected ? correction_bytes : 0));
    std::vector<ot::Block>& t = one_tap_each ? blocks : kept_t[p];
    t.resize(transfers);
    peer_ots_[p]->pair.receiver.extend(transfers, std::span(sent[p]).first(extension_bytes), choices, t);
    if (!corrected) {
      std::copy(choices.begin(), choices.end(), v.begin());
    } else {
      auto* corrections = reinterpret_cast<uint64_t*>(sent[p].data() + extension_bytes);
      for (std::size_t k = 0; k < elements; ++k) corrections[k] = choices[k] ^ v[k];
    }
    // The receiver's choices are now V's bits: the sender swaps its pair to match.
    receiver_tweaks[p] = peer_ots_[p]->take_receiver_tweaks(transfers);
    if (one_tap_each) {
      hashed[p].resize(elements);
      ot::gilboa_receiver_hash(blocks, receiver_tweaks[p], hashed[p]);
    }
    received[p].resize(extension_bytes + (first_peer_of(peer) != me_ ? correction_bytes : 0));
  }
  exchange_with_peers(sent, received);

  // As sender towards each peer: q, swapped where the peer's correction bit is set, then
  // the correlation message and this party's share of the cross term P(U_me, V_peer).
  const std::size_t correlation_bytes =
      one_tap_each ? ot::gilboa_message_bytes(elements) : ot::vector_packed_bytes(counts, widths);
  // Scratch kept across chunks: resizing within capacity writes nothing.
  std::vector<uint64_t>& correlation = correlation_scratch_;
  std::vector<uint64_t>& x = words_scratch_;
  correlation.resize(one_tap_each ? elements : words), x.resize(one_tap_each ? elements : words);
  if (one_tap_each) {
    for (std::size_t k = 0; k < elements; ++k) correlation[k] = triple.u[taps.a_index()[tap_begin + k]];
  } else {
    // Word (e, b, t) sits at 64 * (taps before e) + b * taps(e) + t: each U element is
    // read once and written for every bit.
    std::size_t base = 0;
    for (std::size_t e = first; e < last; ++e) {
      const std::size_t begin = taps.first_tap(e), count = taps.first_tap(e + 1) - begin;
      for (std::size_t t = 0; t < count; ++t) {
        const uint64_t u = triple.u[taps.a_index()[begin + t]];
        for (unsigned b = 0; b < 64; ++b) correlation[base + b * count + t] = u;
      }
      base += 64 * count;
    }
  }
  // Adds sign * sum_b (word (e, b, t) << b) into the output of tap t: the bits of one
  // tap are summed first, so each output is touched once per tap, not once per bit.
  auto accumulate_words = [&](const std::vector<uint64_t>& values, uint64_t sign) {
    std::size_t base = 0;
    for (std::size_t e = first; e < last; ++e) {
      const std::size_t begin = taps.first_tap(e), count = taps.first_tap(e + 1) - begin;
      for (std::size_t t = 0; t < count; ++t) {
        uint64_t sum = 0;
        for (unsigned b = 0; b < 64; ++b) sum += values[base + b * count + t] << b;
        triple.w[taps.output()[begin + t]] += sign * sum;
      }
      base += 64 * count;
    }
  };
  for (int peer : order_) {
    const std::size_t p = static_cast<std::size_t>(peer);
    ot::CorrelatedOtSender& sender = peer_ots_[p]->pair.sender;
    sender.extend(transfers, std::span<const uint8_t>(received[p]).first(extension_bytes), blocks);
    const ot::Block delta = sender.delta();
    if (received[p].size() > extension_bytes) {
      const std::span<const uint64_t> corrections(reinterpret_cast<const uint64_t*>(received[p].data() + extension_bytes),
                                                  elements);
      for (std::size_t j = 0; j < transfers; ++j) blocks[j] ^= ot::block_if(ot::get_bit(corrections, j), delta);
    }
    sent[p].resize(correlation_bytes);
    const uint64_t tweaks = peer_ots_[p]->take_sender_tweaks(transfers);
    if (one_tap_each) {
      ot::gilboa_sender(blocks, delta, correlation, tweaks, sent[p], x);
      for (std::size_t k = 0; k < elements; ++k) triple.w[taps.output()[tap_begin + k]] += x[k];
    } else {
      ot::vector_sender_correlate(blocks, delta, counts, widths, correlation, tweaks, sent[p], x);
      accumulate_words(x, 0 - uint64_t{1});
    }
    received[p].resize(correlation_bytes);
  }

  // Round 2: the correlation messages; as receiver, y = x + (V's bit) * U_peer[a].
  exchange_with_peers(sent, received);
  for (int peer : order_) {
    const std::size_t p = static_cast<std::size_t>(peer);
    if (one_tap_each) {
      std::vector<uint64_t>& y = hashed[p];
      ot::gilboa_receiver_finish(v, received[p], y);
      for (std::size_t k = 0; k < elements; ++k) triple.w[taps.output()[tap_begin + k]] += y[k];
    } else {
      std::vector<uint64_t>& y = x;
      ot::vector_receiver_correlate(kept_t[p], v, counts, widths, received[p], receiver_tweaks[p], y);
      accumulate_words(y, 1);
    }
  }
}

}  // namespace mpvm::protocols::semi2k
