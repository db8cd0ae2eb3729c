#include "protocols/rep3/rep3.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/core/ring_kernels.h"
#include "protocols/generic/nonlinear.h"

namespace mpvm::protocols {

Rep3Protocol::Rep3Protocol(net::Transport& transport, NonlinearPath path)
    : transport_(transport),
      me_(transport.party()),
      next_party_((me_ + 1) % 3),
      previous_party_((me_ + 2) % 3),
      keys_(replicated::require_three_parties(transport, "rep3")),
      private_prg_(crypto::random_key()),
      path_(path) {}

void Rep3Protocol::mask_with_zero_sharing(std::span<uint64_t> z, Sharing sharing) {
  // The three alpha_i sum (or XOR) to zero, and alpha_i masks z_i so that the message
  // reveals nothing: neither other party holds both k_i and k_{i+1}. Drawn in
  // cache-sized chunks.
  constexpr std::size_t kChunk = 1024;
  uint64_t own[kChunk], next[kChunk];
  for (std::size_t start = 0; start < z.size(); start += kChunk) {
    const std::size_t count = std::min(kChunk, z.size() - start);
    keys_.own().fill(std::span<uint64_t>(own, count));
    keys_.next().fill(std::span<uint64_t>(next, count));
    uint64_t* chunk = z.data() + start;
    if (sharing == Sharing::additive)
      for (std::size_t k = 0; k < count; ++k) chunk[k] += own[k] - next[k];
    else
      for (std::size_t k = 0; k < count; ++k) chunk[k] ^= own[k] ^ next[k];
  }
}

void Rep3Protocol::reshare(std::span<uint64_t> z, std::span<Share> out) {
  keys_.add_zero_sharing(z);
  scratch_b_.resize(z.size());
  replicated::reshare(transport_, std::span<const uint64_t>(z), std::span<uint64_t>(scratch_b_));
  for (std::size_t k = 0; k < z.size(); ++k) out[k] = {z[k], scratch_b_[k]};
}

void Rep3Protocol::mul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
  scratch_a_.resize(out.size());
  for (std::size_t k = 0; k < out.size(); ++k) scratch_a_[k] = product_share(a[k], b[k]);
  reshare(scratch_a_, out);
}

void Rep3Protocol::dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length) {
  // The cross terms of every product are summed locally; only the sum is reshared.
  scratch_a_.resize(out.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    uint64_t sum = 0;
    const std::size_t base = k * static_cast<std::size_t>(length);
    for (int64_t j = 0; j < length; ++j) sum += product_share(a[base + j], b[base + j]);
    scratch_a_[k] = sum;
  }
  reshare(scratch_a_, out);
}

template <class Kernel>
void Rep3Protocol::bilinear(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, Kernel kernel) {
  scratch_a_.assign(out.size(), 0);
  replicated::add_bilinear_terms(std::span<uint64_t>(scratch_a_), a, b, kernel);
  reshare(scratch_a_, out);
}

void Rep3Protocol::matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, const MatmulShape& shape) {
  bilinear(out, a, b, [&](std::span<uint64_t> z, const uint64_t* x, const uint64_t* y) { ring::matmul_accumulate(z, x, y, shape); });
}

void Rep3Protocol::matmul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> b,
                                const MatmulShape& shape) {
  // Linear in the shares: each component is multiplied by the public matrix. No message.
  std::vector<uint64_t> a_first, a_second;
  replicated::split_components(a, a_first, a_second);
  std::vector<uint64_t> first(out.size(), 0), second(out.size(), 0);
  ring::matmul_accumulate(first, a_first.data(), b.data(), shape);
  ring::matmul_accumulate(second, a_second.data(), b.data(), shape);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = {first[k], second[k]};
}

void Rep3Protocol::conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter,
                          const Conv2dShape& shape) {
  bilinear(out, input, filter,
           [&](std::span<uint64_t> z, const uint64_t* x, const uint64_t* w) { ring::conv2d_accumulate(z, x, w, shape); });
}

