// TCP channels between every pair of parties. Party i listens; it connects to every
// party j < i and accepts every party j > i, so with listeners bound first nobody waits
// on anybody in a cycle. Each connection starts with a handshake that compares party
// numbers and a fingerprint of (protocol, program): parties running different programs
// stop before computing anything. Messages are an 8-byte little-endian length, then the
// payload, which is read straight into the caller's buffer.
//
// Optionally the channel emulates a slower network (LinkShaping): `mpvm bench --network
// lan|wan` uses it to price protocols on links other than loopback.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "protocols/net/endpoint.h"
#include "protocols/net/socket.h"
#include "protocols/net/transport.h"

namespace mpvm::net {

using Fingerprint = std::array<uint8_t, 32>;

// An emulated link between every pair of parties, done in this channel layer because
// real shaping (tc netem in network namespaces) needs root. Each message is held back
// until it would have arrived on the emulated link: it leaves when the sender's link to
// that peer is free, occupies it for (bytes on the wire) / bandwidth, and arrives one-way
// latency later. So a round in which every party sends costs one-way latency plus the
// largest message's transmission time; back-to-back messages queue on the link.
// The sender stamps each message with its arrival time (8 bytes after the length, not
// counted: a real network would not carry it) on the steady clock, so the parties must
// share that clock: they must run on one machine, as `mpvm bench` runs them. Not
// modelled: TCP's slow start and congestion control, loss, jitter. Both ends of every
// connection must use the same shaping (the launcher puts it into the fingerprint).
struct LinkShaping {
  double one_way_latency_seconds = 0;
  double bandwidth_bytes_per_second = 0;  // 0: unlimited
  bool active() const { return one_way_latency_seconds > 0 || bandwidth_bytes_per_second > 0; }
};

struct TcpOptions {
  double timeout_seconds = 60;  // a peer silent for this long ends the run
  Fingerprint fingerprint{};
  LinkShaping shaping;          // none by default
};

class TcpTransport final : public Transport {
 public:
  // `listener`: this party's listening socket, already bound (the launcher's), or empty
  // to bind hosts[party]'s port on every interface.
  TcpTransport(int party, std::vector<Endpoint> hosts, FileDescriptor listener, const TcpOptions& options);

 protected:
  void do_exchange(std::span<const Outgoing> sends, std::span<const Incoming> receives) override;
  std::size_t framing_bytes() const override { return 8; }

 private:
  std::string describe(int peer) const;
  [[noreturn]] void fail(int peer, const std::string& what) const;
  // Shaping: when a message of `wire_bytes` sent to `peer` now arrives on the emulated
  // link, in steady-clock nanoseconds; advances that link's busy-until time.
  int64_t emulated_arrival(int peer, std::size_t wire_bytes);

  std::vector<Endpoint> hosts_;
  std::vector<FileDescriptor> sockets_;  // indexed by peer; empty at this party's own index
  int timeout_ms_;
  LinkShaping shaping_;
  std::vector<std::chrono::steady_clock::time_point> link_free_at_;  // per peer, with shaping
};

}  // namespace mpvm::net
