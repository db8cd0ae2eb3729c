#include "protocols/net/memory_transport.h"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::net {

class MemoryTransport final : public Transport {
 public:
  MemoryTransport(MemoryNetwork& network, int party) : Transport(party, network.parties()), network_(network) {}
  ~MemoryTransport() override { network_.disconnect(party()); }

 protected:
  // Sends never block (the queues are unbounded), so exchanges cannot deadlock.
  void do_exchange(std::span<const Outgoing> sends, std::span<const Incoming> receives) override {
    std::unique_lock lock(network_.mutex_);
    for (const Outgoing& out : sends)
      network_.queue(party(), out.peer).messages.emplace_back(out.data.begin(), out.data.end());
    network_.changed_.notify_all();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(network_.timeout_seconds_);
    for (const Incoming& in : receives) {
      auto& messages = network_.queue(in.peer, party()).messages;
      const bool arrived = network_.changed_.wait_until(lock, deadline, [&] { return !messages.empty() || network_.gone_[in.peer]; });
      if (messages.empty()) {
        throw NetworkError(fmt::format("party {}: party {} {}", party(), in.peer,
                                       arrived ? "closed the connection" : "sent nothing before the timeout"));
      }
      const std::vector<uint8_t>& message = messages.front();
      if (message.size() != in.data.size())
        throw NetworkError(fmt::format("party {}: party {} sent a message of {} bytes where {} were expected", party(),
                                       in.peer, message.size(), in.data.size()));
      if (!message.empty()) std::memcpy(in.data.data(), message.data(), message.size());  // empty: no pointers to copy between
      messages.pop_front();
    }
  }
  std::size_t framing_bytes() const override { return 8; }  // as TCP, so counts agree

 private:
  MemoryNetwork& network_;
};

MemoryNetwork::MemoryNetwork(int parties, double timeout_seconds)
    : parties_(parties), timeout_seconds_(timeout_seconds), queues_(static_cast<std::size_t>(parties * parties)), gone_(parties) {}

std::unique_ptr<Transport> MemoryNetwork::transport(int party) { return std::make_unique<MemoryTransport>(*this, party); }

void MemoryNetwork::disconnect(int party) {
  std::lock_guard lock(mutex_);
  gone_[party] = true;
  changed_.notify_all();
}

}  // namespace mpvm::net
