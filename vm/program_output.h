// Where a program's printed text goes. Every printing instruction (printc, printint,
// prints, output) has a sequence number that is the same at every party, because all
// parties execute the same instructions; a launcher that runs the parties as separate
// processes merges their text by it, so stdout reads exactly as under emulate.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

namespace mpvm::vm {

class ProgramOutput {
 public:
  virtual ~ProgramOutput() = default;
  // `sequence` counts printing instructions from 0; `text` is what this process prints.
  virtual void write(uint64_t sequence, std::string_view text) = 0;
};

// Writes the text straight to a stream (emulate, one party of a deployment, tests).
class StreamOutput final : public ProgramOutput {
 public:
  explicit StreamOutput(std::ostream& out) : out_(out) {}
  void write(uint64_t, std::string_view text) override { out_ << text; }

 private:
  std::ostream& out_;
};

}  // namespace mpvm::vm
