// rep3-mal: the same output as emulate when nobody cheats, and an abort of every honest
// party, with no wrong value printed, when one party deviates at any kind of point.
// Parties run as threads over the in-memory transport; tests/e2e runs them as processes.
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/errors.h"
#include "compiler_lite/assembler.h"
#include "protocols/core/deviation.h"
#include "protocols/net/memory_transport.h"
#include "protocols/rep3_mal/rep3_mal.h"
#include "tests/support/differential.h"
#include "tests/support/example_programs.h"
#include "tests/support/random_program.h"
#include "tests/support/recording_transport.h"
#include "tests/support/run_parties.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

using protocols::Deviation;
using protocols::DeviationPoint;

testing::PartiesRun run_rep3_mal(const std::string& assembly, const std::map<int, std::vector<int64_t>>& inputs = {},
                                 std::optional<Deviation> deviation = {}) {
  return testing::run_parties(3, compiler_lite::assemble(assembly, "test.s"), inputs, testing::rep3_mal_party(deviation));
}

using testing::expect_no_errors;

// ---- nobody cheats: exactly what emulate prints ----

TEST(Rep3MalDifferential, RandomProgramsPrintExactlyWhatEmulatePrints) {
  for (uint64_t seed = 1; seed <= 12; ++seed) testing::expect_random_program_matches_emulate(seed, {}, testing::rep3_mal_party());
}

