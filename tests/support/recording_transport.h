// Test support for privacy checks: a transport that forwards everything to a real one and
// records every 64-bit word its party receives, and the check that such words look
// uniform.
#pragma once

#include <cmath>
#include <cstring>
#include <memory>
#include <span>
#include <thread>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/net/memory_transport.h"
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

// Every bit position of `words` is 1 about half the time (within 5 sigma): what a party
// receives must look uniform whatever the secrets are. For a constant secret, an
// unmasked share (e.g. a product's cross terms on zero inputs) would be all zeros.
inline void expect_every_bit_balanced(const std::vector<uint64_t>& words, const std::string& what) {
  ASSERT_GT(words.size(), 1000u) << what;
  const double n = static_cast<double>(words.size()), sigma = std::sqrt(n / 4);
  for (int bit = 0; bit < 64; ++bit) {
    double ones = 0;
    for (uint64_t w : words) ones += (w >> bit) & 1;
    EXPECT_NEAR(ones, n / 2, 5 * sigma) << what << ", bit " << bit;
  }
}

// Every whole word party 1 receives while `Protocol` (built on each party's transport)
// computes `operation` ("mul", "ltz", "eqz" or "trunc") on `lanes` copies of `secret`,
// input by party 0 — the input's own messages left out.
template <class Protocol>
std::vector<uint64_t> words_seen_by_party_1(int parties, int64_t secret, const std::string& operation,
                                            std::size_t lanes) {
  net::MemoryNetwork network(parties, 30);
  std::vector<uint64_t> seen;
  std::vector<std::thread> threads;
  for (int party = 0; party < parties; ++party)
    threads.emplace_back([&, party] {
      RecordingTransport transport(network.transport(party));
      Protocol protocol(transport);
      const std::vector<int64_t> values(lanes, secret);
      std::vector<typename Protocol::Share> x(lanes), y(lanes);
      protocol.input(0, x, party == 0 ? std::span<const int64_t>(values) : std::span<const int64_t>());
      transport.received.clear();
      if (operation == "mul") protocol.mul(y, x, x);
      if (operation == "ltz") protocol.ltz(y, x, 64);
      if (operation == "eqz") protocol.eqz(y, x, 64);
      if (operation == "trunc") protocol.trunc(y, x, 16, 40);
      if (party == 1) seen = transport.received;
    });
  for (auto& t : threads) t.join();
  return seen;
}

}  // namespace mpvm::testing
