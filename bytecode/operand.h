// What an operand of an instruction is: its kind (which register bank, or an immediate,
// label or string), whether it is read or written, how many consecutive registers or
// memory cells it spans, and for immediates which range of values is legal.
// The instruction table (instructions.def) is written in terms of the constants below.
#pragma once

#include <cstdint>

namespace mpvm::bytecode {

enum class OperandKind : uint8_t {
  secret_register,  // s bank: shares of the protocol's domain
  clear_register,   // c bank: clear values of the same domain
  int_register,     // i bank: clear signed 64-bit integers
  immediate,        // a signed 64-bit constant
  label,            // an instruction index (a jump or call target)
  string,           // a string constant
};

enum class Access : uint8_t { read, write, none };

// How many consecutive registers a register operand covers, for vector length N.
enum class Extent : uint8_t {
  vector,                // N registers: the default for vectorized instructions
  scalar,                // exactly one register whatever N is (a condition, an address)
  vector_times_length,   // N * len registers, len being the instruction's `length` immediate
};

// The legal range of an immediate, checked by the verifier.
enum class ImmediateRole : uint8_t {
  none,       // not an immediate
  value,      // any 64-bit value
  party,      // a party number, 0 .. 2^16-1 (checked against the party count at run time)
  bit_length, // `bits` of ltz/eqz/trunc: 1 .. 64
  shift,      // `m` of trunc/truncpr: 0 .. 63
  address,    // a memory address: 0 .. 2^40
  dimension,  // a shape dimension, stride or dilation: 1 .. 2^24
  padding,    // a padding amount: 0 .. 2^24
  length,     // `len` of dotprods: 1 .. 2^24 (the register extent multiplier)
  timer,      // a timer number: 0 .. 99
};

struct OperandSpec {
  OperandKind kind;
  Access access;
  Extent extent;
  ImmediateRole role;
};

// Shorthands used in instructions.def. Lower case, short on purpose: the table reads like
// the DESIGN's operand columns.
namespace operand {
inline constexpr OperandSpec sw{OperandKind::secret_register, Access::write, Extent::vector, ImmediateRole::none};
inline constexpr OperandSpec sr{OperandKind::secret_register, Access::read, Extent::vector, ImmediateRole::none};
inline constexpr OperandSpec sr_len{OperandKind::secret_register, Access::read, Extent::vector_times_length, ImmediateRole::none};
inline constexpr OperandSpec cw{OperandKind::clear_register, Access::write, Extent::vector, ImmediateRole::none};
inline constexpr OperandSpec cr{OperandKind::clear_register, Access::read, Extent::vector, ImmediateRole::none};
inline constexpr OperandSpec iw{OperandKind::int_register, Access::write, Extent::vector, ImmediateRole::none};
inline constexpr OperandSpec ir{OperandKind::int_register, Access::read, Extent::vector, ImmediateRole::none};
inline constexpr OperandSpec ir_scalar{OperandKind::int_register, Access::read, Extent::scalar, ImmediateRole::none};
inline constexpr OperandSpec imm{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::value};
inline constexpr OperandSpec party{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::party};
inline constexpr OperandSpec bits{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::bit_length};
inline constexpr OperandSpec shift{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::shift};
inline constexpr OperandSpec addr{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::address};
inline constexpr OperandSpec dim{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::dimension};
inline constexpr OperandSpec pad{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::padding};
inline constexpr OperandSpec len{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::length};
inline constexpr OperandSpec timer{OperandKind::immediate, Access::none, Extent::scalar, ImmediateRole::timer};
inline constexpr OperandSpec label{OperandKind::label, Access::none, Extent::scalar, ImmediateRole::none};
inline constexpr OperandSpec str{OperandKind::string, Access::none, Extent::scalar, ImmediateRole::none};
}  // namespace operand

}  // namespace mpvm::bytecode
