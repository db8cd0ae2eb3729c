// The instruction set as C++: the Opcode enum and the table of InstructionInfo, both
// expanded from instructions.def. Everything else asks this file about instructions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "bytecode/operand.h"

namespace mpvm::bytecode {

// The largest operand count of any instruction (conv2ds). Checked against the table below.
inline constexpr std::size_t kMaxOperands = 18;

enum class Opcode : uint16_t {
#define MPVM_INSTRUCTION(name, code, flags, synopsis, description, ...) name = code,
#include "bytecode/instructions.def"
#undef MPVM_INSTRUCTION
};

// Instruction flags, combined with | in the table.
namespace flag {
inline constexpr uint32_t none = 0;
inline constexpr uint32_t vector = 1u << 0;        // accepts a vector length N > 1
inline constexpr uint32_t communicates = 1u << 1;  // the protocol sends messages
inline constexpr uint32_t reveals = 1u << 2;       // makes values public: check() first
inline constexpr uint32_t control = 1u << 3;       // changes the program counter
}  // namespace flag

struct InstructionInfo {
  Opcode opcode;
  std::string_view mnemonic;
  uint32_t flags;
  std::string_view synopsis;
  std::string_view description;
  std::array<OperandSpec, kMaxOperands> operands;
  uint8_t operand_count;

  bool has(uint32_t f) const { return (flags & f) != 0; }
  std::span<const OperandSpec> operand_specs() const { return {operands.data(), operand_count}; }
};

namespace detail {
constexpr InstructionInfo make_info(Opcode opcode, std::string_view mnemonic, uint32_t flags,
                                    std::string_view synopsis, std::string_view description,
                                    std::initializer_list<OperandSpec> specs) {
  InstructionInfo info{opcode, mnemonic, flags, synopsis, description, {}, 0};
  for (const OperandSpec& spec : specs) info.operands[info.operand_count++] = spec;
  return info;
}
}  // namespace detail

inline constexpr InstructionInfo kInstructionTable[] = {
#define MPVM_INSTRUCTION(name, code, flags, synopsis, description, ...)                       \
  [] {                                                                                        \
    using namespace operand;                                                                  \
    using namespace flag;                                                                     \
    return detail::make_info(Opcode::name, #name, flags, synopsis, description, {__VA_ARGS__}); \
  }(),
#include "bytecode/instructions.def"
#undef MPVM_INSTRUCTION
};

inline constexpr std::size_t kInstructionCount = std::size(kInstructionTable);

// Opcode byte values are below this bound, so a flat array maps a code to its row.
inline constexpr std::size_t kOpcodeSpace = 256;

namespace detail {
constexpr std::array<int16_t, kOpcodeSpace> make_code_index() {
  std::array<int16_t, kOpcodeSpace> index{};
  for (auto& slot : index) slot = -1;
  for (std::size_t row = 0; row < kInstructionCount; ++row)
    index[static_cast<uint16_t>(kInstructionTable[row].opcode)] = static_cast<int16_t>(row);
  return index;
}
constexpr bool codes_are_unique_and_small() {
  for (std::size_t a = 0; a < kInstructionCount; ++a) {
    if (static_cast<uint16_t>(kInstructionTable[a].opcode) >= kOpcodeSpace) return false;
    for (std::size_t b = a + 1; b < kInstructionCount; ++b)
      if (kInstructionTable[a].opcode == kInstructionTable[b].opcode) return false;
  }
  return true;
}
inline constexpr std::array<int16_t, kOpcodeSpace> kCodeIndex = make_code_index();
}  // namespace detail

static_assert(detail::codes_are_unique_and_small(), "instructions.def: opcode codes must be unique and < 256");

// The row of a known opcode.
constexpr const InstructionInfo& info(Opcode opcode) {
  return kInstructionTable[detail::kCodeIndex[static_cast<uint16_t>(opcode)]];
}

// The row for a raw code from a file, or nullptr if no instruction has that code.
constexpr const InstructionInfo* find_by_code(uint16_t code) {
  if (code >= kOpcodeSpace || detail::kCodeIndex[code] < 0) return nullptr;
  return &kInstructionTable[detail::kCodeIndex[code]];
}

// The row for a mnemonic, or nullptr.
const InstructionInfo* find_by_mnemonic(std::string_view mnemonic);

// Names used in messages: "secret register", "label", ...
std::string_view describe(OperandKind kind);
std::string_view describe(ImmediateRole role);

// The inclusive legal range of an immediate of that role.
struct ImmediateRange {
  int64_t min;
  int64_t max;
};
ImmediateRange legal_range(ImmediateRole role);

// Limits every program must respect: they bound what hostile bytes can make us allocate.
inline constexpr uint32_t kMaxVectorLength = 1u << 24;
inline constexpr uint32_t kMaxRegisters = 1u << 24;  // per bank
inline constexpr uint32_t kMaxStringBytes = 1u << 16;

}  // namespace mpvm::bytecode
