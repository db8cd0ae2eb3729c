// Private inference as `mpvm infer` runs it, shared with `mpvm bench`: the model compiler
// turns a quantized model into a program and the model owner's input (party 0's P0.in),
// the client's input tensor becomes party 1's P1.in, the parties run, and party 1's
// revealed label is read back from what it printed. Compiling and running are apart so
// that a benchmark compiles once and runs many times. Defined in command_infer.cc.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "cli/backends.h"
#include "cli/run_report.h"
#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/qnn/model.h"
#include "protocols/net/tcp_transport.h"

namespace mpvm::cli {

// A folder under the system's temporary directory, removed with everything in it when
// this object goes.
class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(std::string_view prefix = "mpvm");
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct PreparedInference {
  bytecode::Program program;
  std::vector<std::string> layers;  // one line per compiled operator (timer k = operator k)
  std::filesystem::path inputs_directory;  // holds P0.in (weights) and P1.in (the input)
};

// Compiles `model` (program named `program_name`) and writes the two parties' input files
// into `inputs_directory`. `input_tensor` is the quantized input, one byte per element
// (int8 models: the bytes of the signed values). InputError if its size is wrong or the
// model has an operator the compiler does not handle.
PreparedInference prepare_private_inference(const qnn::Model& model, std::span<const uint8_t> input_tensor,
                                            const qnn::CompileOptions& options, const std::string& program_name,
                                            const std::filesystem::path& inputs_directory);

struct InferenceRun {
  int label = -1;
  std::string logits;  // party 1's logits line, if the program revealed them
  int parties = 0;
  std::vector<PartyReport> reports;  // one per party (one for emulate)
};

struct InferenceParties {
  const BackendInfo& backend;
  vm::RunOptions options;
  double timeout_seconds = 120;
  net::LinkShaping shaping{};  // emulated network (networked back-ends only)
};

// Runs a prepared inference with max(back-end's minimum, 2) parties: emulate in this
// process, a networked back-end as local party processes. Error naming the party if one
// fails, or if the program revealed no label.
InferenceRun run_private_inference(const PreparedInference& prepared, const InferenceParties& parties);

}  // namespace mpvm::cli
