// A few POSIX socket helpers: an owning file descriptor and listening sockets. The
// launcher binds every party's listener before starting the parties, so ports are
// known and free before anyone connects.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace mpvm::net {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A TCP socket listening on `address:port` (port 0: the kernel picks a free one).
// NetworkError if the port is taken.
FileDescriptor listen_on(const std::string& address, uint16_t port);

// The port a bound socket listens on.
uint16_t local_port(int fd);

}  // namespace mpvm::net
