// libFuzzer target: the .bc decoder on arbitrary bytes.
//
// The contract (DESIGN §3, bytecode/format.h): decode either returns a verified Program or
// throws mpvm::InputError; it never crashes, hangs or allocates without bound (ASan and
// libFuzzer's -rss_limit_mb / -malloc_limit_mb report those). Beyond not crashing, an
// accepted file must re-encode to exactly its bytes, and its disassembly must assemble
// back to them (the `mpvm disasm | mpvm asm` identity).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <vector>

#include "base/errors.h"
#include "bytecode/format.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/disassembler.h"

namespace {

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_decoder: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mpvm;
  const std::span<const uint8_t> input(data, size);
  bytecode::Program program;
  try {
    program = bytecode::decode(input, "fuzz.bc");
  } catch (const InputError&) {
    return 0;  // rejected with a message: the expected outcome for most inputs
  } catch (const std::exception& e) {
    violated("decode threw something other than mpvm::InputError", e.what());
  }

  const std::vector<uint8_t> bytes = bytecode::encode(program);
  if (!std::equal(bytes.begin(), bytes.end(), input.begin(), input.end()))
    violated("an accepted file re-encodes to different bytes", "");

  const std::string text = compiler_lite::disassemble(program);
  try {
    const bytecode::Program again = compiler_lite::assemble(text, "fuzz.s");
    if (bytecode::encode(again) != bytes) violated("disassembly assembles to different bytes", text);
  } catch (const std::exception& e) {
    violated("the disassembly of an accepted file does not assemble", std::string(e.what()) + "\n" + text);
  }
  return 0;
}
