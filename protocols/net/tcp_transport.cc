#include "protocols/net/tcp_transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::net {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kHandshakeMagic[8] = {'M', 'P', 'V', 'M', 'N', 'E', 'T', '1'};

struct Handshake {
  char magic[8];
  uint32_t party;
  uint32_t parties;
  Fingerprint fingerprint;
};
static_assert(sizeof(Handshake) == 48);

int milliseconds_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void tune(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Blocking-style transfer of a small buffer on a non-blocking socket, bounded by a deadline.
bool transfer_all(int fd, uint8_t* data, std::size_t size, bool sending, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = sending ? ::send(fd, data + done, size - done, MSG_NOSIGNAL) : ::recv(fd, data + done, size - done, 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0 && !sending) return false;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    pollfd p{fd, static_cast<short>(sending ? POLLOUT : POLLIN), 0};
    if (::poll(&p, 1, milliseconds_left(deadline)) <= 0) return false;
  }
  return true;
}

// Connects to `endpoint`, retrying while the peer is not listening yet.
FileDescriptor connect_with_retry(const Endpoint& endpoint, Clock::time_point deadline, std::string& last_error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  const std::string service = std::to_string(endpoint.port);
  while (true) {
    addrinfo* found = nullptr;
    if (const int error = getaddrinfo(endpoint.host.c_str(), service.c_str(), &hints, &found); error != 0) {
      last_error = gai_strerror(error);
    } else {
      for (addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
        FileDescriptor fd(::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, candidate->ai_protocol));
        if (!fd) continue;
        int result = ::connect(fd.get(), candidate->ai_addr, candidate->ai_addrlen);
        if (result != 0 && errno == EINPROGRESS) {
          pollfd p{fd.get(), POLLOUT, 0};
          if (::poll(&p, 1, std::max(1, milliseconds_left(deadline))) == 1) {
            int connect_error = 0;
            socklen_t length = sizeof connect_error;
            ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &connect_error, &length);
            result = connect_error == 0 ? 0 : -1;
            errno = connect_error;
          } else {
            errno = ETIMEDOUT;
          }
        }
        if (result == 0) {
          freeaddrinfo(found);
          return fd;
        }
        last_error = std::strerror(errno);
      }
      freeaddrinfo(found);
    }
    if (Clock::now() >= deadline) return FileDescriptor();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

std::string TcpTransport::describe(int peer) const { return fmt::format("party {} ({})", peer, hosts_[peer].to_string()); }

void TcpTransport::fail(int peer, const std::string& what) const {
  throw NetworkError(fmt::format("{} {}", describe(peer), what));
}

