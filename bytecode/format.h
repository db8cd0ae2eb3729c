// The .bc file format. All integers little-endian.
//
//   offset  size  field
//   0       8     magic "MPVMBC\x1a\n"
//   8       4     format version (kFormatVersion)
//   12      4     max_bit_length: largest `bits` operand (Requirements)
//   16      4     min_parties: 1 + largest party operand (Requirements)
//   20      4     entry: index of the first instruction to run
//   24      4     secret register count
//   28      4     clear register count
//   32      4     integer register count
//   36      4     instruction count
//   40      ...   instructions
//
// An instruction is: u16 opcode, u32 vector length, then each operand in table order:
// register u32 index; immediate i64; label u32 instruction index; string u32 byte length
// followed by the bytes. Nothing may follow the last instruction.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bytecode/program.h"

namespace mpvm::bytecode {

inline constexpr char kMagic[8] = {'M', 'P', 'V', 'M', 'B', 'C', '\x1a', '\n'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderBytes = 40;
inline constexpr std::size_t kMinInstructionBytes = 6;  // opcode + vector length

// Writes a program as .bc bytes. The program must be valid (see verify).
std::vector<uint8_t> encode(const Program& program);

// Reads .bc bytes and verifies them. Throws InputError naming `name`, the byte offset and
// the reason for anything malformed. Never allocates more than a small multiple of the
// input size, whatever the header claims.
Program decode(std::span<const uint8_t> bytes, const std::string& name);

// Reads a whole file (InputError if it cannot be read).
std::vector<uint8_t> read_file_bytes(const std::string& path);

// Byte offsets of the header fields, for messages about them.
inline constexpr std::size_t kRequirementsOffset = 12;
inline constexpr std::size_t kEntryOffset = 20;
inline constexpr std::size_t kRegisterCountsOffset = 24;
inline constexpr std::size_t kInstructionCountOffset = 36;

// Names places in messages. `instruction(index)`: "prog.bc: offset 0x34: instruction 3
// (muls)" for decoded bytes, "prog.s:12:5" for assembled text. `header(offset)`: the
// header field at that byte offset ("prog.bc: offset 0x14: header"), or for text the
// place that set it.
struct Locator {
  std::function<std::string(std::size_t index)> instruction;
  std::function<std::string(std::size_t field_offset)> header;
};

// Checks every rule a runnable program obeys (the rules are listed in bytecode/README.md).
// Throws InputError with `locate(index)` as the prefix.
void verify(const Program& program, const Locator& locate);

}  // namespace mpvm::bytecode
