#include "vm/private_inputs.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/errors.h"

namespace mpvm::vm {
namespace {

std::vector<int64_t> parse_values(const std::string& path) {
  std::ifstream file(path);
  if (!file)
    throw InputError(fmt::format("{}: cannot open this party's input file (write its values there, "
                                 "whitespace-separated, or pass --inputs DIR)", path));
  std::vector<int64_t> values;
  std::string line;
  for (int line_number = 1; std::getline(file, line); ++line_number) {
    std::size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
      if (pos == line.size()) break;
      std::size_t end = pos;
      while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
      const std::string_view token(line.data() + pos, end - pos);
      // from_chars does not take a leading '+'; accept it as people write it.
      const std::string_view digits = token.starts_with('+') ? token.substr(1) : token;
      int64_t value = 0;
      const auto [ptr, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (error == std::errc::result_out_of_range)
        throw InputError(fmt::format("{}:{}:{}: {} does not fit in a signed 64-bit integer", path, line_number, pos + 1, token));
      if (error != std::errc() || ptr != digits.data() + digits.size() || digits.empty())
        throw InputError(fmt::format("{}:{}:{}: '{}' is not a signed decimal integer", path, line_number, pos + 1, token));
      values.push_back(value);
      pos = end;
    }
  }
  return values;
}

}  // namespace

PrivateInputs::PrivateInputs(std::string directory) : directory_(std::move(directory)) {}

PrivateInputs::PrivateInputs(std::map<int, std::vector<int64_t>> values) {
  for (auto& [party, list] : values) parties_[party] = {fmt::format("party {}'s inputs", party), std::move(list), 0};
}

PrivateInputs::PartyInput& PrivateInputs::load(int party) {
  auto found = parties_.find(party);
  if (found != parties_.end()) return found->second;
  if (!directory_) {
    auto& empty = parties_[party];
    empty.source = fmt::format("party {}'s inputs", party);
    return empty;
  }
  const std::string path = (std::filesystem::path(*directory_) / fmt::format("P{}.in", party)).string();
  return parties_[party] = {path, parse_values(path), 0};
}

void PrivateInputs::read(int party, std::span<int64_t> out) {
  PartyInput& input = load(party);
  const std::size_t left = input.values.size() - input.next;
  if (left < out.size())
    throw InputError(fmt::format("{}: party {} needs {} more input values but only {} remain ({} in all)", input.source,
                                 party, out.size(), left, input.values.size()));
  std::copy_n(input.values.begin() + static_cast<std::ptrdiff_t>(input.next), out.size(), out.begin());
  input.next += out.size();
}

std::size_t PrivateInputs::unread(int party) const {
  auto found = parties_.find(party);
  return found == parties_.end() ? 0 : found->second.values.size() - found->second.next;
}

}  // namespace mpvm::vm
