#include "bytecode/program.h"

#include <algorithm>

namespace mpvm::bytecode {

uint64_t register_extent(const Instruction& instruction, const OperandSpec& spec) {
  switch (spec.extent) {
    case Extent::scalar: return 1;
    case Extent::vector: return instruction.vector_length;
    case Extent::vector_times_length: {
      const auto specs = instruction.info().operand_specs();
      for (std::size_t i = 0; i < specs.size(); ++i)
        if (specs[i].role == ImmediateRole::length)
          return uint64_t{instruction.vector_length} * static_cast<uint64_t>(std::max<int64_t>(instruction.args[i], 0));
      return instruction.vector_length;
    }
  }
  return 1;
}

RegisterCounts registers_used_by(const std::vector<Instruction>& code) {
  uint64_t secret = 0, clear = 0, integer = 0;
  for (const Instruction& instruction : code) {
    const auto specs = instruction.info().operand_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const uint64_t end = static_cast<uint64_t>(instruction.args[i]) + register_extent(instruction, specs[i]);
      switch (specs[i].kind) {
        case OperandKind::secret_register: secret = std::max(secret, end); break;
        case OperandKind::clear_register: clear = std::max(clear, end); break;
        case OperandKind::int_register: integer = std::max(integer, end); break;
        default: break;
      }
    }
  }
  auto clamp = [](uint64_t n) { return static_cast<uint32_t>(std::min<uint64_t>(n, UINT32_MAX)); };
  return {clamp(secret), clamp(clear), clamp(integer)};
}

Requirements requirements_of(const std::vector<Instruction>& code) {
  Requirements requirements;
  for (const Instruction& instruction : code) {
    const auto specs = instruction.info().operand_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].role == ImmediateRole::bit_length)
        requirements.max_bit_length = std::max<uint32_t>(requirements.max_bit_length, static_cast<uint32_t>(instruction.args[i]));
      if (specs[i].role == ImmediateRole::party)
        requirements.min_parties = std::max<uint32_t>(requirements.min_parties, static_cast<uint32_t>(instruction.args[i] + 1));
    }
  }
  return requirements;
}

}  // namespace mpvm::bytecode
