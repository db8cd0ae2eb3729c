// The parties' private input values: `DIR/P<i>.in`, whitespace-separated signed decimal
// integers, consumed in order by `input` instructions. A process reads only the files of
// the parties it plays. Tests construct one from values directly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mpvm::vm {

class PrivateInputs {
 public:
  // Values come from DIR/P<i>.in, read the first time party i's input is needed.
  explicit PrivateInputs(std::string directory);
  // Values given directly, per party (tests, or a caller that has them in memory).
  explicit PrivateInputs(std::map<int, std::vector<int64_t>> values);

  // Fills `out` with party's next values; InputError if the file is missing, malformed
  // or has fewer values left than `out` needs.
  void read(int party, std::span<int64_t> out);

  // How many values of party's input were not consumed (0 if never opened).
  std::size_t unread(int party) const;

 private:
  struct PartyInput {
    std::string source;  // the file name, for messages
    std::vector<int64_t> values;
    std::size_t next = 0;
  };
  PartyInput& load(int party);

  std::optional<std::string> directory_;
  std::map<int, PartyInput> parties_;
};

}  // namespace mpvm::vm
