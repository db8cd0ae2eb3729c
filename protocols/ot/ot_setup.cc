#include "protocols/ot/ot_setup.h"

#include <array>
#include <cstring>

#include <sodium.h>

#include "base/errors.h"
#include "protocols/ot/base_ot.h"
#include "protocols/ot/punctured_prf.h"
#include "protocols/ot/transpose.h"

namespace mpvm::ot {
namespace {

Block random_delta() {
  if (sodium_init() < 0) throw Error("OT setup: libsodium failed to initialise");
  uint8_t bytes[sizeof(Block)];
  randombytes_buf(bytes, sizeof bytes);
  return Block::load(bytes);
}

// The bits of Δ in block i, bit b of the result being bit i·k + b of Δ.
unsigned delta_bits(Block delta, unsigned k, unsigned block) {
  unsigned bits = 0;
  for (unsigned b = 0; b < vole_width(k, block); ++b) bits |= unsigned{delta.bit(block * k + b)} << b;
  return bits;
}

std::size_t correction_pairs(unsigned k) { return kRowsPerBlock - vole_count(k); }

}  // namespace

std::vector<OtPair> setup_ot_pairs(net::Transport& transport, std::span<const int> peers, unsigned k) {
  const unsigned blocks = vole_count(k);  // checks k

  // Rounds 1-2: base OTs. As base-OT receiver this party uses choice bits NOT Δ, so for
  // every tree it learns the keys of the sides the path to its Δ_i avoids.
  std::vector<Block> deltas(peers.size());
  std::vector<std::array<uint64_t, 2>> choices(peers.size());
  std::vector<BaseOtPeer> requests;
  for (std::size_t p = 0; p < peers.size(); ++p) {
    deltas[p] = random_delta();
    choices[p] = {~deltas[p].low, ~deltas[p].high};
    requests.push_back({peers[p], choices[p]});
  }
  std::vector<BaseOtResult> base = run_base_ots_both_ways(transport, requests, kRowsPerBlock);

  // As OT receiver: the full trees, from this party's base-OT sender keys, and their
  // corrections for the peer. Base OT i·k + b serves bit b of tree i.
  std::vector<std::vector<SmallFieldVoleSender>> full(peers.size());
  std::vector<std::vector<KeyPair>> my_corrections(peers.size(), std::vector<KeyPair>(correction_pairs(k)));
  for (std::size_t p = 0; p < peers.size(); ++p) {
    std::size_t used = 0;
    for (unsigned i = 0; i < blocks; ++i) {
      const unsigned width = vole_width(k, i);
      const std::vector<Block> leaves = full_tree_leaves(
          std::span(base[p].sender_keys).subspan(std::size_t{i} * k, width),
          std::span(my_corrections[p]).subspan(used, tree_correction_count(width)));
      used += tree_correction_count(width);
      full[p].emplace_back(leaves);
    }
  }

  // Round 3: the corrections, both directions, all peers.
  std::vector<std::vector<KeyPair>> their_corrections(peers.size(), std::vector<KeyPair>(correction_pairs(k)));
  if (correction_pairs(k) > 0) {
    std::vector<net::Outgoing> sends;
    std::vector<net::Incoming> receives;
    for (std::size_t p = 0; p < peers.size(); ++p) {
      sends.push_back({peers[p], net::as_bytes(std::span<const KeyPair>(my_corrections[p]))});
      receives.push_back({peers[p], net::as_writable_bytes(std::span<KeyPair>(their_corrections[p]))});
    }
    transport.exchange(sends, receives);
  }

  // As OT sender: the punctured trees from the keys received and the peer's corrections.
  std::vector<OtPair> pairs;
  pairs.reserve(peers.size());
  for (std::size_t p = 0; p < peers.size(); ++p) {
    std::vector<SmallFieldVoleReceiver> punctured;
    std::size_t used = 0;
    for (unsigned i = 0; i < blocks; ++i) {
      const unsigned width = vole_width(k, i);
      const unsigned delta_i = delta_bits(deltas[p], k, i);
      const std::vector<Block> leaves = punctured_tree_leaves(
          std::span(base[p].receiver_keys).subspan(std::size_t{i} * k, width), delta_i,
          std::span(their_corrections[p]).subspan(used, tree_correction_count(width)));
      used += tree_correction_count(width);
      punctured.emplace_back(leaves, delta_i);
    }
    pairs.push_back(OtPair{CorrelatedOtSender(k, deltas[p], std::move(punctured)),
                           CorrelatedOtReceiver(k, std::move(full[p]))});
  }
  return pairs;
}

OtPair setup_ot_pair(net::Transport& transport, int peer, unsigned k) {
  return std::move(setup_ot_pairs(transport, std::span(&peer, 1), k)[0]);
}

}  // namespace mpvm::ot