TEST(Rep3MalDifferential, ExampleProgramsPrintTheirExpectedOutput) {
  int checked = 0;
  for (const testing::ExampleProgram& example : testing::example_programs()) {
    testing::expect_example_output(example, 3, testing::rep3_mal_party());
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(Rep3MalDifferential, ComparisonsAndTruncationsAtEveryWidthMatchEmulate) {
  std::mt19937_64 rng(11);
  std::vector<int64_t> values;
  for (int k = 0; k < 40; ++k) values.push_back(static_cast<int64_t>(rng() % (uint64_t{1} << 30)) - (int64_t{1} << 29));
  for (int64_t edge : {int64_t{0}, int64_t{1}, int64_t{-1}, (int64_t{1} << 29) - 1, -(int64_t{1} << 29)}) values.push_back(edge);
  const std::size_t n = values.size();
  for (unsigned bits : {31u, 64u}) {
    const std::string program = fmt::format(
        "input:{0} s0, 0\nltz:{0} s{0}, s0, {1}\neqz:{0} s{2}, s0, {1}\ntrunc:{0} s{3}, s0, 5, {1}\n"
        "open:{0} c0, s{0}\nprintc:{0} c0\nopen:{0} c0, s{2}\nprintc:{0} c0\nopen:{0} c0, s{3}\nprintc:{0} c0\n",
        n, bits, 2 * n, 3 * n);
    const bytecode::Program assembled = compiler_lite::assemble(program, "widths.s");
    const std::string expected = testing::run_emulate(assembled, {{0, values}}, 3).output;
    const testing::PartiesRun run = testing::run_parties(3, assembled, {{0, values}}, testing::rep3_mal_party());
    expect_no_errors(run);
    EXPECT_EQ(run.output, expected) << bits << " bits";
  }
}

TEST(Rep3MalDifferential, AThousandHonestRunsNeverAbort) {
  // Fresh keys, MAC key and coins every run; inputs from a seeded generator.
  const bytecode::Program program = compiler_lite::assemble(
      "input:2 s0, 0\ninput:2 s2, 1\nmuls:2 s4, s0, s2\nltz:2 s6, s4, 20\nopen:2 c0, s4\nopen:2 c2, s6\nprintc:4 c0\n",
      "small.s");
  std::mt19937_64 rng(2026);
  for (int seed = 0; seed < 1000; ++seed) {
    const std::vector<int64_t> x{static_cast<int64_t>(rng() % 1000) - 500, static_cast<int64_t>(rng() % 1000) - 500};
    const std::vector<int64_t> y{static_cast<int64_t>(rng() % 1000) - 500, static_cast<int64_t>(rng() % 1000) - 500};
    const testing::PartiesRun run = testing::run_parties(3, program, {{0, x}, {1, y}}, testing::rep3_mal_party());
    const int64_t p0 = x[0] * y[0], p1 = x[1] * y[1];
    ASSERT_EQ(run.errors, std::vector<std::string>(3)) << "run " << seed;
    ASSERT_EQ(run.output, fmt::format("{} {} {} {}\n", p0, p1, p0 < 0 ? 1 : 0, p1 < 0 ? 1 : 0)) << "run " << seed;
  }
}

// ---- communication ----

TEST(Rep3MalCommunication, AProductCostsTwoElementsOfZ2To128PerPartyInOneRound) {
  for (const std::string& product : {std::string("muls:1000 s2000, s0, s1000"), std::string("dotprods:1000 s2000, s0, s1000, 1")}) {
    const testing::PartiesRun run =
        run_rep3_mal(fmt::format("rands:2000 s0\nstarttimer 1\n{}\nstoptimer 1\n", product));
    expect_no_errors(run);
    for (int party = 0; party < 3; ++party) {
      const vm::TimerStatistics& timer = run.statistics[party].timers.at(1);
      EXPECT_EQ(timer.communication.bytes_sent, 1000 * 32 + 8) << product;
      EXPECT_EQ(timer.communication.rounds, 1u) << product;
    }
  }
}


TEST(Rep3MalPrivacy, EveryWordAPartyReceivesDuringAnOperationLooksUniform) {
  // Value and MAC messages are masked by zero-sharings, openings by uniform masks, so for
  // a constant secret every bit position of what party 1 receives is 1 about half the time.
  for (const std::string operation : {"mul", "ltz"})
    for (int64_t secret : {int64_t{0}, int64_t{-1}})
      testing::expect_every_bit_balanced(testing::words_seen_by_party_1<protocols::Rep3MalProtocol>(3, secret, operation, 2048), fmt::format("{} of {}", operation, secret));
}

// ---- somebody cheats: every honest party aborts, nothing wrong is printed ----

// Reaches every kind of deviation point at every party: inputs, random values, products,
// an opening of the program, comparisons and truncations, then prints.
constexpr const char* kEveryPoint = R"(input:4 s0, 0
input:4 s4, 1
rands:4 s8
rands:4 s32
muls:4 s12, s0, s4
muls:4 s16, s8, s32
open:4 c0, s12
printc:4 c0
ltz:4 s20, s12, 40
trunc:4 s24, s12, 3, 40
truncpr:4 s28, s12, 3, 20
open:4 c4, s20
printc:4 c4
open:4 c8, s24
printc:4 c8
output:4 s12, 2
)";

const std::map<int, std::vector<int64_t>> kEveryPointInputs{{0, {3, -7, 100, 0}}, {1, {5, 6, -2, 9}}};

TEST(Rep3MalCheating, EveryDeviationAtEveryPartyMakesEveryHonestPartyAbort) {
  const testing::PartiesRun honest = run_rep3_mal(kEveryPoint, kEveryPointInputs);
  expect_no_errors(honest);
  ASSERT_NE(honest.output, "");
  for (DeviationPoint point : protocols::kDeviationPoints) {
    for (int cheater = 0; cheater < 3; ++cheater) {
      for (uint64_t occurrence : {uint64_t{0}, uint64_t{1}}) {
        const Deviation deviation{cheater, point, occurrence, 1};
        const std::string where =
            fmt::format("party {} deviates at {} #{}", cheater, protocols::deviation_point_name(point), occurrence);
        const testing::PartiesRun run = run_rep3_mal(kEveryPoint, kEveryPointInputs, deviation);
        for (int party = 0; party < 3; ++party) {
          if (party == cheater) continue;
          EXPECT_NE(run.errors[party].find("rep3-mal:"), std::string::npos) << where << ": party " << party << ": " << run.errors[party];
          EXPECT_NE(run.errors[party].find("aborting without revealing anything"), std::string::npos) << where;
        }
        // Whatever was printed before the deviation is what an honest run prints there.
        EXPECT_EQ(honest.output.substr(0, run.output.size()), run.output) << where;
        EXPECT_LT(run.output.size(), honest.output.size()) << where;
      }
    }
  }
}

TEST(Rep3MalCheating, AnErrorOnlyInAMacIsCaughtToo) {
  // An error of 2^63 on the first product's MAC leaves every value alone but breaks
  // w = alpha u in Z_2^128: the MAC check (not an opening) sees it.
  for (int cheater = 0; cheater < 3; ++cheater) {
    Deviation deviation{cheater, DeviationPoint::mac, 0, 0};
    deviation.delta = uint64_t{1} << 63;
    const testing::PartiesRun run = run_rep3_mal(kEveryPoint, kEveryPointInputs, deviation);
    for (int party = 0; party < 3; ++party)
      if (party != cheater) {
        EXPECT_NE(run.errors[party].find("MAC check"), std::string::npos) << run.errors[party];
      }
  }
}

TEST(Rep3MalCheating, ARandomBitInputThatIsNotABitFailsTheBitCheck) {
  // The first point inside a comparison is the party's input to the random bits: it
  // becomes 2 or 3, with consistent shares and MACs, so only the bit check can see it.
  for (int cheater = 0; cheater < 3; ++cheater) {
    const testing::PartiesRun run =
        run_rep3_mal("input:6 s0, 0\nltz:6 s6, s0, 20\nopen:6 c0, s6\nprintc:6 c0\n", {{0, {1, -2, 3, -4, 5, 0}}},
                     Deviation{cheater, DeviationPoint::comparison, 0, 1});
    EXPECT_EQ(run.output, "");
    for (int party = 0; party < 3; ++party)
      if (party != cheater) {
        EXPECT_NE(run.errors[party].find("bit check failed"), std::string::npos) << party << ": " << run.errors[party];
      }
  }
}

TEST(Rep3MalFailures, APeerThatDiesEndsTheOthersWithAnErrorNamingIt) {
  // Not a deviation the checks can see: the others stop on the network error, naming it.
  const bytecode::Program program = compiler_lite::assemble("rands:10 s0\nmuls:10 s10, s0, s0\nopen:10 c0, s10\nprintc:10 c0\n", "test.s");
  const testing::PartiesRun run = testing::run_parties(3, program, {}, [](net::Transport& transport, const bytecode::Program& p,
                                                                          vm::PrivateInputs& inputs, vm::ProgramOutput& output) {
    transport.set_phase(net::Phase::setup);
    protocols::Rep3MalProtocol protocol(transport);
    if (transport.party() == 2) throw NetworkError("party 2 crashed on purpose");
    transport.set_phase(net::Phase::online);
    vm::Interpreter interpreter(p, protocol, inputs, output);
    return interpreter.run();
  });
  EXPECT_EQ(run.output, "");
  EXPECT_NE(run.errors[1].find("party 2"), std::string::npos) << run.errors[1];
  EXPECT_NE(run.errors[0], "");
}

TEST(Rep3MalCheating, DeviationSpecificationsParseAndBadOnesAreRefused) {
  const Deviation parsed = protocols::parse_deviation("2:truncation:5");
  EXPECT_EQ(parsed.party, 2);
  EXPECT_EQ(parsed.point, DeviationPoint::truncation);
  EXPECT_EQ(parsed.occurrence, 5u);
  EXPECT_EQ(protocols::parse_deviation("0:opening").occurrence, 0u);
  EXPECT_THROW(protocols::parse_deviation("1:sneeze"), std::invalid_argument);
  EXPECT_THROW(protocols::parse_deviation(""), std::invalid_argument);
}

}  // namespace
}  // namespace mpvm
