// The interpreter: runs a verified Program on one protocol back-end.
//
// It is a template on the protocol so that a back-end's local operations inline into the
// dispatch loop. It knows the protocol only through protocols::ArithmeticProtocol; it never
// includes a concrete back-end. The program was verified at load time (register ranges,
// jump targets, vector lengths, immediates), so the loop does no such checks; memory
// addresses come from registers and are checked on every access (vm/memory.h).
//
// The loop is a switch over the opcode, generated from bytecode/instructions.def; each
// case calls step<opcode>(), whose body is in vm/execute.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "base/errors.h"
#include "base/large_vector.h"
#include "bytecode/program.h"
#include "bytecode/text.h"
#include "protocols/core/protocol_concept.h"
#include "protocols/core/statistics.h"
#include "vm/memory.h"
#include "vm/private_inputs.h"
#include "vm/program_output.h"

namespace mpvm::vm {

struct RunLimits {
  uint64_t memory_cells = uint64_t{1} << 26;  // per memory bank
  uint32_t call_depth = 1u << 16;
};

struct RunOptions {
  RunLimits limits;
  std::ostream* trace = nullptr;     // if set, each instruction is written here before it runs
  std::ostream* progress = nullptr;  // if set, each stopped timer is reported here (at party 0)
};

struct TimerStatistics {
  double seconds = 0;
  protocols::CommunicationCounters communication;
};

struct RunStatistics {
  double seconds = 0;
  uint64_t instructions = 0;
  protocols::CommunicationCounters communication;
  std::map<int, TimerStatistics> timers;
};

template <protocols::ArithmeticProtocol P>
class Interpreter {
 public:
  using Share = typename P::Share;
  using Domain = typename P::Domain;
  using Clear = typename Domain::Value;
  using Opcode = bytecode::Opcode;
  using Instruction = bytecode::Instruction;

  Interpreter(const bytecode::Program& program, P& protocol, PrivateInputs& inputs, ProgramOutput& out,
              RunOptions options = {})
      : program_(program),
        protocol_(protocol),
        inputs_(inputs),
        out_(out),
        options_(options),
        secret_(program.registers.secret),
        clear_(program.registers.clear),
        integer_(program.registers.integer),
        secret_memory_('s', options.limits.memory_cells),
        clear_memory_('c', options.limits.memory_cells),
        integer_memory_('i', options.limits.memory_cells) {}

  // Runs from the entry to `halt` (or past the last instruction), then the protocol's
  // final check. Errors carry "program: pc N (mnemonic): ..." and keep their kind.
  RunStatistics run() {
    const auto start = Clock::now();
    const protocols::CommunicationCounters before = protocol_.counters();
    if (options_.trace != nullptr) loop<true>();
    else loop<false>();
    try {
      protocol_.check();
    } catch (...) {
      rethrow_with_context(fmt::format("{}: final check", program_.name));
    }
    statistics_.seconds = seconds_since(start);
    statistics_.communication = protocol_.counters() - before;
    return statistics_;
  }

  // For tests and debuggers.
  std::span<const Share> secret_registers() const { return secret_; }
  std::span<const Clear> clear_registers() const { return clear_; }
  std::span<const int64_t> integer_registers() const { return integer_; }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr uint32_t kHalt = UINT32_MAX;

  static double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  template <bool kTrace>
  void loop() {
    const Instruction* code = program_.code.data();
    const uint32_t size = static_cast<uint32_t>(program_.code.size());
    uint32_t pc = program_.entry;
    uint64_t executed = 0;
    try {
      while (pc < size) {  // running past the last instruction halts, like `halt`
        const Instruction& instruction = code[pc];
        if constexpr (kTrace) trace(pc, instruction);
        ++executed;
        switch (instruction.opcode) {
#define MPVM_INSTRUCTION(name, ...)                      \
  case Opcode::name:                                     \
    pc = step<Opcode::name>(instruction, pc);            \
    break;
#include "bytecode/instructions.def"
#undef MPVM_INSTRUCTION
        }
      }
    } catch (...) {
      statistics_.instructions = executed + batched_instructions_;
      rethrow_with_context(fmt::format("{}: pc {} ({})", program_.name, pc, code[pc].info().mnemonic));
    }
    statistics_.instructions = executed + batched_instructions_;
  }

  void trace(uint32_t pc, const Instruction& instruction) {
    *options_.trace << fmt::format("[trace] pc {:>5}  {}\n", pc,
                                   bytecode::instruction_text(program_, instruction,
                                                              [](uint32_t target) { return fmt::format("@{}", target); }));
  }

