// Test support: random programs that the verifier accepts (every instruction of the
// table, random legal operands, labels, strings with odd bytes, non-zero entries), and
// field-by-field program equality.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bytecode/program.h"

namespace mpvm::testing {

// A uniform integer in [lo, hi].
int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi);

// Sets entry, register counts and requirements from the instructions, as the assembler does.
void complete_header(bytecode::Program& program, uint32_t entry);

// A valid program made of the given instructions, in that order, with random operands.
bytecode::Program random_valid_program(std::mt19937_64& rng, const std::vector<bytecode::Opcode>& opcodes);
// A valid program of `length` instructions drawn uniformly from the table.
bytecode::Program random_valid_program(std::mt19937_64& rng, std::size_t length);

// Field-by-field equality, with a message naming the first difference.
::testing::AssertionResult programs_equal(const bytecode::Program& a, const bytecode::Program& b);

}  // namespace mpvm::testing
