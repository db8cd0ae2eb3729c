#include "protocols/ot/base_ot.h"

#include <string_view>

#include <fmt/format.h>
#include <sodium.h>

#include "base/errors.h"

namespace mpvm::ot {
namespace {

using Point = std::array<uint8_t, kPointBytes>;
using Scalar = std::array<uint8_t, crypto_core_ristretto255_SCALARBYTES>;

static_assert(crypto_core_ristretto255_BYTES == kPointBytes);

void initialise_sodium() {
  if (sodium_init() < 0) throw Error("base OT: libsodium failed to initialise");
}

// The key of OT j: a hash of the shared point with the whole context, so that keys of
// different OTs, directions and sessions are independent (Chou-Orlandi §3 hash the
// transcript (S, R) with the point; the OT index and the two party numbers separate
// the OTs of one batch and the two directions of a pair).
Block derive_key(int sender, int receiver, uint64_t index, const Point& a, const Point& b, const Point& shared) {
  static constexpr std::string_view kDomain = "mpvm/ot/base/chou-orlandi/v1";
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof(Block));
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kDomain.data()), kDomain.size());
  const uint64_t header[3] = {static_cast<uint64_t>(sender), static_cast<uint64_t>(receiver), index};
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(header), sizeof header);
  crypto_generichash_update(&state, a.data(), a.size());
  crypto_generichash_update(&state, b.data(), b.size());
  crypto_generichash_update(&state, shared.data(), shared.size());
  uint8_t out[sizeof(Block)];
  crypto_generichash_final(&state, out, sizeof out);
  return Block::load(out);
}

[[noreturn]] void reject_point(int me, int peer, std::string_view which) {
  throw ProtocolAbort(
      fmt::format("base OT at party {}: party {} sent an invalid ristretto255 point ({})", me, peer, which));
}

// Chou-Orlandi sender towards one peer. Step 1: a random, A = a·G (sent). Step 3: on
// receiving B_j, k0_j = H(a·B_j) and k1_j = H(a·B_j − a·A) = H(a·(B_j − A)).
class Sender {
 public:
  Sender(int me, int peer) : me_(me), peer_(peer) {
    crypto_core_ristretto255_scalar_random(a_.data());
    if (crypto_scalarmult_ristretto255_base(a_point_.data(), a_.data()) != 0 ||
        crypto_scalarmult_ristretto255(a_times_a_.data(), a_.data(), a_point_.data()) != 0)
      throw Error("base OT: a random scalar was zero");  // probability 2^-252
  }
  ~Sender() { sodium_memzero(a_.data(), a_.size()); }
  Sender(Sender&&) = default;
  const Point& first_message() const { return a_point_; }

  std::vector<KeyPair> keys(std::span<const uint8_t> receiver_message, std::size_t count) const {
    std::vector<KeyPair> keys(count);
    for (std::size_t j = 0; j < count; ++j) {
      Point b, shared0, shared1;
      std::memcpy(b.data(), receiver_message.data() + j * kPointBytes, kPointBytes);
      // libsodium returns -1 for an invalid encoding and for an identity result (B = 0).
      if (crypto_scalarmult_ristretto255(shared0.data(), a_.data(), b.data()) != 0)
        reject_point(me_, peer_, fmt::format("B of OT {}", j));
      if (crypto_core_ristretto255_sub(shared1.data(), shared0.data(), a_times_a_.data()) != 0)
        reject_point(me_, peer_, fmt::format("B of OT {}", j));
      keys[j][0] = derive_key(me_, peer_, j, a_point_, b, shared0);
      keys[j][1] = derive_key(me_, peer_, j, a_point_, b, shared1);
    }
    return keys;
  }

 private:
  int me_, peer_;
  Scalar a_;
  Point a_point_;    // A = a·G
  Point a_times_a_;  // T = a·A
};

// Chou-Orlandi receiver from one peer. Step 2: on receiving A, b_j random,
// B_j = b_j·G + c_j·A (sent), and k_{c_j} = H(b_j·A), since a·B_j − c_j·a·A = a·b_j·G.
class Receiver {
 public:
  Receiver(int me, int peer, std::span<const uint64_t> choices, std::size_t count)
      : me_(me), peer_(peer), choices_(choices), b_(count) {
    if (choices.size() < words_for_bits(count))
      throw Error(fmt::format("base OT: {} choice bits given for {} OTs", choices.size() * 64, count));
  }

