#include "protocols/emulate/emulate.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/core/ring_kernels.h"
#include "protocols/generic/nonlinear.h"

namespace mpvm::protocols {
namespace {

// Reports the first lane whose value does not fit in `bits` signed bits: a real protocol
// would return garbage for it, so the reference refuses it.
void require_fits(std::span<const uint64_t> a, unsigned bits, const char* what) {
  if (bits >= 64) return;
  const int64_t bound = int64_t{1} << (bits - 1);
  for (std::size_t k = 0; k < a.size(); ++k) {
    const int64_t v = static_cast<int64_t>(a[k]);
    if (v < -bound || v >= bound)
      throw RuntimeError(fmt::format("{}: lane {} holds {}, which does not fit in the declared {} signed bits", what, k, v, bits));
  }
}

}  // namespace

EmulateProtocol::EmulateProtocol(int parties, uint64_t seed, NonlinearPath path)
    : parties_(parties), random_state_(seed), path_(path) {}

// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator. emulate's
// randomness only has to be reproducible, not secret.
uint64_t EmulateProtocol::next_random() {
  uint64_t z = (random_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void EmulateProtocol::require_party(int party) const {
  if (party < 0 || party >= parties_)
    throw RuntimeError(fmt::format("party {} does not exist (this run has {} parties)", party, parties_));
}

void EmulateProtocol::dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length) {
  // With length 1 the result may be the very registers of an input (identical ranges are
  // allowed), so the sums go to scratch first.
  scratch_.assign(out.size(), 0);
  ring::dot_accumulate(scratch_, a.data(), b.data(), length);
  std::copy(scratch_.begin(), scratch_.end(), out.begin());
}

void EmulateProtocol::matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b,
                             const MatmulShape& shape) {
  std::fill(out.begin(), out.end(), 0);
  ring::matmul_accumulate(out, a.data(), b.data(), shape);
}

void EmulateProtocol::conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter,
                             const Conv2dShape& shape) {
  std::fill(out.begin(), out.end(), 0);
  ring::conv2d_accumulate(out, input.data(), filter.data(), shape);
}

void EmulateProtocol::input(int party, std::span<Share> out, std::span<const int64_t> values) {
  require_party(party);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = Domain::from_int(values[k]);
}

void EmulateProtocol::random(std::span<Share> out) {
  for (Share& x : out) x = next_random();
}

bool EmulateProtocol::open_to(int party, std::span<Clear> out, std::span<const Share> a) {
  require_party(party);
  open(out, a);
  return true;
}

void EmulateProtocol::ltz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  require_fits(a, bits, "ltz");
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).ltz(out, a, bits);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<int64_t>(a[k]) < 0 ? 1 : 0;
}

void EmulateProtocol::eqz(std::span<Share> out, std::span<const Share> a, unsigned bits) {
  require_fits(a, bits, "eqz");
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).eqz(out, a, bits);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = a[k] == 0 ? 1 : 0;
}

void EmulateProtocol::trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  require_fits(a, bits, "trunc");
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).trunc(out, a, m, bits);
  // Arithmetic shift of the signed value: floor(x / 2^m).
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<uint64_t>(static_cast<int64_t>(a[k]) >> m);
}

void EmulateProtocol::truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits) {
  require_fits(a, bits, "truncpr");
  if (path_ == NonlinearPath::generic) return generic::NonLinear(*this).truncpr(out, a, m, bits);
  if (m == 0) {
    std::copy(a.begin(), a.end(), out.begin());
    return;
  }
  // Round up with probability (x mod 2^m) / 2^m, as the masked-opening truncations of
  // the real back-ends do (e.g. Catrina-Saxena FC 2010, Protocol 3.1): the expectation
  // is x / 2^m exactly.
  const uint64_t mask = (uint64_t{1} << m) - 1;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const uint64_t floor = static_cast<uint64_t>(static_cast<int64_t>(a[k]) >> m);
    const uint64_t remainder = a[k] & mask;
    out[k] = floor + ((next_random() & mask) < remainder ? 1 : 0);
  }
}

}  // namespace mpvm::protocols
