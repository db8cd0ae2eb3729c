// The generic non-linear layer: comparison and truncation for ANY arithmetic back-end over
// Z_2^64, built only from its linear operations, `mul`, `open`, `input` and each party's
// local randomness. Every back-end inherits it; fast paths (rep3's binary circuits) must
// agree with it. After Catrina and de Hoogh, "Improved primitives for secure multiparty
// integer computation" (SCN 2010), §3-4, adapted to the ring as in Escudero et al.,
// "Improved primitives for MPC over mixed arithmetic-binary circuits" (CRYPTO 2020), §4:
//
// - random bits: every party inputs a random bit and the bits are XORed arithmetically
//   (x ^ y = x + y - 2xy), so the bit is uniform while one party is honest;
// - a mask r uniform over all of Z_2^64, so c = x + r, once opened, says nothing about x
//   (no statistical slack is needed in the ring): r = sum r_i 2^i over the positions the
//   operation reads (ltz and eqz: the low `bits`; trunc: all 64) plus, above them, a random
//   ring element times a power of two, which needs no bits;
// - floor(x' / 2^m) = (c >> m) - (r >> m) - [c mod 2^m < r mod 2^m] + 2^(64-m) [c < r] for
//   x' = c - r (mod 2^64) read as an integer in [0, 2^64); both comparisons of the public c
//   with the secret bits of r run in one tree of ceil(log2 64) multiplication rounds.
//
// ltz: x < 0 iff bit bits-1 of x' = x + 2^(bits-1) is 0, which is c ^ r ^ the borrow from
// the bits below (one tree); trunc is the formula above minus 2^(bits-1-m) (two trees, in
// the same rounds; the 64-position one only where the public c is below 2^bits, since
// the wrap [c < r] is 0 elsewhere); eqz is an AND tree over [c_i == r_i] for i < bits; truncpr is
// the statistical variant (mask of bits+40 bits, no wrap, one LSB of error) when
// bits <= 24, and exact trunc otherwise.
//
// Rounds (P with one-round mul and open, n parties): random bits 2n - 1, open 1, tree
// ceil(log2 bits) (trunc: 6), ltz one more. Communication is dominated by the random bits:
// `bits` per value for ltz and eqz, 64 for trunc. Everything is laid out bit-major (bit i of every value contiguous), so
// each step is one vector call per bit position.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/core/protocol_concept.h"

namespace mpvm::protocols::generic {

// Back-ends offer their parties' local randomness (never shared) for the random bits.
template <class P>
concept GenericCapable = ArithmeticProtocol<P> && requires(P& p, std::span<uint64_t> words) {
  p.local_random(words);
};

template <GenericCapable P>
class NonLinear {
 public:
  using Share = typename P::Share;
  using Clear = typename P::Domain::Value;

  explicit NonLinear(P& protocol) : p_(protocol) {}

  // `out` holds uniformly random bits that no party knows.
  void random_bits(std::span<Share> out) {
    if constexpr (requires { p_.random_bits(out); }) {  // a back-end's own (e.g. rep3-mal's, checked)
      p_.random_bits(out);
      return;
    }
    const std::size_t n = out.size();
    std::vector<Share> next(n), product(n);
    for (int party = 0; party < p_.party_count(); ++party) {
      std::vector<int64_t> bits;
      if (p_.plays(party)) {
        std::vector<uint64_t> words((n + 63) / 64);
        p_.local_random(words);
        bits.resize(n);
        for (std::size_t k = 0; k < n; ++k) bits[k] = static_cast<int64_t>(words[k / 64] >> (k % 64) & 1);
      }
      p_.input(party, party == 0 ? out : std::span<Share>(next), bits);
      if (party == 0) continue;
      xor_into(out, next, product);
    }
  }

