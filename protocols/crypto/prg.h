// A pseudo-random generator: AES-128 in counter mode (OpenSSL, AES-NI where the CPU has
// it). Two parties holding the same key draw the same stream, which is what replicated
// sharing uses for zero-sharings, random values and re-sharing without messages
// (Araki et al., CCS 2016, §2.2 "correlated randomness").
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace mpvm::crypto {

using PrgKey = std::array<uint8_t, 16>;

// A fresh key from the operating system (libsodium randombytes_buf).
PrgKey random_key();

class Prg {
 public:
  explicit Prg(const PrgKey& key);
  ~Prg();
  Prg(const Prg&) = delete;
  Prg& operator=(const Prg&) = delete;
  Prg(Prg&& other) noexcept;
  Prg& operator=(Prg&& other) noexcept;

  // Fills `out` with the next bytes of the stream.
  void fill(std::span<uint8_t> out);
  // Fills `out` with the next 8·n bytes read as little-endian 64-bit words.
  void fill(std::span<uint64_t> out) {
    fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes()));
  }
  uint64_t next_word() {
    uint64_t word;
    fill(std::span<uint64_t>(&word, 1));
    return word;
  }

 private:
  void* context_;  // EVP_CIPHER_CTX, opaque here so callers need no OpenSSL headers
};

}  // namespace mpvm::crypto
