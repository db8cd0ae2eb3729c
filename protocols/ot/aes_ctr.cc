#include "protocols/ot/aes_ctr.h"

#include <cstring>

#include "protocols/ot/aes_ni.h"

namespace mpvm::ot {
namespace {

// Counter block i: 16 bytes, i big-endian in the last 8 (the first 8 stay zero for the
// 2^64 blocks a stream could ever draw).
MPVM_AES_TARGET inline __m128i counter_block(uint64_t i) {
  return _mm_set_epi64x(static_cast<long long>(__builtin_bswap64(i)), 0);
}

// Sixteen blocks from counter `first` on, two per 256-bit vector.
MPVM_VAES_TARGET void fill_wide(const aes::RoundKeys& k, uint64_t first, uint8_t* out, std::size_t groups) {
  constexpr int kVectors = 8;
  // Per 128-bit lane, the high 8 bytes reversed: little-endian counters to big-endian.
  const __m256i to_big_endian = _mm256_set_epi8(8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 4, 3, 2, 1, 0,  //
                                                8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m256i two = _mm256_set_epi64x(2, 0, 2, 0);
  __m256i counters = _mm256_set_epi64x(static_cast<long long>(first + 1), 0, static_cast<long long>(first), 0);
  for (std::size_t g = 0; g < groups; ++g) {
    __m256i blocks[kVectors];
    for (int v = 0; v < kVectors; ++v, counters = _mm256_add_epi64(counters, two))
      blocks[v] = _mm256_shuffle_epi8(counters, to_big_endian);
    aes::encrypt_wide<kVectors>(k, blocks);
    for (int v = 0; v < kVectors; ++v)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (g * kVectors + v) * 32), blocks[v]);
  }
}

}  // namespace

MPVM_AES_TARGET AesCtrStream::AesCtrStream(Block key) {
  uint8_t bytes[sizeof(Block)];
  key.store(bytes);
  const aes::RoundKeys k = aes::expand_key(bytes);
  std::memcpy(round_keys_.data(), k.key, sizeof k.key);
}

MPVM_AES_TARGET void AesCtrStream::fill(uint8_t* out, std::size_t blocks) {
  aes::RoundKeys k;
  std::memcpy(k.key, round_keys_.data(), sizeof k.key);
  std::size_t done = 0;
  if (aes::cpu_has_vaes()) {
    const std::size_t groups = blocks / 16;
    fill_wide(k, next_block_, out, groups);
    done = groups * 16;
  }
  constexpr int kInFlight = 8;
  for (; done + kInFlight <= blocks; done += kInFlight) {
    __m128i b[kInFlight];
    for (int i = 0; i < kInFlight; ++i) b[i] = counter_block(next_block_ + done + static_cast<uint64_t>(i));
    aes::encrypt<kInFlight>(k, b);
    for (int i = 0; i < kInFlight; ++i)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (done + static_cast<std::size_t>(i)) * 16), b[i]);
  }
  for (; done < blocks; ++done) {
    __m128i b = counter_block(next_block_ + done);
    aes::encrypt<1>(k, &b);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + done * 16), b);
  }
  next_block_ += blocks;
}

}  // namespace mpvm::ot
