// TCP channels between every pair of parties. Party i listens; it connects to every
// party j < i and accepts every party j > i, so with listeners bound first nobody waits
// on anybody in a cycle. Each connection starts with a handshake that compares party
// numbers and a fingerprint of (protocol, program): parties running different programs
// stop before computing anything. Messages are an 8-byte little-endian length, then the
// payload, which is read straight into the caller's buffer.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "protocols/net/endpoint.h"
#include "protocols/net/socket.h"
#include "protocols/net/transport.h"

namespace mpvm::net {

using Fingerprint = std::array<uint8_t, 32>;

struct TcpOptions {
  double timeout_seconds = 60;  // a peer silent for this long ends the run
  Fingerprint fingerprint{};
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

  std::vector<Endpoint> hosts_;
  std::vector<FileDescriptor> sockets_;  // indexed by peer; empty at this party's own index
  int timeout_ms_;
};

}  // namespace mpvm::net