  // floor(x / 2^m) exactly, for x that fits in `bits` signed bits.
  void trunc(std::span<Share> out, std::span<const Share> x, unsigned m, unsigned bits) {
    if (m == 0) {
      std::copy(x.begin(), x.end(), out.begin());
      return;
    }
    const std::size_t n = x.size();
    Mask mask = open_with_mask(x, uint64_t{1} << (bits - 1), 64);
    // floor(x'/2^m) = (c >> m) - (r >> m) - [c mod 2^m < r mod 2^m] + 2^(64-m) [c < r]
    // The wrap [c < r] = [x' + r >= 2^64] leaves c = x' + r - 2^64 < x' < 2^bits, so it is
    // 0 wherever the public c is at least 2^bits: its 64-position tree runs only on the
    // other lanes (a fraction 2^(bits-64) of them), in the same rounds as the m-position one.
    std::vector<Share> low(n), full(n);
    std::vector<std::size_t> may_wrap;
    for (std::size_t k = 0; k < n; ++k)
      if (bits == 64 || mask.c[k] < uint64_t{1} << bits) may_wrap.push_back(k);
    const std::size_t w = may_wrap.size();
    std::vector<Share> wrap_bits(64 * w), wrap(w);
    std::vector<uint64_t> wrap_c(w);
    for (std::size_t j = 0; j < w; ++j) {
      wrap_c[j] = mask.c[may_wrap[j]];
      for (unsigned i = 0; i < 64; ++i) wrap_bits[i * w + j] = mask.bits[i * n + may_wrap[j]];
    }
    const BorrowJob jobs[] = {{mask.bits, mask.c, m, low}, {wrap_bits, wrap_c, 64, wrap}};
    borrows(std::span<const BorrowJob>(jobs, w > 0 ? 2 : 1));
    p_.constant(full, 0);
    for (std::size_t j = 0; j < w; ++j) full[may_wrap[j]] = wrap[j];
    compose(mask.bits, n, m, 64, out);  // r >> m
    std::vector<Clear> c_high(n);
    for (std::size_t k = 0; k < n; ++k) c_high[k] = (mask.c[k] >> m) - (uint64_t{1} << (bits - 1 - m));
    p_.clear_sub(out, c_high, out);
    p_.sub(out, out, low);
    p_.mul_scalar(full, full, uint64_t{1} << (64 - m));
    p_.add(out, out, full);
  }

  // 1 if x < 0 else 0: with x' = x + 2^(bits-1) in [0, 2^bits), x < 0 iff bit bits-1 of
  // x' = c - r is 0, and that bit is c_k ^ r_k ^ [c mod 2^k < r mod 2^k] for k = bits-1.
  void ltz(std::span<Share> out, std::span<const Share> x, unsigned bits) {
    const std::size_t n = x.size();
    const unsigned k = bits - 1;
    Mask mask = open_with_mask(x, uint64_t{1} << k, bits);
    std::vector<Share> borrow(n), product(n);
    const BorrowJob job{mask.bits, mask.c, k, borrow};
    borrows(std::span<const BorrowJob>(&job, 1));
    std::span<Share> r_k(mask.bits.data() + k * n, n);
    xor_into(borrow, r_k, product);  // r_k ^ borrow
    // ltz = 1 - (c_k ^ t) = t where c_k = 1, 1 - t where c_k = 0
    std::vector<Clear> sign(n), offset(n);
    for (std::size_t v = 0; v < n; ++v) {
      const bool c_k = mask.c[v] >> k & 1;
      sign[v] = c_k ? 1 : Clear(0) - 1;
      offset[v] = c_k ? 0 : 1;
    }
    p_.mul_clear(out, borrow, sign);
    p_.add_clear(out, out, offset);
  }

  // 1 if x == 0 else 0: x == 0 iff the low `bits` bits of c = x + r and r agree.
  void eqz(std::span<Share> out, std::span<const Share> x, unsigned bits) {
    const std::size_t n = x.size();
    Mask mask = open_with_mask(x, 0, bits);
    std::vector<Share> agree(static_cast<std::size_t>(bits) * n);
    for (unsigned i = 0; i < bits; ++i) equal_bits(mask, i, std::span<Share>(agree).subspan(i * n, n));
    and_tree(agree, n, bits, out);
  }

