// Setting up OT extension between this party and its peers, in both directions: the
// setup phase of the OT-based back-ends.
//
// For each peer, this party is the OT sender in one instance (it picks a random Δ) and
// the OT receiver in the other (the peer's Δ). Per direction:
//   round 1-2  128 base OTs (base_ot.h): the OT receiver is the base-OT sender, the OT
//              sender the base-OT receiver with choice bits = NOT Δ (bit r for row r);
//   round 3    for k ≥ 2, the OT receiver sends the GGM corrections of its
//              ceil(128 / k) trees (punctured_prf.h): (128 − ceil(128 / k)) · 32 bytes.
// All peers and both directions share these rounds: three exchanges in all (two for
// k = 1), whatever the number of peers. Round 3 cannot be merged into round 2: the base-
// OT sender learns its keys only from the round-2 message, and the corrections are
// encrypted under those keys.
#pragma once

#include <span>
#include <vector>

#include "protocols/net/transport.h"
#include "protocols/ot/softspoken.h"

namespace mpvm::ot {

struct OtPair {
  CorrelatedOtSender sender;      // this party as OT sender towards the peer (holds Δ)
  CorrelatedOtReceiver receiver;  // this party as OT receiver from the peer
};

// Both directions with one peer, k in 1..8 (the peer must pass the same k).
OtPair setup_ot_pair(net::Transport& transport, int peer, unsigned k);

// Both directions with each of `peers`, in the same rounds; result i belongs to peers[i].
std::vector<OtPair> setup_ot_pairs(net::Transport& transport, std::span<const int> peers, unsigned k);

}  // namespace mpvm::ot
