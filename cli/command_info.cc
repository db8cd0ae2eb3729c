// `mpvm protocols` and `mpvm instructions`: what this build offers.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "bytecode/reference.h"
#include "cli/backends.h"
#include "cli/commands.h"

namespace mpvm::cli {

void add_protocols_command(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand("protocols", "List the protocol back-ends with their threat model");
  command->callback([&action] {
    action = [] {
      std::cout << fmt::format("{:<10} {:<18} {:<10} {:<10} {:<8} {}\n", "name", "parties", "adversary", "majority",
                               "domain", "how");
      for (const BackendInfo& b : backends())
        std::cout << fmt::format("{:<10} {:<18} {:<10} {:<10} {:<8} {}\n", b.name, b.parties, b.adversary, b.majority,
                                 b.domain, b.summary);
    };
  });
}

void add_instructions_command(CLI::App& app, Action& action) {
  CLI::App* command =
      app.add_subcommand("instructions", "Print the instruction reference (Markdown), generated from the instruction table");
  auto table_only = std::make_shared<bool>(false);
  command->add_flag("--table", *table_only, "print only the table (as embedded in the README)");
  command->callback([table_only, &action] {
    action = [table_only] {
      std::cout << (*table_only ? bytecode::instruction_table_markdown() : bytecode::instruction_reference_markdown());
    };
  });
}

}  // namespace mpvm::cli
