#include "protocols/net/endpoint.h"

#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::net {

std::string Endpoint::to_string() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

Endpoint parse_endpoint(const std::string& text, const std::string& where) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw InputError(fmt::format("{}: '{}' is not host:port", where, text));
  std::string host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(first, last, port);
  if (error != std::errc() || ptr != last || port == 0 || port > 65535)
    throw InputError(fmt::format("{}: '{}' has no valid port (1..65535)", where, text));
  return {host, static_cast<uint16_t>(port)};
}

std::vector<Endpoint> read_hosts_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw InputError(fmt::format("{}: cannot open hosts file", path));
  std::vector<Endpoint> hosts;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const std::size_t last = line.find_last_not_of(" \t\r");
    hosts.push_back(parse_endpoint(line.substr(first, last - first + 1), fmt::format("{}:{}", path, number)));
  }
  return hosts;
}

}  // namespace mpvm::net
