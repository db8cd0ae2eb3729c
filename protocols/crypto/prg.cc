#include "protocols/crypto/prg.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <openssl/evp.h>
#include <sodium.h>

#include "base/errors.h"

namespace mpvm::crypto {

PrgKey random_key() {
  if (sodium_init() < 0) throw Error("libsodium failed to initialise");
  PrgKey key;
  randombytes_buf(key.data(), key.size());
  return key;
}

Prg::Prg(const PrgKey& key) : context_(EVP_CIPHER_CTX_new()) {
  const uint8_t zero_iv[16] = {};
  if (context_ == nullptr ||
      EVP_EncryptInit_ex(static_cast<EVP_CIPHER_CTX*>(context_), EVP_aes_128_ctr(), nullptr, key.data(), zero_iv) != 1)
    throw Error("OpenSSL: cannot set up AES-128-CTR");
}

Prg::~Prg() { EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(context_)); }

Prg::Prg(Prg&& other) noexcept : context_(std::exchange(other.context_, nullptr)) {}

Prg& Prg::operator=(Prg&& other) noexcept {
  std::swap(context_, other.context_);
  return *this;
}

void Prg::fill(std::span<uint8_t> out) {
  // CTR mode: the keystream is the encryption of zeros. Encrypting from a constant zero
  // block into `out` writes each byte once (no memset pass).
  static const uint8_t kZeros[1 << 14] = {};
  std::size_t done = 0;
  while (done < out.size()) {
    const int chunk = static_cast<int>(std::min(out.size() - done, sizeof kZeros));
    int written = 0;
    if (EVP_EncryptUpdate(static_cast<EVP_CIPHER_CTX*>(context_), out.data() + done, &written, kZeros, chunk) != 1)
      throw Error("OpenSSL: AES-128-CTR failed");
    done += static_cast<std::size_t>(written);
  }
}

}  // namespace mpvm::crypto
