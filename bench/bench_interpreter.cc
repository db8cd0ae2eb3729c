// Micro benchmarks of the interpreter under emulate: how fast the dispatch loop runs
// scalar integer code, and how close vector instructions come to a plain C++ loop over
// the same data (the speed of light). What each one measures and the figures on the
// reference machine are in bench/README.md.
//
// Every interpreter benchmark assembles its program once, then per iteration builds a
// fresh EmulateProtocol + Interpreter (not timed: that zeroes the register banks) and
// times Interpreter::run() alone.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bytecode/program.h"
#include "compiler_lite/assembler.h"
#include "protocols/emulate/emulate.h"
#include "vm/interpreter.h"
#include "vm/private_inputs.h"
#include "vm/program_output.h"

namespace {

using mpvm::bytecode::Program;
using mpvm::protocols::EmulateProtocol;
using Interpreter = mpvm::vm::Interpreter<EmulateProtocol>;

// The programs print nothing; anything they did print would be dropped.
class DiscardOutput final : public mpvm::vm::ProgramOutput {
 public:
  void write(uint64_t, std::string_view) override {}
};

// Lanes one run of a vector program touches per operand, whatever N: N * repetitions.
// 2^26 lanes of 8 bytes = 512 MiB per operand, so a run is long against the untimed set-up.
constexpr uint64_t kLanesPerRun = uint64_t{1} << 26;

// `body` once per trip round a counted loop of `trips` trips, then halt. The loop costs
// three scalar instructions per trip (addint, ltint, jmpnz) on top of the body.
std::string counted_loop(uint64_t trips, const std::string& body) {
  return fmt::format(
      "  ldint i0, 0\n"
      "  ldint i1, 1\n"
      "  ldint i2, {}\n"
      "loop:\n"
      "{}"
      "  addint i0, i0, i1\n"
      "  ltint i3, i0, i2\n"
      "  jmpnz i3, loop\n"
      "  halt\n",
      trips, body);
}

// Runs `program` under emulate once per benchmark iteration, timing run() only. Returns
// the instructions one run executed (every run executes the same ones).
uint64_t run_program(benchmark::State& state, const Program& program) {
  uint64_t instructions = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto protocol = std::make_unique<EmulateProtocol>(1, 1);
    auto inputs = std::make_unique<mpvm::vm::PrivateInputs>(std::map<int, std::vector<int64_t>>{});
    DiscardOutput out;
    auto interpreter = std::make_unique<Interpreter>(program, *protocol, *inputs, out);
    state.ResumeTiming();

    const mpvm::vm::RunStatistics statistics = interpreter->run();

    state.PauseTiming();
    instructions = statistics.instructions;
    interpreter.reset();
    state.ResumeTiming();
  }
  return instructions;
}

// Instructions executed (every one the run counts, loop overhead included) as
// items_per_second, and the time per instruction as "time/instr".
void count_instructions(benchmark::State& state, uint64_t per_run) {
  const double total = static_cast<double>(per_run) * static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["time/instr"] = benchmark::Counter(total, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Bytes touched, as bytes_per_second (Google Benchmark prints it in binary units, GiB/s)
// and as "GB" per second in decimal units, the way memory bandwidth is usually quoted.
void count_bytes(benchmark::State& state, double bytes_per_iteration) {
  const double total = bytes_per_iteration * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(total));
  state.counters["GB"] = benchmark::Counter(total / 1e9, benchmark::Counter::kIsRate);
}

// ---- 1. scalar dispatch ---------------------------------------------------------------

// An empty counted loop: 3 scalar integer instructions (addint, ltint, jmpnz) per trip.
void BM_ScalarLoop(benchmark::State& state) {
  const uint64_t trips = static_cast<uint64_t>(state.range(0));
  const Program program = mpvm::compiler_lite::assemble(counted_loop(trips, ""), "scalar_loop.s");
  const uint64_t instructions = run_program(state, program);
  if (instructions != 3 * trips + 4) {
    state.SkipWithError(fmt::format("ran {} instructions, expected {}", instructions, 3 * trips + 4).c_str());
    return;
  }
  count_instructions(state, instructions);
}
BENCHMARK(BM_ScalarLoop)->Arg(10'000'000)->Unit(benchmark::kMillisecond);

// ---- 2./3. vector instructions ----------------------------------------------------------

// A counted loop running `body` (one or two vector instructions) kLanesPerRun / N times.
// Reports the bytes the body touches per second: `bytes_per_lane` for each of its N lanes
// on each trip (the loop's three scalar instructions move no data, and are cheap next to
// N >= 4096 lanes; items_per_second counts them all the same).
void run_vector(benchmark::State& state, const std::string& body, const char* name, double bytes_per_lane) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const uint64_t trips = kLanesPerRun / n;
  const Program program = mpvm::compiler_lite::assemble(counted_loop(trips, body), name);
  const uint64_t instructions = run_program(state, program);
  count_instructions(state, instructions);
  count_bytes(state, bytes_per_lane * static_cast<double>(n) * static_cast<double>(trips));
}

