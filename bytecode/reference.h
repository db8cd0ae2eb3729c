// The instruction reference (docs/instructions.md), generated from the one table so the
// documentation cannot drift from the code. `mpvm instructions` prints it.
#pragma once

#include <string>

namespace mpvm::bytecode {

std::string instruction_reference_markdown();
// Only the table (the README embeds it between markers; a test keeps it current).
std::string instruction_table_markdown();

}  // namespace mpvm::bytecode
