#include "protocols/ot/correlation_robust_hash.h"

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/ot/aes_ni.h"

namespace mpvm::ot {
namespace {

constexpr std::array<uint8_t, 16> kFixedKey = {0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3, 0x08, 0xd3,
                                               0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x44};

const aes::RoundKeys& round_keys() {
  static const aes::RoundKeys keys = aes::expand_key(kFixedKey.data());
  return keys;
}

// σ(yL ‖ yR) = (yL ⊕ yR) ‖ yL, with yR the low 64-bit lane: swap the lanes, then XOR
// yL into the high lane.
MPVM_AES_TARGET inline __m128i sigma(__m128i y) {
  const __m128i swapped = _mm_shuffle_epi32(y, 0x4e);
  const __m128i high_only = _mm_and_si128(y, _mm_set_epi64x(-1, 0));
  return _mm_xor_si128(swapped, high_only);
}

MPVM_AES_TARGET inline __m128i load(const Block& b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(&b)); }
MPVM_AES_TARGET inline void store(Block& b, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(&b), v); }

// out[j] = H(x[j] ⊕ offset, tweak_base + j) for j < N.
template <int N>
MPVM_AES_TARGET inline void hash_group(const aes::RoundKeys& k, const Block* x, __m128i offset, uint64_t tweak_base,
                                       Block* out) {
  __m128i masked[N], encrypted[N];
  for (int b = 0; b < N; ++b) {
    const __m128i tweak = _mm_set_epi64x(0, static_cast<long long>(tweak_base + static_cast<uint64_t>(b)));
    masked[b] = sigma(_mm_xor_si128(_mm_xor_si128(load(x[b]), offset), tweak));
    encrypted[b] = masked[b];
  }
  aes::encrypt<N>(k, encrypted);
  for (int b = 0; b < N; ++b) store(out[b], _mm_xor_si128(encrypted[b], masked[b]));
}

// The same on 2·N blocks, two per 256-bit vector (VAES).
template <int N>
MPVM_VAES_TARGET inline void hash_group_wide(const aes::RoundKeys& k, const Block* x, __m256i offset,
                                             uint64_t tweak_base, Block* out) {
  __m256i masked[N], encrypted[N];
  __m256i tweaks = _mm256_set_epi64x(0, static_cast<long long>(tweak_base + 1), 0, static_cast<long long>(tweak_base));
  const __m256i two = _mm256_set_epi64x(0, 2, 0, 2);
  for (int b = 0; b < N; ++b, tweaks = _mm256_add_epi64(tweaks, two)) {
    const __m256i y = _mm256_xor_si256(
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 2 * b)), offset), tweaks);
    // σ in each 128-bit lane.
    masked[b] = _mm256_xor_si256(_mm256_shuffle_epi32(y, 0x4e), _mm256_and_si256(y, _mm256_set_epi64x(-1, 0, -1, 0)));
    encrypted[b] = masked[b];
  }
  aes::encrypt_wide<N>(k, encrypted);
  for (int b = 0; b < N; ++b)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * b), _mm256_xor_si256(encrypted[b], masked[b]));
}

// Hashes the whole groups of 16 blocks it can; returns how many blocks it did.
MPVM_VAES_TARGET std::size_t hash_wide(const aes::RoundKeys& k, std::span<const Block> x, Block offset,
                                       uint64_t tweak_base, std::span<Block> out) {
  constexpr std::size_t kInFlight = 16;
  const __m256i offsets = _mm256_broadcastsi128_si256(load(offset));
  std::size_t j = 0;
  for (; j + kInFlight <= x.size(); j += kInFlight)
    hash_group_wide<kInFlight / 2>(k, x.data() + j, offsets, tweak_base + j, out.data() + j);
  return j;
}

}  // namespace

const std::array<uint8_t, 16>& fixed_aes_key() { return kFixedKey; }

MPVM_AES_TARGET Block fixed_key_aes(Block x) {
  __m128i v = load(x);
  aes::encrypt<1>(round_keys(), &v);
  Block out;
  store(out, v);
  return out;
}

Block correlation_robust_hash(Block x, uint64_t tweak) {
  Block out;
  correlation_robust_hash(std::span(&x, 1), Block{}, tweak, std::span(&out, 1));
  return out;
}

MPVM_AES_TARGET void correlation_robust_hash(std::span<const Block> x, Block offset, uint64_t tweak_base,
                                             std::span<Block> out) {
  if (out.size() < x.size())
    throw Error(fmt::format("correlation_robust_hash: {} outputs for {} inputs", out.size(), x.size()));
  const aes::RoundKeys& k = round_keys();
  const __m128i offset_vector = load(offset);
  constexpr std::size_t kInFlight = 8;
  std::size_t j = aes::cpu_has_vaes() ? hash_wide(k, x, offset, tweak_base, out) : 0;
  for (; j + kInFlight <= x.size(); j += kInFlight)
    hash_group<kInFlight>(k, x.data() + j, offset_vector, tweak_base + j, out.data() + j);
  for (; j < x.size(); ++j) hash_group<1>(k, x.data() + j, offset_vector, tweak_base + j, out.data() + j);
}

}  // namespace mpvm::ot
