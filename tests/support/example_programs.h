// Test support: the programs under programs/examples/ with their parties' inputs and the
// output they must print, for the differential tests of every back-end.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace mpvm::testing {

struct ExampleProgram {
  std::filesystem::path path;
  std::string source;
  std::map<int, std::vector<int64_t>> inputs;  // from inputs/<name>/P<i>.in, parties 0..2
  std::string expected;                         // <name>.expected
};

inline std::vector<ExampleProgram> example_programs() {
  const std::filesystem::path examples = std::filesystem::path(MPVM_SOURCE_DIR) / "programs" / "examples";
  auto read = [](const std::filesystem::path& file) {
    std::ifstream in(file);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::vector<ExampleProgram> programs;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    if (entry.path().extension() != ".s") continue;
    ExampleProgram example{entry.path(), read(entry.path()), {}, read(examples / (entry.path().stem().string() + ".expected"))};
    for (int party = 0; party < 3; ++party) {
      std::ifstream file(examples / "inputs" / entry.path().stem() / fmt::format("P{}.in", party));
      int64_t v;
      while (file >> v) example.inputs[party].push_back(v);
    }
    programs.push_back(std::move(example));
  }
  return programs;
}

}  // namespace mpvm::testing
