// The subcommands of `mpvm`. Each add_* function registers its subcommand on the app and,
// when that subcommand is chosen, sets `action` to the work to do after parsing. Work
// throws mpvm::Error on failure; main turns that into a message and an exit code.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace mpvm::cli {

using Action = std::function<void()>;

void add_asm_command(CLI::App& app, Action& action);
void add_disasm_command(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
void add_protocols_command(CLI::App& app, Action& action);
void add_instructions_command(CLI::App& app, Action& action);
void add_reference_command(CLI::App& app, Action& action);
void add_infer_command(CLI::App& app, Action& action);
void add_tflite_command(CLI::App& app, Action& action);
void add_tflite_gen_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);

}  // namespace mpvm::cli
