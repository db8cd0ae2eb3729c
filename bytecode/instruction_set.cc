#include "bytecode/instruction_set.h"

#include <string>
#include <unordered_map>

namespace mpvm::bytecode {

const InstructionInfo* find_by_mnemonic(std::string_view mnemonic) {
  static const std::unordered_map<std::string_view, const InstructionInfo*> by_name = [] {
    std::unordered_map<std::string_view, const InstructionInfo*> map;
    for (const InstructionInfo& row : kInstructionTable) map.emplace(row.mnemonic, &row);
    return map;
  }();
  auto found = by_name.find(mnemonic);
  return found == by_name.end() ? nullptr : found->second;
}

std::string_view describe(OperandKind kind) {
  switch (kind) {
    case OperandKind::secret_register: return "secret register (s)";
    case OperandKind::clear_register: return "clear register (c)";
    case OperandKind::int_register: return "integer register (i)";
    case OperandKind::immediate: return "immediate";
    case OperandKind::label: return "label";
    case OperandKind::string: return "string";
  }
  return "operand";
}

std::string_view describe(ImmediateRole role) {
  switch (role) {
    case ImmediateRole::none: return "operand";
    case ImmediateRole::value: return "value";
    case ImmediateRole::party: return "party number";
    case ImmediateRole::bit_length: return "bit length";
    case ImmediateRole::shift: return "shift";
    case ImmediateRole::address: return "memory address";
    case ImmediateRole::dimension: return "dimension";
    case ImmediateRole::padding: return "padding";
    case ImmediateRole::length: return "length";
    case ImmediateRole::timer: return "timer number";
  }
  return "immediate";
}

ImmediateRange legal_range(ImmediateRole role) {
  constexpr int64_t kShapeLimit = int64_t{1} << 24;
  switch (role) {
    case ImmediateRole::none:
    case ImmediateRole::value: return {INT64_MIN, INT64_MAX};
    case ImmediateRole::party: return {0, (1 << 16) - 1};
    case ImmediateRole::bit_length: return {1, 64};
    case ImmediateRole::shift: return {0, 63};
    case ImmediateRole::address: return {0, int64_t{1} << 40};
    case ImmediateRole::dimension: return {1, kShapeLimit};
    case ImmediateRole::padding: return {0, kShapeLimit};
    case ImmediateRole::length: return {1, kShapeLimit};
    case ImmediateRole::timer: return {0, 99};
  }
  return {0, 0};
}

}  // namespace mpvm::bytecode
