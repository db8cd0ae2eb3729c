// A program in memory: the header facts and the decoded instruction array. The assembler
// produces one, the encoder writes it as .bc bytes, the decoder reads it back (and runs
// the verifier), and the interpreter executes it without further parsing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bytecode/instruction_set.h"

namespace mpvm::bytecode {

// One instruction with its operands already resolved: register indices, immediates,
// label targets (instruction indices) and string indices (into Program::strings) are
// all plain integers in operand order.
struct Instruction {
  Opcode opcode = Opcode::halt;
  uint32_t vector_length = 1;
  std::array<int64_t, kMaxOperands> args{};

  const InstructionInfo& info() const { return bytecode::info(opcode); }
};

// Register counts per bank: every register operand of the program lies below them.
struct RegisterCounts {
  uint32_t secret = 0;
  uint32_t clear = 0;
  uint32_t integer = 0;
  bool operator==(const RegisterCounts&) const = default;
};

// Facts a back-end checks before running a program. Derived from the instructions by
// `requirements_of`; a .bc header must state exactly these.
struct Requirements {
  uint32_t max_bit_length = 0;  // largest `bits` operand (0: no comparison or truncation)
  uint32_t min_parties = 1;     // 1 + the largest party operand
  bool operator==(const Requirements&) const = default;
};

struct Program {
  std::string name;  // file name, for messages ("prog.bc: pc 12 (muls): ...")
  uint32_t entry = 0;
  RegisterCounts registers;
  Requirements requirements;
  std::vector<Instruction> code;
  std::vector<std::string> strings;
};

// The register counts and requirements implied by a program's instructions.
RegisterCounts registers_used_by(const std::vector<Instruction>& code);
Requirements requirements_of(const std::vector<Instruction>& code);

// How many registers a register operand spans for this instruction (N, 1, or N*len).
uint64_t register_extent(const Instruction& instruction, const OperandSpec& spec);

}  // namespace mpvm::bytecode
