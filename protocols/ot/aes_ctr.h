// The leaf streams of OT extension: AES-128 in counter mode keyed by a leaf seed. The
// stream is exactly what crypto::Prg draws for the same key (zero IV, the 16-byte counter
// incremented as a big-endian number; test_ot.cc compares them), computed here with the
// key schedule expanded once and, where the CPU has VAES, two blocks per instruction,
// sixteen in flight: about twice OpenSSL's rate on this machine. OT extension spends most
// of its time in these streams.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "protocols/ot/block.h"

namespace mpvm::ot {

class AesCtrStream {
 public:
  explicit AesCtrStream(Block key);

  // Writes the next `blocks` 16-byte blocks of the stream to out (16·blocks bytes, any
  // alignment).
  void fill(uint8_t* out, std::size_t blocks);

 private:
  std::array<Block, 11> round_keys_;  // the expanded key (aes_ni.h's RoundKeys)
  uint64_t next_block_ = 0;           // counter of the next block
};

}  // namespace mpvm::ot
