// AES-128 encryption with AES-NI, and two blocks per instruction with VAES where the CPU
// has it: the primitive under the correlation-robust hash and the leaf streams. Internal
// to protocols/ot (it exposes intrinsics types).
//
// Every function carries its own target attribute, so the module also builds without
// -march=native; the VAES ones may only run when cpu_has_vaes() (x86-64 CPUs have had
// AES-NI since 2010, VAES since Ice Lake and Zen 3).
#pragma once

#include <array>
#include <cstdint>

#include <immintrin.h>

#define MPVM_AES_TARGET __attribute__((target("aes,sse2,ssse3")))
#define MPVM_VAES_TARGET __attribute__((target("aes,sse2,ssse3,avx2,vaes")))

namespace mpvm::ot::aes {

inline constexpr int kRounds = 10;

struct RoundKeys {
  __m128i key[kRounds + 1];
};

// One step of the AES-128 key expansion (FIPS 197 §5.2) in the form of Intel's AES-NI
// white paper: `assist` is aeskeygenassist(previous, rcon).
MPVM_AES_TARGET inline __m128i expand_step(__m128i previous, __m128i assist) {
  assist = _mm_shuffle_epi32(assist, 0xff);
  previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
  previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
  previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
  return _mm_xor_si128(previous, assist);
}

MPVM_AES_TARGET inline RoundKeys expand_key(const uint8_t* key) {
  RoundKeys k;
  k.key[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
  // The round constant must be an immediate, hence no loop.
  k.key[1] = expand_step(k.key[0], _mm_aeskeygenassist_si128(k.key[0], 0x01));
  k.key[2] = expand_step(k.key[1], _mm_aeskeygenassist_si128(k.key[1], 0x02));
  k.key[3] = expand_step(k.key[2], _mm_aeskeygenassist_si128(k.key[2], 0x04));
  k.key[4] = expand_step(k.key[3], _mm_aeskeygenassist_si128(k.key[3], 0x08));
  k.key[5] = expand_step(k.key[4], _mm_aeskeygenassist_si128(k.key[4], 0x10));
  k.key[6] = expand_step(k.key[5], _mm_aeskeygenassist_si128(k.key[5], 0x20));
  k.key[7] = expand_step(k.key[6], _mm_aeskeygenassist_si128(k.key[6], 0x40));
  k.key[8] = expand_step(k.key[7], _mm_aeskeygenassist_si128(k.key[7], 0x80));
  k.key[9] = expand_step(k.key[8], _mm_aeskeygenassist_si128(k.key[8], 0x1b));
  k.key[10] = expand_step(k.key[9], _mm_aeskeygenassist_si128(k.key[9], 0x36));
  return k;
}

// Encrypts N blocks in place; the rounds of independent blocks overlap in the AES units.
template <int N>
MPVM_AES_TARGET inline void encrypt(const RoundKeys& k, __m128i* blocks) {
  for (int b = 0; b < N; ++b) blocks[b] = _mm_xor_si128(blocks[b], k.key[0]);
  for (int round = 1; round < kRounds; ++round)
    for (int b = 0; b < N; ++b) blocks[b] = _mm_aesenc_si128(blocks[b], k.key[round]);
  for (int b = 0; b < N; ++b) blocks[b] = _mm_aesenclast_si128(blocks[b], k.key[kRounds]);
}

// Encrypts 2·N blocks in place, two per 256-bit vector.
template <int N>
MPVM_VAES_TARGET inline void encrypt_wide(const RoundKeys& k, __m256i* blocks) {
  for (int b = 0; b < N; ++b) blocks[b] = _mm256_xor_si256(blocks[b], _mm256_broadcastsi128_si256(k.key[0]));
  for (int round = 1; round < kRounds; ++round) {
    const __m256i key = _mm256_broadcastsi128_si256(k.key[round]);
    for (int b = 0; b < N; ++b) blocks[b] = _mm256_aesenc_epi128(blocks[b], key);
  }
  const __m256i last = _mm256_broadcastsi128_si256(k.key[kRounds]);
  for (int b = 0; b < N; ++b) blocks[b] = _mm256_aesenclast_epi128(blocks[b], last);
}

inline bool cpu_has_vaes() {
  static const bool has = __builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx2");
  return has;
}

}  // namespace mpvm::ot::aes
