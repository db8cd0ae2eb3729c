// Random programs the verifier accepts, and program equality: shared by the bytecode and
// assembler tests (and the fuzz seeds).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "bytecode/instruction_set.h"
#include "bytecode/program.h"

#include "tests/support/valid_programs.h"

namespace mpvm::testing {

using bytecode::ImmediateRole;
using bytecode::Instruction;
using bytecode::InstructionInfo;
using bytecode::Opcode;
using bytecode::OperandKind;
using bytecode::Program;

int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}
namespace {
bool one_in(std::mt19937_64& rng, int n) { return uniform(rng, 0, n - 1) == 0; }

// A legal immediate for `role`, biased towards the ends of its range.
int64_t random_immediate(std::mt19937_64& rng, ImmediateRole role) {
  const bytecode::ImmediateRange range = bytecode::legal_range(role);
  switch (uniform(rng, 0, 5)) {
    case 0: return range.min;
    case 1: return range.max;
    case 2: return std::clamp<int64_t>(uniform(rng, -3, 3), range.min, range.max);
    default: return role == ImmediateRole::value ? static_cast<int64_t>(rng()) : uniform(rng, range.min, range.max);
  }
}

// Bytes a string operand may hold: printable text, every character the assembly syntax
// treats specially, control bytes and bytes >= 0x80.
std::string random_string(std::mt19937_64& rng) {
  static constexpr std::string_view kSpecial = "\"\\\n\t\r#,: \x7f\x80\xff";
  const int64_t size = one_in(rng, 20) ? uniform(rng, 100, 400) : uniform(rng, 0, 16);
  std::string text;
  for (int64_t k = 0; k < size; ++k) {
    switch (uniform(rng, 0, 3)) {
      case 0: text += kSpecial[static_cast<std::size_t>(uniform(rng, 0, kSpecial.size() - 1))]; break;
      case 1: text += static_cast<char>(uniform(rng, 0, 255)); break;
      default: text += static_cast<char>(uniform(rng, 'a', 'z')); break;
    }
  }
  return text;
}

// One instruction of `row` with operands that the verifier must accept in a program of
// `program_size` instructions. Strings are appended to `strings` (one per operand, in
// order, as the decoder and the assembler number them).
Instruction random_instruction(std::mt19937_64& rng, const InstructionInfo& row, std::size_t program_size,
                               std::vector<std::string>& strings) {
  Instruction instruction;
  instruction.opcode = row.opcode;
  if (row.has(bytecode::flag::vector)) {
    const int64_t pick = uniform(rng, 0, 7);
    instruction.vector_length = static_cast<uint32_t>(pick < 4 ? 1 : pick < 7 ? uniform(rng, 2, 8) : uniform(rng, 9, 300));
  }
  const auto specs = row.operand_specs();

  // Immediates, labels and strings first: register extents depend on a `len` immediate.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    int64_t& arg = instruction.args[i];
    switch (specs[i].kind) {
      case OperandKind::immediate:
        if (specs[i].role == ImmediateRole::dimension) {
          // Shapes: the verifier bounds the cells a block spans, so keep the products small
          // (conv2ds strides and dilations, operands 12, 13, 16, 17, are not in any product).
          const bool free_dimension = row.opcode == Opcode::conv2ds && (i == 11 || i == 12 || i == 15 || i == 16);
          arg = free_dimension ? random_immediate(rng, specs[i].role) : uniform(rng, 1, 6);
        } else if (specs[i].role == ImmediateRole::length) {
          arg = uniform(rng, 1, 4);
        } else {
          arg = random_immediate(rng, specs[i].role);
        }
        break;
      case OperandKind::label: arg = uniform(rng, 0, static_cast<int64_t>(program_size) - 1); break;
      case OperandKind::string:
        arg = static_cast<int64_t>(strings.size());
        strings.push_back(random_string(rng));
        break;
      default: break;
    }
  }
  if (row.opcode == Opcode::conv2ds) {
    // in_c and out_c must be multiples of groups (operands 6, 9 and 18).
    const int64_t groups = uniform(rng, 1, 3);
    instruction.args[5] = groups * uniform(rng, 1, 3);
    instruction.args[8] = groups * uniform(rng, 1, 3);
    instruction.args[17] = groups;
  }

