// The verifier: every rule a program must obey before the interpreter may run it without
// further checks on register indices, vector lengths, jump targets or immediates.
#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"

namespace mpvm::bytecode {
namespace {

struct RegisterRange {
  OperandKind bank;
  uint64_t first;
  uint64_t count;
  std::size_t operand;
};

char bank_letter(OperandKind kind) {
  switch (kind) {
    case OperandKind::secret_register: return 's';
    case OperandKind::clear_register: return 'c';
    default: return 'i';
  }
}

uint32_t declared_count(const RegisterCounts& counts, OperandKind bank) {
  switch (bank) {
    case OperandKind::secret_register: return counts.secret;
    case OperandKind::clear_register: return counts.clear;
    default: return counts.integer;
  }
}

// The product of shape factors, saturated at 2^63 so hostile immediates cannot wrap it.
uint64_t saturating_product(std::initializer_list<int64_t> factors) {
  constexpr uint64_t kCap = uint64_t{1} << 63;
  uint64_t product = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(product, static_cast<uint64_t>(f), &product) || product > kCap) return kCap;
  return product;
}

void check_shapes(const Instruction& instruction, const std::string& where) {
  const auto& a = instruction.args;
  constexpr uint64_t kLimit = uint64_t{1} << 40;  // cells one operand block may span
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw InputError(fmt::format("{}: {}", where, what));
  };
  switch (instruction.opcode) {
    case Opcode::matmuls:
    case Opcode::matmulsm:
      require(saturating_product({a[3], a[4], instruction.vector_length}) <= kLimit &&
                  saturating_product({a[4], a[5], instruction.vector_length}) <= kLimit &&
                  saturating_product({a[3], a[5], instruction.vector_length}) <= kLimit,
              "matrix shape too large");
      break;
    case Opcode::conv2ds: {
      // dst in w in_h in_w in_c out_h out_w out_c k_h k_w s_h s_w pad_t pad_l dil_h dil_w groups
      const int64_t in_c = a[5], out_c = a[8], groups = a[17];
      require(in_c % groups == 0, fmt::format("in_c {} is not a multiple of groups {}", in_c, groups));
      require(out_c % groups == 0, fmt::format("out_c {} is not a multiple of groups {}", out_c, groups));
      require(saturating_product({a[3], a[4], in_c, instruction.vector_length}) <= kLimit &&
                  saturating_product({a[6], a[7], out_c, instruction.vector_length}) <= kLimit &&
                  saturating_product({out_c, a[9], a[10], in_c / groups, instruction.vector_length}) <= kLimit,
              "convolution shape too large");
      break;
    }
    default: break;
  }
}

}  // namespace

void verify(const Program& program, const Locator& locate) {
  auto fail = [&](std::size_t index, const std::string& reason) -> void {
    throw InputError(fmt::format("{}: {}", locate.instruction(index), reason));
  };
  auto fail_header = [&](std::size_t field_offset, const std::string& reason) -> void {
    throw InputError(fmt::format("{}: {}", locate.header(field_offset), reason));
  };

  if (program.code.empty()) fail_header(kInstructionCountOffset, "the program has no instructions");
  if (program.entry >= program.code.size())
    fail_header(kEntryOffset, fmt::format("entry {} is outside the program ({} instructions)", program.entry, program.code.size()));
  for (OperandKind bank : {OperandKind::secret_register, OperandKind::clear_register, OperandKind::int_register})
    if (declared_count(program.registers, bank) > kMaxRegisters)
      fail_header(kRegisterCountsOffset, fmt::format("{} {} registers exceeds the limit of {}", declared_count(program.registers, bank),
                               bank_letter(bank), kMaxRegisters));

  std::vector<RegisterRange> reads, writes;
  for (std::size_t index = 0; index < program.code.size(); ++index) {
    const Instruction& instruction = program.code[index];
    const InstructionInfo& row = instruction.info();
    const auto specs = row.operand_specs();

    if (instruction.vector_length == 0) fail(index, "vector length 0");
    if (instruction.vector_length > kMaxVectorLength)
      fail(index, fmt::format("vector length {} exceeds the limit of {}", instruction.vector_length, kMaxVectorLength));
    if (instruction.vector_length != 1 && !row.has(flag::vector))
      fail(index, fmt::format("{} takes no vector length (got {})", row.mnemonic, instruction.vector_length));

    // Immediates first: register extents may depend on a `length` immediate.
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const int64_t arg = instruction.args[i];
      switch (specs[i].kind) {
        case OperandKind::immediate: {
          const ImmediateRange range = legal_range(specs[i].role);
          if (arg < range.min || arg > range.max)
            fail(index, fmt::format("operand {}: {} {} is outside {}..{}", i + 1, describe(specs[i].role), arg, range.min, range.max));
          break;
        }
        case OperandKind::label:
          if (arg < 0 || static_cast<uint64_t>(arg) >= program.code.size())
            fail(index, fmt::format("operand {}: jump target {} is outside the program ({} instructions)", i + 1, arg, program.code.size()));
          break;
        case OperandKind::string:
          if (arg < 0 || static_cast<uint64_t>(arg) >= program.strings.size()) fail(index, fmt::format("operand {}: no string {}", i + 1, arg));
          break;
        default: break;
      }
    }

    reads.clear();
    writes.clear();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const OperandKind kind = specs[i].kind;
      if (kind != OperandKind::secret_register && kind != OperandKind::clear_register && kind != OperandKind::int_register)
        continue;
      const uint64_t first = static_cast<uint64_t>(instruction.args[i]);
      const uint64_t count = register_extent(instruction, specs[i]);
      const uint32_t declared = declared_count(program.registers, kind);
      if (instruction.args[i] < 0 || first + count > declared) {
        fail(index, fmt::format("operand {}: register {}{}{} is beyond the declared count of {} {} registers", i + 1,
                                bank_letter(kind), first, count > 1 ? fmt::format("..{}{}", bank_letter(kind), first + count - 1) : "",
                                declared, bank_letter(kind)));
      }
      (specs[i].access == Access::write ? writes : reads).push_back({kind, first, count, i});
    }
    // A written range and a read range of one bank are disjoint or identical, so every
    // back-end may compute lane by lane in place (bytecode/README.md, "Aliasing").
    for (const RegisterRange& w : writes) {
      for (const RegisterRange& r : reads) {
        if (w.bank != r.bank) continue;
        const bool disjoint = w.first + w.count <= r.first || r.first + r.count <= w.first;
        const bool identical = w.first == r.first && w.count == r.count;
        if (!disjoint && !identical)
          fail(index, fmt::format("operand {} ({}{}..{}) partially overlaps operand {} ({}{}..{}); use identical or disjoint ranges",
                                  w.operand + 1, bank_letter(w.bank), w.first, w.first + w.count - 1, r.operand + 1,
                                  bank_letter(r.bank), r.first, r.first + r.count - 1));
      }
    }
    check_shapes(instruction, locate.instruction(index));
  }

  const RegisterCounts used = registers_used_by(program.code);
  if (used != program.registers)
    fail_header(kRegisterCountsOffset, fmt::format("header declares s/c/i register counts {}/{}/{} but the instructions use {}/{}/{}",
                             program.registers.secret, program.registers.clear, program.registers.integer, used.secret,
                             used.clear, used.integer));
  const Requirements derived = requirements_of(program.code);
  if (derived != program.requirements)
    fail_header(kRequirementsOffset, fmt::format("header states bit length {} and {} parties but the instructions need {} and {}",
                             program.requirements.max_bit_length, program.requirements.min_parties,
                             derived.max_bit_length, derived.min_parties));
}

}  // namespace mpvm::bytecode