TcpTransport::TcpTransport(int party, std::vector<Endpoint> hosts, FileDescriptor listener, const TcpOptions& options)
    : Transport(party, static_cast<int>(hosts.size())),
      hosts_(std::move(hosts)),
      sockets_(hosts_.size()),
      timeout_ms_(static_cast<int>(options.timeout_seconds * 1000)),
      shaping_(options.shaping),
      link_free_at_(hosts_.size()) {
  const int n = parties();
  if (shaping_.one_way_latency_seconds < 0 || shaping_.bandwidth_bytes_per_second < 0)
    throw InputError("network shaping: latency and bandwidth must not be negative");
  if (party < 0 || party >= n) throw InputError(fmt::format("party {} is not listed (the hosts file has {})", party, n));
  if (n > 64) throw InputError("at most 64 parties are supported");
  if (!listener) listener = listen_on("", hosts_[party].port);
  set_nonblocking(listener.get());
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);

  Handshake mine{};
  std::memcpy(mine.magic, kHandshakeMagic, sizeof mine.magic);
  mine.party = static_cast<uint32_t>(party);
  mine.parties = static_cast<uint32_t>(n);
  mine.fingerprint = options.fingerprint;
  auto check_theirs = [&](const Handshake& theirs, int expected_peer) {
    if (std::memcmp(theirs.magic, kHandshakeMagic, sizeof theirs.magic) != 0)
      throw NetworkError("a connection that is not an mpvm party reached this port");
    const int peer = static_cast<int>(theirs.party);
    if (peer < 0 || peer >= n || theirs.parties != mine.parties || (expected_peer >= 0 && peer != expected_peer))
      throw NetworkError(fmt::format("a peer claims to be party {} of {}; expected party {} of {}", theirs.party,
                                     theirs.parties, expected_peer >= 0 ? expected_peer : peer, n));
    if (theirs.fingerprint != mine.fingerprint)
      fail(peer, "runs a different program or protocol (fingerprints differ): every party must run the same .bc");
    return peer;
  };

  // Lower-numbered parties: we connect and speak first.
  for (int peer = 0; peer < party; ++peer) {
    std::string error;
    FileDescriptor fd = connect_with_retry(hosts_[peer], deadline, error);
    if (!fd) fail(peer, fmt::format("could not be reached within {} s: {}", options.timeout_seconds, error));
    Handshake theirs{};
    if (!transfer_all(fd.get(), reinterpret_cast<uint8_t*>(&mine), sizeof mine, true, deadline) ||
        !transfer_all(fd.get(), reinterpret_cast<uint8_t*>(&theirs), sizeof theirs, false, deadline))
      fail(peer, "closed the connection during the handshake");
    check_theirs(theirs, peer);
    tune(fd.get());
    sockets_[peer] = std::move(fd);
  }
  // Higher-numbered parties connect to us, in any order.
  for (int accepted = party + 1; accepted < n; ++accepted) {
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, milliseconds_left(deadline)) <= 0) {
      std::string missing;
      for (int peer = party + 1; peer < n; ++peer)
        if (!sockets_[peer]) missing += (missing.empty() ? "" : ", ") + describe(peer);
      throw NetworkError(fmt::format("{} did not connect within {} s", missing, options.timeout_seconds));
    }
    FileDescriptor fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      --accepted;
      continue;
    }
    Handshake theirs{};
    if (!transfer_all(fd.get(), reinterpret_cast<uint8_t*>(&theirs), sizeof theirs, false, deadline))
      throw NetworkError("a peer closed the connection during the handshake");
    const int peer = check_theirs(theirs, -1);
    if (peer <= party || sockets_[peer])
      throw NetworkError(fmt::format("unexpected second connection from party {}", peer));
    if (!transfer_all(fd.get(), reinterpret_cast<uint8_t*>(&mine), sizeof mine, true, deadline))
      fail(peer, "closed the connection during the handshake");
    tune(fd.get());
    sockets_[peer] = std::move(fd);
  }
}

int64_t TcpTransport::emulated_arrival(int peer, std::size_t wire_bytes) {
  const Clock::time_point now = Clock::now();
  Clock::time_point& link_free = link_free_at_[static_cast<std::size_t>(peer)];
  const Clock::time_point departure = std::max(now, link_free);
  const double transmission =
      shaping_.bandwidth_bytes_per_second > 0 ? static_cast<double>(wire_bytes) / shaping_.bandwidth_bytes_per_second : 0.0;
  link_free = departure + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(transmission));
  const Clock::time_point arrival =
      link_free + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(shaping_.one_way_latency_seconds));
  return std::chrono::duration_cast<std::chrono::nanoseconds>(arrival.time_since_epoch()).count();
}