  // Registers: each operand gets a fresh range above the previous one of its bank (so
  // written and read ranges are disjoint), except that a read sometimes reuses a written
  // range of the same bank and size exactly (identical ranges are legal aliasing).
  struct Written {
    OperandKind bank;
    int64_t first;
    uint64_t count;
  };
  std::vector<Written> written;
  std::array<int64_t, 3> next{uniform(rng, 0, 40), uniform(rng, 0, 40), uniform(rng, 0, 40)};
  auto bank_slot = [](OperandKind kind) { return kind == OperandKind::secret_register ? 0 : kind == OperandKind::clear_register ? 1 : 2; };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const OperandKind kind = specs[i].kind;
    if (kind != OperandKind::secret_register && kind != OperandKind::clear_register && kind != OperandKind::int_register)
      continue;
    const uint64_t count = bytecode::register_extent(instruction, specs[i]);
    if (specs[i].access == bytecode::Access::read && one_in(rng, 3)) {
      auto same = std::find_if(written.begin(), written.end(), [&](const Written& w) { return w.bank == kind && w.count == count; });
      if (same != written.end()) {
        instruction.args[i] = same->first;
        continue;
      }
    }
    int64_t& cursor = next[bank_slot(kind)];
    cursor += uniform(rng, 0, 3);
    instruction.args[i] = cursor;
    cursor += static_cast<int64_t>(count);
    if (specs[i].access == bytecode::Access::write) written.push_back({kind, instruction.args[i], count});
  }
  // Now and then move every register to the top of its bank, so the highest legal index
  // (2^24 - 1) is exercised too.
  if (one_in(rng, 15)) {
    uint64_t highest_end = 0;
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (specs[i].kind == OperandKind::secret_register || specs[i].kind == OperandKind::clear_register ||
          specs[i].kind == OperandKind::int_register)
        highest_end = std::max(highest_end, static_cast<uint64_t>(instruction.args[i]) + bytecode::register_extent(instruction, specs[i]));
    const int64_t shift = static_cast<int64_t>(bytecode::kMaxRegisters - highest_end);
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (specs[i].kind == OperandKind::secret_register || specs[i].kind == OperandKind::clear_register ||
          specs[i].kind == OperandKind::int_register)
        instruction.args[i] += shift;
  }
  return instruction;
}

}  // namespace

// Sets the header facts from the instructions, as the assembler does.
void complete_header(Program& program, uint32_t entry) {
  program.entry = entry;
  program.registers = bytecode::registers_used_by(program.code);
  program.requirements = bytecode::requirements_of(program.code);
}

// A valid program made of the given instructions, in that order, with random operands.
Program random_valid_program(std::mt19937_64& rng, const std::vector<Opcode>& opcodes) {
  Program program;
  program.name = "random.bc";
  for (Opcode opcode : opcodes)
    program.code.push_back(random_instruction(rng, bytecode::info(opcode), opcodes.size(), program.strings));
  complete_header(program, one_in(rng, 2) ? 0 : static_cast<uint32_t>(uniform(rng, 0, static_cast<int64_t>(opcodes.size()) - 1)));
  return program;
}

// A valid program of `length` instructions drawn uniformly from the table.
Program random_valid_program(std::mt19937_64& rng, std::size_t length) {
  std::vector<Opcode> opcodes;
  for (std::size_t k = 0; k < length; ++k)
    opcodes.push_back(bytecode::kInstructionTable[static_cast<std::size_t>(uniform(rng, 0, bytecode::kInstructionCount - 1))].opcode);
  return random_valid_program(rng, opcodes);
}

// Field-by-field equality, with a message naming the first difference.
::testing::AssertionResult programs_equal(const Program& a, const Program& b) {
  auto differ = [](const std::string& what) { return ::testing::AssertionFailure() << "programs differ in " << what; };
  if (a.entry != b.entry) return differ("entry: " + std::to_string(a.entry) + " vs " + std::to_string(b.entry));
  if (a.registers != b.registers) return differ("register counts");
  if (a.requirements != b.requirements) return differ("requirements");
  if (a.strings != b.strings) return differ("strings");
  if (a.code.size() != b.code.size()) return differ("instruction count");
  for (std::size_t k = 0; k < a.code.size(); ++k) {
    const Instruction& x = a.code[k];
    const Instruction& y = b.code[k];
    const std::string where = "instruction " + std::to_string(k) + " (" + std::string(x.info().mnemonic) + ")";
    if (x.opcode != y.opcode) return differ(where + ": opcode");
    if (x.vector_length != y.vector_length) return differ(where + ": vector length");
    for (std::size_t i = 0; i < bytecode::kMaxOperands; ++i)
      if (x.args[i] != y.args[i])
        return differ(where + ": operand " + std::to_string(i + 1) + ": " + std::to_string(x.args[i]) + " vs " +
                      std::to_string(y.args[i]));
  }
  return ::testing::AssertionSuccess();
}

}  // namespace mpvm::testing
