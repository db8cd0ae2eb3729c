#include "cli/backends.h"

#include <fmt/format.h>

#include "base/errors.h"
#include "protocols/emulate/emulate.h"

namespace mpvm::cli {
namespace {

constexpr BackendInfo kBackends[] = {
    {"emulate", "any (one process)", "none", "none", "Z_2^64",
     "clear reference: one process plays every party and reads every party's inputs", 1, 0},
};

}  // namespace

std::span<const BackendInfo> backends() { return kBackends; }

const BackendInfo& find_backend(std::string_view name) {
  std::string known;
  for (const BackendInfo& backend : kBackends) {
    if (backend.name == name) return backend;
    known += known.empty() ? std::string(backend.name) : ", " + std::string(backend.name);
  }
  throw InputError(fmt::format("unknown protocol '{}' (available: {}; `mpvm protocols` lists them)", name, known));
}

vm::RunStatistics run_backend(const BackendInfo& backend, const RunRequest& request) {
  vm::PrivateInputs inputs(request.inputs_directory);
  if (backend.name == "emulate") {
    protocols::EmulateProtocol protocol(request.parties, request.seed);
    vm::Interpreter interpreter(request.program, protocol, inputs, request.out, request.options);
    return interpreter.run();
  }
  throw Error(fmt::format("back-end '{}' is listed but has no runner", backend.name));
}

}  // namespace mpvm::cli
