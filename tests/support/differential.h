// Test support: the differential checks every networked back-end's tests share — a run
// under the back-end prints exactly what emulate prints (random programs) or what the
// example's .expected file says, and no party failed.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "tests/support/example_programs.h"
#include "tests/support/random_program.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm::testing {

inline void expect_no_errors(const PartiesRun& run) {
  for (std::size_t party = 0; party < run.errors.size(); ++party) EXPECT_EQ(run.errors[party], "") << "party " << party;
}

// Random program `seed` (with options.parties parties) under `body` prints what emulate prints.
inline void expect_random_program_matches_emulate(uint64_t seed, const RandomProgramOptions& options,
                                                  const PartyBody& body) {
  const RandomProgram random = random_program(seed, options);
  const bytecode::Program program = compiler_lite::assemble(random.assembly, fmt::format("random{}.s", seed));
  const std::string expected = run_emulate(program, random.inputs, options.parties).output;
  const PartiesRun run = run_parties(options.parties, program, random.inputs, body);
  expect_no_errors(run);
  ASSERT_EQ(run.output, expected) << options.parties << " parties, seed " << seed << "\n" << random.assembly;
}

// The example under `body` with `parties` parties prints its .expected output.
inline void expect_example_output(const ExampleProgram& example, int parties, const PartyBody& body) {
  const bytecode::Program program = compiler_lite::assemble(example.source, example.path.string());
  const PartiesRun run = run_parties(parties, program, example.inputs, body);
  expect_no_errors(run);
  EXPECT_EQ(run.output, example.expected) << example.path << " with " << parties << " parties";
}

}  // namespace mpvm::testing