void TcpTransport::do_exchange(std::span<const Outgoing> sends, std::span<const Incoming> receives) {
  // Every message starts with its length; with shaping, then its emulated arrival time.
  const bool shaped = shaping_.active();
  const std::size_t header_size = shaped ? 16 : 8;
  // Per peer: what is left to send (header, then payload) and to receive.
  struct SendState {
    int peer;
    std::array<uint64_t, 2> header;
    std::span<const uint8_t> data;
    std::size_t done = 0;  // bytes of header + payload written
  };
  struct ReceiveState {
    int peer;
    std::array<uint64_t, 2> header{};
    std::span<uint8_t> data;
    std::size_t done = 0;  // bytes of header + payload read
  };
  std::vector<SendState> pending_sends;
  std::vector<ReceiveState> pending_receives;
  pending_sends.reserve(sends.size());
  pending_receives.reserve(receives.size());
  for (const Outgoing& out : sends) {
    const uint64_t arrival = shaped ? static_cast<uint64_t>(emulated_arrival(out.peer, out.data.size() + framing_bytes())) : 0;
    pending_sends.push_back({out.peer, {out.data.size(), arrival}, out.data});
  }
  for (const Incoming& in : receives) pending_receives.push_back({in.peer, {}, in.data});

  std::size_t open = pending_sends.size() + pending_receives.size();
  std::vector<pollfd> waits;
  while (open > 0) {
    // Move every transfer as far as the kernel lets it without blocking.
    for (SendState& s : pending_sends) {
      const std::size_t total = header_size + s.data.size();
      while (s.done < total) {
        iovec parts[2];
        int count = 0;
        if (s.done < header_size) parts[count++] = {reinterpret_cast<uint8_t*>(s.header.data()) + s.done, header_size - s.done};
        const std::size_t payload_done = s.done > header_size ? s.done - header_size : 0;
        if (payload_done < s.data.size())
          parts[count++] = {const_cast<uint8_t*>(s.data.data()) + payload_done, s.data.size() - payload_done};
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = static_cast<std::size_t>(count);
        const ssize_t n = ::sendmsg(sockets_[s.peer].get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          s.done += static_cast<std::size_t>(n);
          if (s.done == total) --open;
          continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        fail(s.peer, fmt::format("connection failed while sending: {}", std::strerror(errno)));
      }
    }
    for (ReceiveState& r : pending_receives) {
      while (r.done < header_size + r.data.size()) {
        uint8_t* target = r.done < header_size ? reinterpret_cast<uint8_t*>(r.header.data()) + r.done
                                               : r.data.data() + (r.done - header_size);
        const std::size_t want = r.done < header_size ? header_size - r.done : r.data.size() - (r.done - header_size);
        const ssize_t n = ::recv(sockets_[r.peer].get(), target, want, MSG_DONTWAIT);
        if (n > 0) {
          r.done += static_cast<std::size_t>(n);
          if (r.done == header_size && r.header[0] != r.data.size())
            fail(r.peer, fmt::format("sent a message of {} bytes where {} were expected: the parties are out of step "
                                     "(different programs or inputs of different lengths?)", r.header[0], r.data.size()));
          if (r.done == header_size + r.data.size()) --open;
          continue;
        }
        if (n == 0) fail(r.peer, "closed the connection (it stopped or failed; see its own message)");
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        fail(r.peer, fmt::format("connection failed while receiving: {}", std::strerror(errno)));
      }
    }
    if (open == 0) break;

    waits.clear();
    auto add_wait = [&](int peer, short events) {
      for (pollfd& p : waits)
        if (p.fd == sockets_[peer].get()) {
          p.events |= events;
          return;
        }
      waits.push_back({sockets_[peer].get(), events, 0});
    };
    for (const SendState& s : pending_sends)
      if (s.done < header_size + s.data.size()) add_wait(s.peer, POLLOUT);
    for (const ReceiveState& r : pending_receives)
      if (r.done < header_size + r.data.size()) add_wait(r.peer, POLLIN);
    const int ready = ::poll(waits.data(), waits.size(), timeout_ms_);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      for (const ReceiveState& r : pending_receives)
        if (r.done < header_size + r.data.size())
          fail(r.peer, fmt::format("sent nothing for {} s (stalled or gone)", timeout_ms_ / 1000.0));
      for (const SendState& s : pending_sends)
        if (s.done < header_size + s.data.size())
          fail(s.peer, fmt::format("accepted nothing for {} s (stalled or gone)", timeout_ms_ / 1000.0));
    }
  }

  // Shaping: the round ends when the last message would have arrived on the emulated link.
  if (!shaped) return;
  for (const ReceiveState& r : pending_receives) {
    const Clock::time_point arrival{std::chrono::duration_cast<Clock::duration>(
        std::chrono::nanoseconds(static_cast<int64_t>(r.header[1])))};
    // A stamp far in the future means the sender's clock is not ours (another machine).
    if (arrival - Clock::now() > std::chrono::milliseconds(timeout_ms_))
      fail(r.peer, "stamped a message to arrive beyond the timeout: shaped parties must share a clock (one machine)");
    std::this_thread::sleep_until(arrival);
  }
}

}  // namespace mpvm::net
