// Test support: a transport that forwards everything to a real one and records every
// 64-bit word its party receives, so privacy tests can check what a party sees.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "protocols/net/transport.h"

namespace mpvm::testing {

class RecordingTransport final : public net::Transport {
 public:
  explicit RecordingTransport(std::unique_ptr<net::Transport> inner)
      : Transport(inner->party(), inner->parties()), inner_(std::move(inner)) {}
  std::vector<uint64_t> received;  // whole words only; a message's last partial word is dropped

 protected:
  void do_exchange(std::span<const net::Outgoing> sends, std::span<const net::Incoming> receives) override {
    inner_->exchange(sends, receives);
    for (const net::Incoming& in : receives) {
      const std::size_t start = received.size();
      received.resize(start + in.data.size() / 8);
      std::memcpy(received.data() + start, in.data.data(), (received.size() - start) * 8);
    }
  }
  std::size_t framing_bytes() const override { return 0; }

 private:
  std::unique_ptr<net::Transport> inner_;
};

}  // namespace mpvm::testing
