// Where a party listens: "host:port" (IPv6 as "[::1]:5000"), and hosts files listing one
// per party, party 0 first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpvm::net {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const;
};

// "host:port"; InputError naming `where` if malformed.
Endpoint parse_endpoint(const std::string& text, const std::string& where);

// One "host:port" per line; blank lines and `#` comments are skipped.
std::vector<Endpoint> read_hosts_file(const std::string& path);

}  // namespace mpvm::net
