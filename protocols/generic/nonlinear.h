// The generic non-linear layer: comparison and truncation for ANY arithmetic back-end over
// Z_2^64, built only from its linear operations, `mul`, `open`, `input` and each party's
// local randomness. Every back-end inherits it; fast paths (rep3's binary circuits) must
// agree with it. After Catrina and de Hoogh, "Improved primitives for secure multiparty
// integer computation" (SCN 2010), §3-4, adapted to the ring as in Escudero et al.,
// "Improved primitives for MPC over mixed arithmetic-binary circuits" (CRYPTO 2020), §4:
//
// - random bits: every party inputs a random bit and the bits are XORed arithmetically
//   (x ^ y = x + y - 2xy), so the bit is uniform while one party is honest;
// - a mask r = sum r_i 2^i uniform over all of Z_2^64, so c = x + r, once opened, says
//   nothing about x (no statistical slack is needed in the ring);
// - floor(x' / 2^m) = (c >> m) - (r >> m) - [c mod 2^m < r mod 2^m] + 2^(64-m) [c < r] for
//   x' = c - r (mod 2^64) read as an integer in [0, 2^64); both comparisons of the public c
//   with the secret bits of r run in one tree of ceil(log2 64) multiplication rounds.
//
// ltz (x < 0) = 1 - floor(x' / 2^(bits-1)) with x' = x + 2^(bits-1); trunc is the formula
// itself minus 2^(bits-1-m); eqz is an AND tree over [c_i == r_i] for i < bits; truncpr is
// the statistical variant (mask of bits+40 bits, no wrap, one LSB of error) when
// bits <= 24, and exact trunc otherwise.
//
// Rounds (P with one-round mul and open, n parties): random bits n + ceil(log2 n), open 1,
// tree 6 (eqz: ceil(log2 bits)), final combination 0. Communication is dominated by the
// 64 random bits per value.
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

  explicit NonLinear(P& protocol) : p_(protocol) {}

  // `out` holds uniformly random bits that no party knows.
  void random_bits(std::span<Share> out) {
    const std::size_t n = out.size();
    std::vector<Share> acc(n), next(n), product(n);
    for (int party = 0; party < p_.party_count(); ++party) {
      std::vector<int64_t> bits;
      if (p_.plays(party)) {
        std::vector<uint64_t> words((n + 63) / 64);
        p_.local_random(words);
        bits.resize(n);
        for (std::size_t k = 0; k < n; ++k) bits[k] = static_cast<int64_t>(words[k / 64] >> (k % 64) & 1);
      }
      std::span<Share> target = party == 0 ? std::span<Share>(acc) : std::span<Share>(next);
      p_.input(party, target, bits);
      if (party == 0) continue;
      // acc ^= next, as acc + next - 2 acc next
      p_.mul(product, acc, next);
      p_.add(acc, acc, next);
      p_.mul_scalar(product, product, 2);
      p_.sub(acc, acc, product);
    }
    std::copy(acc.begin(), acc.end(), out.begin());
  }

  // floor(x / 2^m) exactly, for x that fits in `bits` signed bits.
  void trunc(std::span<Share> out, std::span<const Share> x, unsigned m, unsigned bits) {
    if (m == 0) {
      std::copy(x.begin(), x.end(), out.begin());
      return;
    }
    truncate_offset(out, x, m, bits);
    p_.add_scalar(out, out, 0 - (uint64_t{1} << (bits - 1 - m)));
  }

  // 1 if x < 0 else 0.
  void ltz(std::span<Share> out, std::span<const Share> x, unsigned bits) {
    // floor((x + 2^(bits-1)) / 2^(bits-1)) is 1 for x >= 0 and 0 for x < 0.
    truncate_offset(out, x, bits - 1, bits);
    std::vector<Share> one(out.size());
    p_.constant(one, 1);
    p_.sub(out, one, out);
  }

  // 1 if x == 0 else 0.
  void eqz(std::span<Share> out, std::span<const Share> x, unsigned bits) {
    const std::size_t n = x.size();
    std::vector<Share> bits_of_r(n * 64), r(n);
    masked_open_prepare(bits_of_r, r);
    std::vector<uint64_t> c(n);
    open_masked(x, r, 0, c);
    // x == 0 iff the low `bits` bits of c and r agree: AND over [c_i == r_i].
    std::vector<Share> agree(n * bits);
    for (std::size_t k = 0; k < n; ++k)
      for (unsigned i = 0; i < bits; ++i) equal_bit(agree[k * bits + i], c[k] >> i & 1, bits_of_r[k * 64 + i]);
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
    std::vector<Share> r_bits(n * width);
    random_bits(r_bits);
    std::vector<Share> r(n), r_high(n);
    compose(r_bits, width, 0, r);
    compose(r_bits, width, m, r_high);
    std::vector<uint64_t> c(n);
    open_masked(x, r, uint64_t{1} << (bits - 1), c);
    // (c >> m) - (r >> m) - 2^(bits-1-m): dropping [c mod 2^m < r mod 2^m] adds 0 or 1.
    for (std::size_t k = 0; k < n; ++k) {
      Share v;
      p_.constant(std::span(&v, 1), (c[k] >> m) - (uint64_t{1} << (bits - 1 - m)));
      p_.sub(std::span(&out[k], 1), std::span<const Share>(&v, 1), std::span<const Share>(&r_high[k], 1));
    }
  }

 private:
  static constexpr unsigned kStatisticalSecurity = 40;

  // floor((x + 2^(bits-1)) / 2^m) for x that fits in `bits` signed bits.
  void truncate_offset(std::span<Share> out, std::span<const Share> x, unsigned m, unsigned bits) {
    if (m == 0) {  // ltz of 1-bit values: x' itself
      p_.add_scalar(out, x, uint64_t{1} << (bits - 1));
      return;
    }
    const std::size_t n = x.size();
    std::vector<Share> r_bits(n * 64), r(n);
    masked_open_prepare(r_bits, r);
    std::vector<uint64_t> c(n);
    open_masked(x, r, uint64_t{1} << (bits - 1), c);
    // Both comparisons [c mod 2^m < r mod 2^m] and [c < r] in one tree pass.
    std::vector<Share> less(2 * n);
    public_less_than_bits(c, r_bits, m, std::span<Share>(less).first(n), std::span<Share>(less).subspan(n));
    std::vector<Share> r_high(n);
    compose(r_bits, 64, m, r_high);
    for (std::size_t k = 0; k < n; ++k) {
      // (c >> m) - (r >> m) - low_less + 2^(64-m) full_less
      Share term;
      p_.mul_scalar(std::span(&term, 1), std::span<const Share>(&less[n + k], 1), uint64_t{1} << (64 - m));
      Share v;
      p_.constant(std::span(&v, 1), c[k] >> m);
      p_.sub(std::span(&v, 1), std::span<const Share>(&v, 1), std::span<const Share>(&r_high[k], 1));
      p_.sub(std::span(&v, 1), std::span<const Share>(&v, 1), std::span<const Share>(&less[k], 1));
      p_.add(std::span(&out[k], 1), std::span<const Share>(&v, 1), std::span<const Share>(&term, 1));
    }
  }

  // 64 random bits per value and the value they compose.
  void masked_open_prepare(std::span<Share> bits_of_r, std::span<Share> r) {
    random_bits(bits_of_r);
    compose(bits_of_r, 64, 0, r);
  }

  // out[k] = sum over i >= from of bits[k*width + i] 2^(i-from).
  void compose(std::span<const Share> bits, unsigned width, unsigned from, std::span<Share> out) {
    for (std::size_t k = 0; k < out.size(); ++k) {
      p_.constant(std::span(&out[k], 1), 0);
      for (unsigned i = from; i < width; ++i) {
        Share term;
        p_.mul_scalar(std::span(&term, 1), bits.subspan(k * width + i, 1), uint64_t{1} << (i - from));
        p_.add(std::span(&out[k], 1), std::span<const Share>(&out[k], 1), std::span<const Share>(&term, 1));
      }
    }
  }

  // c = x + offset + r, opened.
  void open_masked(std::span<const Share> x, std::span<const Share> r, uint64_t offset, std::span<uint64_t> c) {
    std::vector<Share> masked(x.size());
    p_.add(masked, x, r);
    p_.add_scalar(masked, masked, offset);
    p_.check();
    p_.open(c, masked);
  }

  // [c_i == r_i] = c_i ? r_i : 1 - r_i, linear in r_i.
  void equal_bit(Share& out, uint64_t c_bit, const Share& r_bit) {
    if (c_bit) {
      out = r_bit;
      return;
    }
    Share one;
    p_.constant(std::span(&one, 1), 1);
    p_.sub(std::span(&out, 1), std::span<const Share>(&one, 1), std::span<const Share>(&r_bit, 1));
  }

  // low[k] = [c mod 2^m < r mod 2^m], full[k] = [c < r] (as 64-bit integers), from the
  // bits of r. Per position i (high wins): "r wins" g_i = (1 - c_i) r_i, "equal"
  // e_i = [c_i == r_i]; pairs combine as (G, E) = (G_hi + E_hi G_lo, E_hi E_lo) (the two
  // terms of G never both hold). The low comparison uses positions [0, m), the full one
  // [0, 64); both trees advance together, one mul round per level.
  void public_less_than_bits(std::span<const uint64_t> c, std::span<const Share> r_bits, unsigned m, std::span<Share> low,
                             std::span<Share> full) {
    const std::size_t n = c.size();
    struct Tree {
      unsigned width;
      std::vector<Share> g, e;  // [value][position], position 0 least significant
    };
    Tree trees[2] = {{m, {}, {}}, {64, {}, {}}};
    for (Tree& t : trees) {
      t.g.resize(n * t.width);
      t.e.resize(n * t.width);
      for (std::size_t k = 0; k < n; ++k)
        for (unsigned i = 0; i < t.width; ++i) {
          const uint64_t bit = c[k] >> i & 1;
          const Share& r = r_bits[k * 64 + i];
          if (bit) p_.constant(std::span(&t.g[k * t.width + i], 1), 0);
          else t.g[k * t.width + i] = r;
          equal_bit(t.e[k * t.width + i], bit, r);
        }
    }
    while (trees[0].width > 1 || trees[1].width > 1) {
      // Gather every pair of every tree into one multiplication round.
      std::vector<Share> left, right;
      std::vector<std::size_t> first_product(2), pairs(2);
      for (int t = 0; t < 2; ++t) {
        Tree& tree = trees[t];
        first_product[t] = left.size();
        pairs[t] = tree.width / 2;
        if (tree.width <= 1) continue;
        for (std::size_t k = 0; k < n; ++k)
          for (unsigned j = 0; j < tree.width / 2; ++j) {
            const std::size_t hi = k * tree.width + 2 * j + 1, lo = k * tree.width + 2 * j;
            left.push_back(tree.e[hi]), right.push_back(tree.g[lo]);  // E_hi G_lo
            left.push_back(tree.e[hi]), right.push_back(tree.e[lo]);  // E_hi E_lo
          }
      }
      std::vector<Share> products(left.size());
      p_.mul(products, left, right);
      for (int t = 0; t < 2; ++t) {
        Tree& tree = trees[t];
        if (tree.width <= 1) continue;
        const unsigned half = tree.width / 2, odd = tree.width % 2, width = half + odd;
        std::vector<Share> g(n * width), e(n * width);
        std::size_t at = first_product[t];
        for (std::size_t k = 0; k < n; ++k) {
          for (unsigned j = 0; j < half; ++j, at += 2) {
            p_.add(std::span(&g[k * width + j], 1), std::span<const Share>(&tree.g[k * tree.width + 2 * j + 1], 1),
                   std::span<const Share>(&products[at], 1));
            e[k * width + j] = products[at + 1];
          }
          if (odd) {  // the top position has no partner: it moves up unchanged
            g[k * width + half] = tree.g[k * tree.width + tree.width - 1];
            e[k * width + half] = tree.e[k * tree.width + tree.width - 1];
          }
        }
        // An odd top position must stay the most significant: pairs are (2j+1, 2j).
        tree.g = std::move(g);
        tree.e = std::move(e);
        tree.width = width;
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (m == 0) p_.constant(low.subspan(k, 1), 0);
      else low[k] = trees[0].g[k];
      full[k] = trees[1].g[k];
    }
  }

  // out[k] = AND of the `width` bits values[k*width ..]: a product tree.
  void and_tree(std::vector<Share>& values, std::size_t n, unsigned width, std::span<Share> out) {
    while (width > 1) {
      const unsigned half = width / 2, odd = width % 2, next_width = half + odd;
      std::vector<Share> left(n * half), right(n * half), products(n * half);
      for (std::size_t k = 0; k < n; ++k)
        for (unsigned j = 0; j < half; ++j) left[k * half + j] = values[k * width + 2 * j], right[k * half + j] = values[k * width + 2 * j + 1];
      p_.mul(products, left, right);
      std::vector<Share> next(n * next_width);
      for (std::size_t k = 0; k < n; ++k) {
        for (unsigned j = 0; j < half; ++j) next[k * next_width + j] = products[k * half + j];
        if (odd) next[k * next_width + half] = values[k * width + width - 1];
      }
      values = std::move(next);
      width = next_width;
    }
    std::copy(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), out.begin());
  }

  P& p_;
};

}  // namespace mpvm::protocols::generic
