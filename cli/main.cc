// mpvm: the one executable. Errors become a one-line message on stderr and the exit code
// of their kind (base/errors.h); stdout carries only what programs print.
#include <malloc.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "base/errors.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace mpvm;
  // Protocols allocate and free multi-megabyte temporaries on every vector instruction.
  // Served from the heap and kept there after free (instead of mmap'd and returned each
  // time), they are reused without a page fault per 4 KiB: a third of a comparison's time.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"mpvm: a secure multi-party computation virtual machine.\n"
               "Bytecode programs run unchanged under pluggable protocol back-ends."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mpvm 0.1.0");
  cli::Action action;
  cli::add_run_command(app, action);
  cli::add_asm_command(app, action);
  cli::add_disasm_command(app, action);
  cli::add_protocols_command(app, action);
  cli::add_instructions_command(app, action);
  cli::add_reference_command(app, action);
  cli::add_infer_command(app, action);
  cli::add_tflite_command(app, action);
  cli::add_tflite_gen_command(app, action);
  cli::add_bench_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
  }
  try {
    action();
    return 0;
  } catch (const Error& e) {
    std::cout.flush();
    std::cerr << "mpvm: error: " << e.what() << '\n';
    return static_cast<int>(e.exit_code());
  } catch (const std::bad_alloc&) {
    std::cerr << "mpvm: error: out of memory\n";
    return static_cast<int>(ExitCode::runtime);
  } catch (const std::exception& e) {
    std::cerr << "mpvm: internal error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::internal);
  }
}
