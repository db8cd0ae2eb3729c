// Base oblivious transfers: Chou and Orlandi, "The simplest protocol for oblivious
// transfer", LATINCRYPT 2015 (§3, Fig. 1), over the prime-order group ristretto255
// (libsodium), as random OTs: the sender ends with key pairs (k0_j, k1_j), the receiver
// with choice bits c_j ends with k_{c_j}; both know nothing else about the other side.
// These are the public-key OTs OT extension (softspoken.h) starts from: 128 per ordered
// pair of parties, once, in the setup phase.
//
// Every pair of parties needs base OTs in both directions, so the functions here run both
// directions at once: two rounds (`Transport::exchange` calls) in all, whatever the count,
// and with several peers still two rounds.
//
// Threat model: semi-honest. Points received are still checked: one that is not a valid
// ristretto255 encoding (or is the identity) aborts with ProtocolAbort naming the peer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/net/transport.h"
#include "protocols/ot/block.h"

namespace mpvm::ot {

using KeyPair = std::array<Block, 2>;  // (k0, k1)

struct BaseOtResult {
  std::vector<KeyPair> sender_keys;  // this party as sender towards the peer: (k0_j, k1_j)
  std::vector<Block> receiver_keys;  // this party as receiver from the peer: k_{c_j}
};

// `count` random OTs in each direction between this party and `peer`. `my_choices`
// holds the count choice bits this party uses as receiver (packed, at least
// words_for_bits(count) words). The peer must call it with the same count.
BaseOtResult run_base_ots_both_ways(net::Transport& transport, int peer, std::size_t count,
                                    std::span<const uint64_t> my_choices);

// The same with several peers in the same two rounds; result i belongs to peers[i].
struct BaseOtPeer {
  int peer;
  std::span<const uint64_t> my_choices;
};
std::vector<BaseOtResult> run_base_ots_both_ways(net::Transport& transport, std::span<const BaseOtPeer> peers,
                                                 std::size_t count);

// Bytes of the messages: round 1 carries the sender's point A, round 2 the receiver's
// points B_j (32 bytes each).
inline constexpr std::size_t kPointBytes = 32;
inline constexpr std::size_t base_ot_round2_bytes(std::size_t count) { return count * kPointBytes; }

}  // namespace mpvm::ot
