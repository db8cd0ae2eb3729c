// All parties in one process, one thread each, messages through queues: lets every
// protocol be unit-tested with n parties in one test binary, fast and deterministic.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "protocols/net/transport.h"

namespace mpvm::net {

class MemoryNetwork {
 public:
  explicit MemoryNetwork(int parties, double timeout_seconds = 60);
  int parties() const { return parties_; }
  // The transport of one party; each is used from its own thread.
  std::unique_ptr<Transport> transport(int party);
  // Marks a party as gone: its peers' receives from it fail (tests of a dead peer).
  void disconnect(int party);

 private:
  friend class MemoryTransport;
  struct Queue {
    std::deque<std::vector<uint8_t>> messages;
  };
  Queue& queue(int from, int to) { return queues_[static_cast<std::size_t>(from * parties_ + to)]; }

  int parties_;
  double timeout_seconds_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Queue> queues_;
  std::vector<bool> gone_;
};

}  // namespace mpvm::net
