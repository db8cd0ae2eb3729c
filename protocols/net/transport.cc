#include "protocols/net/transport.h"

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::net {

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::setup: return "setup";
    case Phase::offline: return "offline";
    case Phase::online: return "online";
  }
  return "?";
}

void Transport::exchange(std::span<const Outgoing> sends, std::span<const Incoming> receives) {
  if (sends.empty() && receives.empty()) return;
  uint64_t peers_sent = 0, peers_received = 0;  // bit masks: one message per peer and direction
  protocols::CommunicationCounters& counters = counters_[static_cast<int>(phase_)];
  for (const Outgoing& out : sends) {
    if (out.peer < 0 || out.peer >= parties_ || out.peer == party_ || (peers_sent >> out.peer & 1))
      throw Error(fmt::format("transport: bad send to party {} from party {}", out.peer, party_));
    peers_sent |= uint64_t{1} << out.peer;
    counters.bytes_sent += out.data.size() + framing_bytes();
  }
  for (const Incoming& in : receives) {
    if (in.peer < 0 || in.peer >= parties_ || in.peer == party_ || (peers_received >> in.peer & 1))
      throw Error(fmt::format("transport: bad receive from party {} at party {}", in.peer, party_));
    peers_received |= uint64_t{1} << in.peer;
    counters.bytes_received += in.data.size() + framing_bytes();
  }
  ++counters.rounds;
  do_exchange(sends, receives);
}

void Transport::set_phase(Phase phase) {
  const auto now = std::chrono::steady_clock::now();
  seconds_[static_cast<int>(phase_)] += std::chrono::duration<double>(now - phase_started_).count();
  phase_started_ = now;
  phase_ = phase;
}

double Transport::seconds(Phase phase) const {
  double total = seconds_[static_cast<int>(phase)];
  if (phase == phase_) total += std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_started_).count();
  return total;
}

protocols::CommunicationCounters Transport::total() const {
  protocols::CommunicationCounters sum;
  for (const auto& c : counters_) sum += c;
  return sum;
}

}  // namespace mpvm::net
