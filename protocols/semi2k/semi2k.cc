#include "protocols/semi2k/semi2k.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/core/ring_kernels.h"
#include "protocols/generic/nonlinear.h"
#include "protocols/semi2k/two_party_nonlinear.h"

namespace mpvm::protocols {
namespace {

// One PRG per peer from pairwise keys: the lower-numbered party of each pair draws the
// key and sends it to the higher one. One round in the setup phase.
std::vector<std::optional<crypto::Prg>> exchange_pair_keys(net::Transport& transport) {
  const int me = transport.party(), parties = transport.parties();
  std::vector<crypto::PrgKey> keys(static_cast<std::size_t>(parties));
  std::vector<net::Outgoing> sends;
  std::vector<net::Incoming> receives;
  for (int peer = 0; peer < parties; ++peer) {
    crypto::PrgKey& key = keys[static_cast<std::size_t>(peer)];
    if (peer > me) {
      key = crypto::random_key();
      sends.push_back({peer, key});
    } else if (peer < me) {
      receives.push_back({peer, key});
    }
  }
  transport.exchange(sends, receives);
  std::vector<std::optional<crypto::Prg>> prgs(static_cast<std::size_t>(parties));
  for (int peer = 0; peer < parties; ++peer)
    if (peer != me) prgs[static_cast<std::size_t>(peer)].emplace(keys[static_cast<std::size_t>(peer)]);
  return prgs;
}

// Runs `work` in the offline phase (bytes and rounds counted there), then returns to the
// phase the caller was in.
template <class Work>
auto offline(net::Transport& transport, Work work) {
  const net::Phase caller = transport.phase();
  transport.set_phase(net::Phase::offline);
  auto result = work();
  transport.set_phase(caller);
  return result;
}

}  // namespace

Semi2kProtocol::Semi2kProtocol(net::Transport& transport, NonlinearPath path, unsigned softspoken_k)
    : transport_(transport),
      me_(transport.party()),
      parties_(transport.parties()),
      private_prg_(crypto::random_key()),
      pair_prgs_((transport.parties() < 2
                      ? throw InputError(fmt::format("semi2k needs at least 2 parties, not {}", transport.parties()))
                      : exchange_pair_keys(transport))),
      peer_ots_(semi2k::setup_peer_ots(transport, softspoken_k)),
      triples_(transport, private_prg_, peer_ots_, softspoken_k),
      path_(path) {}

void Semi2kProtocol::check_party(int party) const {
  if (party < 0 || party >= parties_)
    throw RuntimeError(fmt::format("party {} does not exist (semi2k runs with parties 0 to {})", party, parties_ - 1));
}

void Semi2kProtocol::input(int party, std::span<Share> out, std::span<const int64_t> values) {
  check_party(party);
  // Every other party's share is drawn from the key it shares with the owner, so both
  // know it without a message; the owner keeps v minus their sum. A coalition of all the
  // other parties still lacks the owner's share. No message at all.
  if (me_ != party) {
    pair_prgs_[static_cast<std::size_t>(party)]->fill(out);
    return;
  }
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<uint64_t>(values[k]);
  std::vector<uint64_t> theirs(out.size());
  for (int peer = 0; peer < parties_; ++peer) {
    if (peer == me_) continue;
    pair_prgs_[static_cast<std::size_t>(peer)]->fill(std::span<uint64_t>(theirs));
    for (std::size_t k = 0; k < out.size(); ++k) out[k] -= theirs[k];
  }
}

void Semi2kProtocol::random(std::span<Share> out) {
  // The sum of n private random values is uniform and unknown to any n - 1 parties.
  private_prg_.fill(out);
}

void Semi2kProtocol::open_all(std::span<const Share> mine, std::span<Clear> sums) {
  const std::size_t n = mine.size();
  received_.resize(n * static_cast<std::size_t>(parties_));
  std::vector<net::Outgoing> sends;
  std::vector<net::Incoming> receives;
  for (int peer = 0; peer < parties_; ++peer) {
    if (peer == me_) continue;
    sends.push_back({peer, net::as_bytes(mine)});
    receives.push_back({peer, net::as_writable_bytes(std::span<uint64_t>(received_.data() + n * peer, n))});
  }
  transport_.exchange(sends, receives);
  add_received_shares(mine, sums);
}

void Semi2kProtocol::add_received_shares(std::span<const Share> mine, std::span<Clear> sums) const {
  const std::size_t n = mine.size();
  std::copy(mine.begin(), mine.end(), sums.begin());
  for (int peer = 0; peer < parties_; ++peer)
    if (peer != me_)
      for (std::size_t k = 0; k < n; ++k) sums[k] += received_[n * peer + k];
}

void Semi2kProtocol::open(std::span<Clear> out, std::span<const Share> a) { open_all(a, out); }

bool Semi2kProtocol::open_to(int party, std::span<Clear> out, std::span<const Share> a) {
  check_party(party);
  if (me_ != party) {
    transport_.send(party, net::as_bytes(a));
    return false;
  }
  const std::size_t n = a.size();
  received_.resize(n * static_cast<std::size_t>(parties_));
  std::vector<net::Incoming> receives;
  for (int peer = 0; peer < parties_; ++peer)
    if (peer != me_) receives.push_back({peer, net::as_writable_bytes(std::span<uint64_t>(received_.data() + n * peer, n))});
  transport_.exchange({}, receives);
  add_received_shares(a, out);
  return true;
}

void Semi2kProtocol::bilinear(std::span<Share> out, std::span<const Share> a, std::span<const Share> b,
                              const semi2k::ProductTaps& taps) {
  semi2k::BilinearTriple triple = offline(transport_, [&] { return triples_.generate(taps); });
  // D = A - U and E = B - V are uniformly masked: opening them says nothing about A, B.
  // Both go in one message, D then E.
  std::vector<uint64_t> masked(a.size() + b.size()), opened(a.size() + b.size());
  for (std::size_t k = 0; k < a.size(); ++k) masked[k] = a[k] - triple.u[k];
  for (std::size_t k = 0; k < b.size(); ++k) masked[a.size() + k] = b[k] - triple.v[k];
  open_all(masked, opened);
  const std::span<const uint64_t> d(opened.data(), a.size()), e(opened.data() + a.size(), b.size());
  // P(A, B) = W + P(D, V) + P(U, E) + P(D, E); the public P(D, E) is added by party 0.
  taps.accumulate(triple.w, d, triple.v);
  taps.accumulate(triple.w, triple.u, e);
  if (me_ == 0) taps.accumulate(triple.w, d, e);
  std::copy(triple.w.begin(), triple.w.end(), out.begin());
}

void Semi2kProtocol::mul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
  bilinear(out, a, b, semi2k::ProductTaps::elementwise(out.size()));
}

