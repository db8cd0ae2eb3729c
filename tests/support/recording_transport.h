// Test support for privacy checks: a transport that forwards everything to a real one and
// records every 64-bit word its party receives, and the check that such words look
// uniform.
#pragma once

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

}  // namespace mpvm::testing
