// Oblivious transfer between this party and each peer, both directions, shared by
// everything in semi2k that consumes OTs (triples, the two-party comparison). Each use
// of an OT hashes under a fresh tweak; the running counters keep both ends in step.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "protocols/net/transport.h"
#include "protocols/ot/ot_setup.h"

namespace mpvm::protocols::semi2k {

struct PeerOts {
  ot::OtPair pair;                // pair.sender: this party sends; pair.receiver: it receives
  uint64_t sender_tweak = 0;      // hash tweaks used so far as sender towards the peer
  uint64_t receiver_tweak = 0;    // ... and as receiver from it

  // The next `count` tweaks of one direction.
  uint64_t take_sender_tweaks(uint64_t count) { return std::exchange(sender_tweak, sender_tweak + count); }
  uint64_t take_receiver_tweaks(uint64_t count) { return std::exchange(receiver_tweak, receiver_tweak + count); }
};

// Indexed by party; empty at this party. Base OTs with all peers in the same rounds.
using PeerOtTable = std::vector<std::optional<PeerOts>>;

inline PeerOtTable setup_peer_ots(net::Transport& transport, unsigned softspoken_k) {
  std::vector<int> peers;
  for (int peer = 0; peer < transport.parties(); ++peer)
    if (peer != transport.party()) peers.push_back(peer);
  std::vector<ot::OtPair> pairs = ot::setup_ot_pairs(transport, peers, softspoken_k);
  PeerOtTable table(static_cast<std::size_t>(transport.parties()));
  for (std::size_t k = 0; k < peers.size(); ++k) table[static_cast<std::size_t>(peers[k])].emplace(PeerOts{std::move(pairs[k])});
  return table;
}

}  // namespace mpvm::protocols::semi2k