// adds:N d, a, b reads 2 * 8N bytes and writes 8N: 3 * 8 * N bytes per instruction.
void BM_VectorAdds(benchmark::State& state) {
  const int64_t n = state.range(0);
  run_vector(state, fmt::format("  adds:{} s0, s{}, s{}\n", n, n, 2 * n), "adds.s", 3 * 8);
}

// muls:N under emulate is the same loop shape with a multiply (no communication).
void BM_VectorMuls(benchmark::State& state) {
  const int64_t n = state.range(0);
  run_vector(state, fmt::format("  muls:{} s0, s{}, s{}\n", n, n, 2 * n), "muls.s", 3 * 8);
}

// stms:N then ldms:N: N registers to s-memory and back into other registers. Each copies
// 8N bytes in and 8N out: 2 * 2 * 8 * N bytes per trip.
void BM_VectorMemoryRoundTrip(benchmark::State& state) {
  const int64_t n = state.range(0);
  run_vector(state, fmt::format("  stms:{} s0, 0\n  ldms:{} s{}, 0\n", n, n, n), "stms_ldms.s", 2 * 2 * 8);
}

// ---- the speed of light: the same work as plain C++ over std::vector<uint64_t> ----------

template <class Op>
void plain_binary(benchmark::State& state, Op op) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  std::vector<uint64_t> a(n, 3), b(n, 5), d(n, 0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.data());
    benchmark::DoNotOptimize(b.data());
    uint64_t* __restrict out = d.data();
    const uint64_t* __restrict x = a.data();
    const uint64_t* __restrict y = b.data();
    for (std::size_t k = 0; k < n; ++k) out[k] = op(x[k], y[k]);
    benchmark::ClobberMemory();
  }
  count_bytes(state, 3.0 * 8.0 * static_cast<double>(n));
}

void BM_PlainAdd(benchmark::State& state) {
  plain_binary(state, [](uint64_t x, uint64_t y) { return x + y; });
}
void BM_PlainMul(benchmark::State& state) {
  plain_binary(state, [](uint64_t x, uint64_t y) { return x * y; });
}

// Copy N words to a second array and back into a third with std::copy (memmove), which is
// what the interpreter's ldms/stms do. On AMD Zen 3 with glibc 2.36 this hits glibc's
// `rep movsb` page-aliasing slow path at N = 4096 (see bench/README.md), so there it is
// the speed of the library, not of light.
void BM_PlainRoundTrip(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  std::vector<uint64_t> registers(n, 7), memory(n, 0), back(n, 0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(registers.data());
    std::copy(registers.begin(), registers.end(), memory.begin());
    benchmark::ClobberMemory();
    std::copy(memory.begin(), memory.end(), back.begin());
    benchmark::ClobberMemory();
  }
  count_bytes(state, 2.0 * 2.0 * 8.0 * static_cast<double>(n));
}

// 4096 lanes: the three operands (96 KiB) fit in L2; 65536 (1.5 MiB) and 1<<20 (24 MiB)
// in L3 on the reference machine (32 MiB); 1<<22 (96 MiB) does not, so it runs at DRAM speed.
void vector_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(4096)->Arg(65536)->Arg(1 << 20)->Arg(1 << 22)->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_VectorAdds)->Apply(vector_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainAdd)->Apply(vector_sizes);
BENCHMARK(BM_VectorMuls)->Apply(vector_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainMul)->Apply(vector_sizes);
BENCHMARK(BM_VectorMemoryRoundTrip)->Apply(vector_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainRoundTrip)->Apply(vector_sizes);

}  // namespace

BENCHMARK_MAIN();
