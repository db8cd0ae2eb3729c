#include "tests/support/run_program.h"

#include <algorithm>
#include <sstream>

#include "compiler_lite/assembler.h"
#include "protocols/emulate/emulate.h"

namespace mpvm::testing {

EmulateRun run_emulate(const bytecode::Program& program, std::map<int, std::vector<int64_t>> inputs, int parties,
                       uint64_t seed, vm::RunOptions options, protocols::NonlinearPath path) {
  if (parties == 0) parties = static_cast<int>(std::max<uint32_t>(program.requirements.min_parties, 1));
  protocols::EmulateProtocol protocol(parties, seed, path);
  vm::PrivateInputs private_inputs(std::move(inputs));
  std::ostringstream out;
  vm::StreamOutput sink(out);
  vm::Interpreter interpreter(program, protocol, private_inputs, sink, options);
  EmulateRun run;
  run.statistics = interpreter.run();
  run.output = out.str();
  return run;
}

EmulateRun run_emulate(std::string_view assembly, std::map<int, std::vector<int64_t>> inputs, int parties,
                       uint64_t seed, vm::RunOptions options, protocols::NonlinearPath path) {
  return run_emulate(compiler_lite::assemble(assembly, "test.s"), std::move(inputs), parties, seed, options, path);
}

}  // namespace mpvm::testing
