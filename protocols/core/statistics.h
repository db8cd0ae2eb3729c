// What a party counts about its communication. Kept by the transport in networked
// back-ends; emulate sends nothing and reports zeros.
#pragma once

#include <cstdint>

namespace mpvm::protocols {

struct CommunicationCounters {
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t rounds = 0;

  CommunicationCounters& operator+=(const CommunicationCounters& o) {
    bytes_sent += o.bytes_sent;
    bytes_received += o.bytes_received;
    rounds += o.rounds;
    return *this;
  }
  friend CommunicationCounters operator-(CommunicationCounters a, const CommunicationCounters& b) {
    a.bytes_sent -= b.bytes_sent;
    a.bytes_received -= b.bytes_received;
    a.rounds -= b.rounds;
    return a;
  }
};

}  // namespace mpvm::protocols