  // floor(x / 2^m) or that plus one.
  void truncpr(std::span<Share> out, std::span<const Share> x, unsigned m, unsigned bits) {
    if (m == 0) {
      std::copy(x.begin(), x.end(), out.begin());
      return;
    }
    if (bits + kStatisticalSecurity > 64) return trunc(out, x, m, bits);
    // Mask of bits+40 random bits: c = x' + r does not wrap and hides x' up to 2^-40.
    const std::size_t n = x.size();
    const unsigned width = bits + kStatisticalSecurity;
    std::vector<Share> r_bits(static_cast<std::size_t>(width) * n);
    random_bits(r_bits);
    std::vector<Share> r(n);
    compose(r_bits, n, 0, width, r);
    std::vector<uint64_t> c(n);
    open_masked(x, r, uint64_t{1} << (bits - 1), c);
    // (c >> m) - (r >> m) - 2^(bits-1-m): dropping [c mod 2^m < r mod 2^m] adds 0 or 1.
    compose(r_bits, n, m, width, out);
    std::vector<Clear> c_high(n);
    for (std::size_t k = 0; k < n; ++k) c_high[k] = (c[k] >> m) - (uint64_t{1} << (bits - 1 - m));
    p_.clear_sub(out, c_high, out);
  }

 private:
  static constexpr unsigned kStatisticalSecurity = 40;

  // r uniform over Z_2^64 with its bits (bit-major: bit i of value k at bits[i*n + k]),
  // and the opened c = x + offset + r.
  struct Mask {
    std::vector<Share> bits;
    std::vector<uint64_t> c;
  };

  Mask open_with_mask(std::span<const Share> x, uint64_t offset, unsigned decomposed) {
    // r = sum_{i < decomposed} r_i 2^i + 2^decomposed R: only the positions a comparison
    // reads need their bits; above them a random ring element R keeps r, and so c, uniform
    // over Z_2^64 at the price of one random value instead of a random bit per position.
    const std::size_t n = x.size();
    Mask mask;
    mask.bits.resize(decomposed * n);
    random_bits(mask.bits);
    std::vector<Share> r(n);
    compose(mask.bits, n, 0, decomposed, r);
    if (decomposed < 64) {
      std::vector<Share> high(n);
      p_.random(high);
      p_.mul_scalar(high, high, Clear(1) << decomposed);
      p_.add(r, r, high);
    }
    mask.c.resize(n);
    open_masked(x, r, offset, mask.c);
    return mask;
  }

  // a ^= b, as a + b - 2ab (scratch: product).
  void xor_into(std::span<Share> a, std::span<const Share> b, std::span<Share> product) {
    p_.mul(product, a, b);
    p_.add(a, a, b);
    p_.mul_scalar(product, product, 2);
    p_.sub(a, a, product);
  }

  // out = sum over from <= i < to of bits[i] 2^(i-from), a vector call per position.
  void compose(std::span<const Share> bits, std::size_t n, unsigned from, unsigned to, std::span<Share> out) {
    std::vector<Share> term(n);
    p_.constant(out, 0);
    for (unsigned i = from; i < to; ++i) {
      p_.mul_scalar(term, bits.subspan(i * n, n), Clear(1) << (i - from));
      p_.add(out, out, term);
    }
  }

  // c = x + offset + r, opened (after the protocol's check, as every opening).
  void open_masked(std::span<const Share> x, std::span<const Share> r, uint64_t offset, std::span<uint64_t> c) {
    std::vector<Share> masked(x.size());
    p_.add(masked, x, r);
    p_.add_scalar(masked, masked, offset);
    p_.check();
    p_.open(c, masked);
  }

  // out[k] = [c_i == r_i] for value k: r_i where c_i = 1, 1 - r_i where c_i = 0.
  void equal_bits(const Mask& mask, unsigned i, std::span<Share> out) { equal_bits(mask.bits, mask.c, i, out); }
  void equal_bits(std::span<const Share> bits, std::span<const uint64_t> c, unsigned i, std::span<Share> out) {
    const std::size_t n = c.size();
    std::vector<Clear> sign(n), offset(n);
    for (std::size_t k = 0; k < n; ++k) {
      const bool c_i = c[k] >> i & 1;
      sign[k] = c_i ? 1 : Clear(0) - 1;
      offset[k] = c_i ? 0 : 1;
    }
    p_.mul_clear(out, bits.subspan(i * n, n), sign);
    p_.add_clear(out, out, offset);
  }

  // A comparison of public c with the secret bits of r over the low `width` positions:
  // out[k] = [c_k mod 2^width < r_k mod 2^width], for the values whose bits (bit-major: bit i
  // of value k at bits[i*n + k]) and c are given.
  struct BorrowJob {
    std::span<const Share> bits;
    std::span<const uint64_t> c;
    unsigned width;
    std::span<Share> out;
  };

