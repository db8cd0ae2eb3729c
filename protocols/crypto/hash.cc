#include "protocols/crypto/hash.h"

#include <openssl/evp.h>

#include "base/errors.h"

namespace mpvm::crypto {

Digest sha256(std::span<const uint8_t> data) {
  Digest digest;
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 || length != digest.size())
    throw Error("OpenSSL: SHA-256 failed");
  return digest;
}

}  // namespace mpvm::crypto
