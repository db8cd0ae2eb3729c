// SHA-256 (OpenSSL), for fingerprints: parties compare the program they run before
// computing anything together.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace mpvm::crypto {

using Digest = std::array<uint8_t, 32>;
Digest sha256(std::span<const uint8_t> data);

}  // namespace mpvm::crypto