  // Writes the B_j into `message` and keeps the keys.
  void respond(const Point& a_point, std::span<uint8_t> message) {
    a_point_ = a_point;
    if (crypto_core_ristretto255_is_valid_point(a_point.data()) != 1) reject_point(me_, peer_, "A");
    keys_.resize(b_.size());
    for (std::size_t j = 0; j < b_.size(); ++j) {
      crypto_core_ristretto255_scalar_random(b_[j].data());
      Point without_a, with_a, shared;
      if (crypto_scalarmult_ristretto255_base(without_a.data(), b_[j].data()) != 0)
        throw Error("base OT: a random scalar was zero");
      crypto_core_ristretto255_add(with_a.data(), without_a.data(), a_point.data());
      // Select B_j without branching on the choice bit.
      const uint8_t mask = static_cast<uint8_t>(0 - static_cast<uint8_t>(get_bit(choices_, j)));
      Point b;
      for (std::size_t i = 0; i < kPointBytes; ++i)
        b[i] = static_cast<uint8_t>(without_a[i] ^ (mask & (without_a[i] ^ with_a[i])));
      std::memcpy(message.data() + j * kPointBytes, b.data(), kPointBytes);
      // -1 here means A is the identity: no key would be secret.
      if (crypto_scalarmult_ristretto255(shared.data(), b_[j].data(), a_point.data()) != 0)
        reject_point(me_, peer_, "A is the identity");
      keys_[j] = derive_key(peer_, me_, j, a_point_, b, shared);
    }
    sodium_memzero(b_.data(), b_.size() * sizeof(Scalar));
  }
  std::vector<Block> take_keys() { return std::move(keys_); }

 private:
  int me_, peer_;
  std::span<const uint64_t> choices_;
  std::vector<Scalar> b_;
  Point a_point_{};
  std::vector<Block> keys_;
};

}  // namespace

std::vector<BaseOtResult> run_base_ots_both_ways(net::Transport& transport, std::span<const BaseOtPeer> peers,
                                                 std::size_t count) {
  initialise_sodium();
  const int me = transport.party();
  std::vector<Sender> senders;
  std::vector<Receiver> receivers;
  senders.reserve(peers.size());
  receivers.reserve(peers.size());
  for (const BaseOtPeer& p : peers) {
    senders.emplace_back(me, p.peer);
    receivers.emplace_back(me, p.peer, p.my_choices, count);
  }

  // Round 1: each side's A, for the direction in which it is the sender.
  std::vector<Point> their_a(peers.size());
  std::vector<net::Outgoing> sends;
  std::vector<net::Incoming> receives;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    sends.push_back({peers[i].peer, senders[i].first_message()});
    receives.push_back({peers[i].peer, their_a[i]});
  }
  transport.exchange(sends, receives);

  // Round 2: each side's B_j, for the direction in which it is the receiver.
  std::vector<std::vector<uint8_t>> my_b(peers.size(), std::vector<uint8_t>(base_ot_round2_bytes(count)));
  std::vector<std::vector<uint8_t>> their_b(peers.size(), std::vector<uint8_t>(base_ot_round2_bytes(count)));
  sends.clear();
  receives.clear();
  for (std::size_t i = 0; i < peers.size(); ++i) {
    receivers[i].respond(their_a[i], my_b[i]);
    sends.push_back({peers[i].peer, my_b[i]});
    receives.push_back({peers[i].peer, their_b[i]});
  }
  transport.exchange(sends, receives);

  std::vector<BaseOtResult> results(peers.size());
  for (std::size_t i = 0; i < peers.size(); ++i) {
    results[i].sender_keys = senders[i].keys(their_b[i], count);
    results[i].receiver_keys = receivers[i].take_keys();
  }
  return results;
}

BaseOtResult run_base_ots_both_ways(net::Transport& transport, int peer, std::size_t count,
                                    std::span<const uint64_t> my_choices) {
  const BaseOtPeer only{peer, my_choices};
  return std::move(run_base_ots_both_ways(transport, std::span(&only, 1), count)[0]);
}

}  // namespace mpvm::ot