  // ---- register views (ranges verified at load time) ----
  std::span<Share> s(int64_t first, uint64_t count) { return {secret_.data() + first, count}; }
  std::span<Clear> c(int64_t first, uint64_t count) { return {clear_.data() + first, count}; }
  std::span<int64_t> i(int64_t first, uint64_t count) { return {integer_.data() + first, count}; }

  template <class T>
  static void copy_lanes(std::span<T> to, std::span<const T> from) {
    if (to.data() != from.data()) std::copy(from.begin(), from.end(), to.begin());
  }

  // Prints at party 0 (the process that plays it) as the DESIGN's printing rule says.
  // Called once per printing instruction at every party, printing or not, so that the
  // sequence numbers agree across parties.
  template <class Range, class Format>
  void print_line(int party, const Range& values, Format format) {
    if (!protocol_.plays(party)) return;
    std::string line = party == 0 ? std::string() : fmt::format("P{}: ", party);
    bool first = true;
    for (const auto& value : values) {
      if (!first) line += ' ';
      line += format(value);
      first = false;
    }
    line += '\n';
    out_.write(print_sequence_, line);
  }

  // The matrix and convolution instructions read and write memory blocks; a destination
  // that overlaps a source is computed into a scratch buffer first.
  template <class Compute>
  void memory_product(int64_t dst, uint64_t dst_count, std::initializer_list<std::pair<int64_t, uint64_t>> sources,
                      Compute compute) {
    secret_memory_.ensure(dst, dst_count);
    bool overlaps = false;
    for (const auto& [address, count] : sources) {
      const bool disjoint = static_cast<uint64_t>(address) + count <= static_cast<uint64_t>(dst) ||
                            static_cast<uint64_t>(dst) + dst_count <= static_cast<uint64_t>(address);
      overlaps = overlaps || !disjoint;
    }
    if (!overlaps) {
      compute(secret_memory_.view(dst, dst_count));
      return;
    }
    std::vector<Share> scratch(dst_count);
    compute(std::span<Share>(scratch));
    std::copy(scratch.begin(), scratch.end(), secret_memory_.view(dst, dst_count).begin());
  }

  void start_timer(int id) {
    Timer& timer = timers_[id];
    if (timer.running) throw RuntimeError(fmt::format("timer {} is already running", id));
    timer.running = true;
    timer.started = Clock::now();
    timer.counters_at_start = protocol_.counters();
  }

  void stop_timer(int id) {
    Timer& timer = timers_[id];
    if (!timer.running) throw RuntimeError(fmt::format("timer {} is not running", id));
    timer.running = false;
    TimerStatistics& total = statistics_.timers[id];
    const double seconds = seconds_since(timer.started);
    const protocols::CommunicationCounters spent = protocol_.counters() - timer.counters_at_start;
    total.seconds += seconds;
    total.communication += spent;
    if (options_.progress != nullptr && protocol_.plays(0))
      *options_.progress << fmt::format("[mpvm] timer {}: {:.3f} s, {} bytes sent, {} rounds\n", id, seconds,
                                        spent.bytes_sent, spent.rounds);
  }

  template <Opcode op>
  uint32_t step(const Instruction& instruction, uint32_t pc);
  // Adjacent independent ltz/trunc instructions from pc on, as one batch in shared rounds
  // where the back-end can (protocols::BatchesNonlinear); how many ran (0: none, run the
  // instruction at pc alone).
  uint32_t run_nonlinear_batch(uint32_t pc);

  struct Timer {
    bool running = false;
    Clock::time_point started;
    protocols::CommunicationCounters counters_at_start;
  };

  const bytecode::Program& program_;
  P& protocol_;
  PrivateInputs& inputs_;
  ProgramOutput& out_;
  uint64_t print_sequence_ = 0;
  RunOptions options_;

  ZeroedLargeVector<Share> secret_;  // huge pages, zero without writing (base/large_vector.h)
  ZeroedLargeVector<Clear> clear_;
  ZeroedLargeVector<int64_t> integer_;
  Memory<Share> secret_memory_;
  Memory<Clear> clear_memory_;
  Memory<int64_t> integer_memory_;
  std::vector<uint32_t> call_stack_;
  std::map<int, Timer> timers_;
  RunStatistics statistics_;
  uint64_t batched_instructions_ = 0;  // run inside a batch besides its first
};

}  // namespace mpvm::vm

#include "vm/execute.h"