void Semi2kProtocol::dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length) {
  bilinear(out, a, b, semi2k::ProductTaps::dot(out.size(), length));
}

void Semi2kProtocol::matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b,
                            const MatmulShape& shape) {
  bilinear(out, a, b, semi2k::ProductTaps::matmul(shape, out.size() / static_cast<std::size_t>(shape.c_size())));
}

void Semi2kProtocol::matmul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> b,
                                  const MatmulShape& shape) {
  // Linear in the shares: each party multiplies its share by the public matrix.
  std::vector<uint64_t> result(out.size(), 0);
  ring::matmul_accumulate(result, a.data(), b.data(), shape);
  std::copy(result.begin(), result.end(), out.begin());
}

void Semi2kProtocol::conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter,
                            const Conv2dShape& shape) {
  bilinear(out, input, filter,
           semi2k::ProductTaps::conv2d(shape, out.size() / static_cast<std::size_t>(shape.output_size())));
}

semi2k::TwoPartyNonlinear Semi2kProtocol::two_party() {
  return semi2k::TwoPartyNonlinear(transport_, *peer_ots_[static_cast<std::size_t>(1 - me_)], private_prg_);
}

void Semi2kProtocol::ltz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (two_party_path()) return two_party().ltz(out, a, bits);
  generic::NonLinear(*this).ltz(out, a, bits);
}

void Semi2kProtocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  if (two_party_path()) return two_party().eqz(out, a, bits);
  generic::NonLinear(*this).eqz(out, a, bits);
}

void Semi2kProtocol::trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  if (m == 0) {
    std::copy(a.begin(), a.end(), out.begin());
    return;
  }
  if (two_party_path()) return two_party().trunc(out, a, m, bits);
  generic::NonLinear(*this).trunc(out, a, m, bits);
}

void Semi2kProtocol::truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  // Two parties: the exact truncation costs one m-bit comparison, so there is no reason
  // to accept the probabilistic one's rare large errors (SecureML's local truncation).
  if (two_party_path()) return trunc(out, a, m, bits);
  generic::NonLinear(*this).truncpr(out, a, m, bits);
}

}  // namespace mpvm::protocols