  // Per position i (the higher wins): "r wins" g_i = (1 - c_i) r_i, "equal" e_i =
  // [c_i == r_i]; neighbours combine as (G, E) = (G_hi + E_hi G_lo, E_hi E_lo) (the two
  // terms of G never both hold). All jobs advance together, one mul round per level.
  void borrows(std::span<const BorrowJob> jobs) {
    struct Tree {
      unsigned width;
      std::size_t n;
      std::vector<Share> g, e;  // bit-major
    };
    std::vector<Tree> trees;
    for (const BorrowJob& job : jobs) {
      const std::size_t n = job.c.size();
      Tree t{job.width, n, std::vector<Share>(job.width * n), std::vector<Share>(job.width * n)};
      for (unsigned i = 0; i < job.width; ++i) {
        std::vector<Clear> not_c(n);
        for (std::size_t k = 0; k < n; ++k) not_c[k] = (job.c[k] >> i & 1) ? 0 : 1;
        p_.mul_clear(std::span<Share>(t.g).subspan(i * n, n), job.bits.subspan(i * n, n), not_c);
        equal_bits(job.bits, job.c, i, std::span<Share>(t.e).subspan(i * n, n));
      }
      trees.push_back(std::move(t));
    }
    while (true) {
      std::vector<Share> left, right;
      for (Tree& t : trees)
        for (unsigned j = 0; j < t.width / 2; ++j) {
          const std::size_t n = t.n;
          const auto hi = t.e.begin() + (2 * j + 1) * n;
          left.insert(left.end(), hi, hi + n), right.insert(right.end(), t.g.begin() + 2 * j * n, t.g.begin() + (2 * j + 1) * n);
          left.insert(left.end(), hi, hi + n), right.insert(right.end(), t.e.begin() + 2 * j * n, t.e.begin() + (2 * j + 1) * n);
        }
      if (left.empty()) break;
      std::vector<Share> products(left.size());
      p_.mul(products, left, right);
      std::size_t at = 0;
      for (Tree& t : trees) {
        if (t.width <= 1) continue;
        const std::size_t n = t.n;
        const unsigned half = t.width / 2, width = half + t.width % 2;
        std::vector<Share> g(width * n), e(width * n);
        for (unsigned j = 0; j < half; ++j, at += 2 * n) {
          p_.add(std::span<Share>(g).subspan(j * n, n), std::span<const Share>(t.g).subspan((2 * j + 1) * n, n),
                 std::span<const Share>(products).subspan(at, n));
          std::copy_n(products.begin() + static_cast<std::ptrdiff_t>(at + n), n, e.begin() + j * n);
        }
        if (t.width % 2) {  // the top position has no partner: it moves up unchanged
          std::copy_n(t.g.begin() + (t.width - 1) * n, n, g.begin() + half * n);
          std::copy_n(t.e.begin() + (t.width - 1) * n, n, e.begin() + half * n);
        }
        t.g = std::move(g), t.e = std::move(e), t.width = width;
      }
    }
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      if (trees[j].width == 0) p_.constant(jobs[j].out, 0);
      else std::copy_n(trees[j].g.begin(), trees[j].n, jobs[j].out.begin());
    }
  }

  // out[k] = AND over positions i < width of values[i*n + k]: a product tree.
  void and_tree(std::vector<Share>& values, std::size_t n, unsigned width, std::span<Share> out) {
    while (width > 1) {
      const unsigned half = width / 2, next_width = half + width % 2;
      std::vector<Share> left(half * n), right(half * n), next(next_width * n);
      for (unsigned j = 0; j < half; ++j) {
        std::copy_n(values.begin() + 2 * j * n, n, left.begin() + j * n);
        std::copy_n(values.begin() + (2 * j + 1) * n, n, right.begin() + j * n);
      }
      p_.mul(std::span<Share>(next).first(half * n), left, right);
      if (width % 2) std::copy_n(values.begin() + (width - 1) * n, n, next.begin() + half * n);
      values = std::move(next);
      width = next_width;
    }
    std::copy_n(values.begin(), n, out.begin());
  }

  P& p_;
};

}  // namespace mpvm::protocols::generic
