// Party-to-party communication. A protocol speaks in rounds: in one call to exchange()
// it hands over everything it sends and everything it expects to receive in that round;
// all of it progresses together, so a round costs one network round trip however many
// peers and bytes it involves, and two parties that send to each other at once cannot
// deadlock. Counters (bytes, rounds) live here, per phase, not in the protocols.
//
// Implementations: TcpTransport (separate processes, loopback or real hosts) and
// MemoryTransport (all parties as threads of one process, for tests), after MOTION's
// transport/dummy-transport split.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "protocols/core/statistics.h"

namespace mpvm::net {

struct Outgoing {
  int peer;
  std::span<const uint8_t> data;
};

struct Incoming {
  int peer;
  std::span<uint8_t> data;  // the message must have exactly this length
};

// Phases are counted separately: setup (connecting, key exchange), offline
// (preprocessing), online (the program).
enum class Phase : int { setup = 0, offline = 1, online = 2 };
inline constexpr int kPhaseCount = 3;
const char* phase_name(Phase phase);

template <class T>
std::span<const uint8_t> as_bytes(std::span<const T> words) {
  return {reinterpret_cast<const uint8_t*>(words.data()), words.size_bytes()};
}
template <class T>
std::span<uint8_t> as_writable_bytes(std::span<T> words) {
  return {reinterpret_cast<uint8_t*>(words.data()), words.size_bytes()};
}

class Transport {
 public:
  Transport(int party, int parties) : party_(party), parties_(parties) {}
  virtual ~Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int party() const { return party_; }
  int parties() const { return parties_; }

  // One round. At most one send and one receive per peer. Throws NetworkError naming
  // the peer if it disconnects, stalls past the timeout, or sends a message of the
  // wrong length (the parties are out of step).
  void exchange(std::span<const Outgoing> sends, std::span<const Incoming> receives);

  // Shorthands for the common single-message rounds.
  void send(int peer, std::span<const uint8_t> data) { exchange(std::array{Outgoing{peer, data}}, {}); }
  void receive(int peer, std::span<uint8_t> data) { exchange({}, std::array{Incoming{peer, data}}); }

  // Switching phase also charges the time since the last switch to the phase left, so a
  // back-end that interleaves preprocessing with the program gets both timed apart.
  void set_phase(Phase phase);
  Phase phase() const { return phase_; }
  // Wall-clock seconds spent in a phase so far (the current phase up to now).
  double seconds(Phase phase) const;
  const protocols::CommunicationCounters& counters(Phase phase) const { return counters_[static_cast<int>(phase)]; }
  protocols::CommunicationCounters total() const;

 protected:
  virtual void do_exchange(std::span<const Outgoing> sends, std::span<const Incoming> receives) = 0;
  // Bytes on the wire per message beyond its payload (the length prefix), for counting.
  virtual std::size_t framing_bytes() const = 0;

 private:
  int party_;
  int parties_;
  Phase phase_ = Phase::setup;
  std::array<protocols::CommunicationCounters, kPhaseCount> counters_{};
  std::array<double, kPhaseCount> seconds_{};
  std::chrono::steady_clock::time_point phase_started_ = std::chrono::steady_clock::now();
};

}  // namespace mpvm::net