void Rep3Protocol::input(int party, std::span<Share> out, std::span<const int64_t> values) {
  if (party < 0 || party > 2) throw RuntimeError(fmt::format("party {} does not exist (rep3 has parties 0, 1, 2)", party));
  replicated::share_input(transport_, keys_, party, values, out);
  surplus_bits_[static_cast<std::size_t>(party)] += 64 * out.size();  // the owner's message
}

void Rep3Protocol::random(std::span<Share> out) {
  replicated::random_sharing(keys_, out);
}

void Rep3Protocol::open(std::span<Clear> out, std::span<const Share> a) {
  // Party i lacks x_{i+2}, which party i+1 holds as its second component.
  scratch_a_.resize(a.size());
  scratch_b_.resize(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) scratch_a_[k] = a[k].second;
  transport_.exchange(std::array{net::Outgoing{previous_party_, net::as_bytes(std::span<const uint64_t>(scratch_a_))}},
                      std::array{net::Incoming{next_party_, net::as_writable_bytes(std::span<uint64_t>(scratch_b_))}});
  for (std::size_t k = 0; k < a.size(); ++k) out[k] = a[k].first + a[k].second + scratch_b_[k];
}

bool Rep3Protocol::open_to(int party, std::span<Clear> out, std::span<const Share> a) {
  if (party < 0 || party > 2) throw RuntimeError(fmt::format("party {} does not exist (rep3 has parties 0, 1, 2)", party));
  scratch_a_.resize(a.size());
  surplus_bits_[static_cast<std::size_t>((party + 1) % 3)] += 64 * a.size();
  if (me_ == (party + 1) % 3) {
    for (std::size_t k = 0; k < a.size(); ++k) scratch_a_[k] = a[k].second;
    transport_.send(party, net::as_bytes(std::span<const uint64_t>(scratch_a_)));
    return false;
  }
  if (me_ != party) return false;
  transport_.receive(next_party_, net::as_writable_bytes(std::span<uint64_t>(scratch_a_)));
  for (std::size_t k = 0; k < a.size(); ++k) out[k] = a[k].first + a[k].second + scratch_a_[k];
  return true;
}

void Rep3Protocol::truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  // ABY3 §5.1.1 (Pi_trunc1), from the two-party local truncation of SecureML
  // (Mohassel-Zhang, S&P 2017, §4.1, Theorem 1). View x as y + x_2 with y = x_0 + x_1,
  // known to party 0, and x_2 known to parties 1 and 2. Party 0 truncates y; parties 1 and
  // 2 compute -((-x_2) >> m). Their sum is floor(x / 2^m) or that plus one, except with
  // probability at most 2^(bits + 1 - 64) per lane, when it is wrong by about 2^(64 - m).
  // Then re-share: x'_2 = x_2' (parties 1, 2), x'_1 = r from k_1 (parties 0, 1), and party 0
  // sends x'_0 = y' - r to party 2. One round, one element per lane from party 0.
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).truncpr(out, a, m, bits);
  const std::size_t n = out.size();
  if (m == 0) {
    std::copy(a.begin(), a.end(), out.begin());
    return;
  }
  auto truncate_negated = [m](uint64_t x2) { return 0 - ((0 - x2) >> m); };
  surplus_bits_[0] += 64 * n;
  scratch_a_.resize(n);
  if (me_ == 0) {
    keys_.next().fill(std::span<uint64_t>(scratch_a_));  // r, from k_1
    scratch_b_.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const uint64_t y = (a[k].first + a[k].second) >> m;
      scratch_b_[k] = y - scratch_a_[k];
      out[k] = {scratch_b_[k], scratch_a_[k]};
    }
    transport_.send(2, net::as_bytes(std::span<const uint64_t>(scratch_b_)));
  } else if (me_ == 1) {
    keys_.own().fill(std::span<uint64_t>(scratch_a_));  // r, from k_1
    for (std::size_t k = 0; k < n; ++k) out[k] = {scratch_a_[k], truncate_negated(a[k].second)};
  } else {
    transport_.receive(0, net::as_writable_bytes(std::span<uint64_t>(scratch_a_)));
    for (std::size_t k = 0; k < n; ++k) out[k] = {truncate_negated(a[k].first), scratch_a_[k]};
  }
}

}  // namespace mpvm::protocols
