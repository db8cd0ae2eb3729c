// libFuzzer target: the assembler on arbitrary text.
//
// The contract (compiler_lite/assembler.h): assemble either returns a verified Program or
// throws mpvm::InputError ("FILE:LINE:COL: ..."); it never crashes or hangs. Beyond not
// crashing: what it accepts must encode to bytes the decoder accepts and reads back
// identically, and disassembling it must assemble to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "base/errors.h"
#include "bytecode/format.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/disassembler.h"

namespace {

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_assembler: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mpvm;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bytecode::Program program;
  try {
    program = compiler_lite::assemble(text, "fuzz.s");
  } catch (const InputError& e) {
    if (!std::string_view(e.what()).starts_with("fuzz.s:")) violated("an error message does not name fuzz.s:LINE:COL", e.what());
    return 0;
  } catch (const std::exception& e) {
    violated("assemble threw something other than mpvm::InputError", e.what());
  }

  const std::vector<uint8_t> bytes = bytecode::encode(program);
  try {
    const bytecode::Program decoded = bytecode::decode(bytes, "fuzz.bc");
    if (bytecode::encode(decoded) != bytes) violated("decoding the assembled bytes changes them", std::string(text));
  } catch (const std::exception& e) {
    violated("the decoder rejects what the assembler produced", std::string(e.what()) + "\n" + std::string(text));
  }

  const std::string disassembly = compiler_lite::disassemble(program);
  try {
    if (bytecode::encode(compiler_lite::assemble(disassembly, "fuzz.s")) != bytes)
      violated("disassembly assembles to different bytes", disassembly);
  } catch (const std::exception& e) {
    violated("the disassembly does not assemble", std::string(e.what()) + "\n" + disassembly);
  }
  return 0;
}
