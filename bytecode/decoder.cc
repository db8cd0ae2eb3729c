#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"

namespace mpvm::bytecode {
namespace {

// Reads little-endian fields and names the offset of whatever is missing.
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }

  uint16_t u16(const char* what) { return fixed<uint16_t>(what); }
  uint32_t u32(const char* what) { return fixed<uint32_t>(what); }
  int64_t i64(const char* what) { return fixed<int64_t>(what); }

  std::string bytes(std::size_t count, const char* what) {
    need(count, what);
    std::string text(reinterpret_cast<const char*>(bytes_.data() + offset_), count);
    offset_ += count;
    return text;
  }

  [[noreturn]] void fail(std::size_t at, const std::string& reason) const {
    throw InputError(fmt::format("{}: offset {:#x}: {}", name_, at, reason));
  }

 private:
  template <class T>
  T fixed(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return value;
  }
  void need(std::size_t count, const char* what) const {
    if (remaining() < count)
      fail(offset_, fmt::format("truncated: {} needs {} bytes, {} left", what, count, remaining()));
  }

  std::span<const uint8_t> bytes_;
  const std::string& name_;
  std::size_t offset_ = 0;
};

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(fmt::format("{}: cannot open file", path));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) throw InputError(fmt::format("{}: read error", path));
  return bytes;
}

Program decode(std::span<const uint8_t> bytes, const std::string& name) {
  ByteReader in(bytes, name);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    in.fail(0, "not an mpvm bytecode file (wrong magic; assemble .s files with `mpvm asm`)");
  in.bytes(sizeof kMagic, "magic");
  const uint32_t version = in.u32("format version");
  if (version != kFormatVersion)
    in.fail(8, fmt::format("format version {} is not supported (this mpvm reads version {})", version, kFormatVersion));

  Program program;
  program.name = name;
  program.requirements.max_bit_length = in.u32("max bit length");
  program.requirements.min_parties = in.u32("party count");
  program.entry = in.u32("entry");
  program.registers.secret = in.u32("secret register count");
  program.registers.clear = in.u32("clear register count");
  program.registers.integer = in.u32("integer register count");
  const std::size_t count_offset = in.offset();
  const uint32_t count = in.u32("instruction count");
  // Every instruction takes at least kMinInstructionBytes, so a count the file cannot hold
  // is rejected before anything is reserved for it.
  if (count > in.remaining() / kMinInstructionBytes)
    in.fail(count_offset, fmt::format("instruction count {} does not fit in the {} bytes that follow", count, in.remaining()));
  if (count == 0) in.fail(count_offset, "the program has no instructions");

  std::vector<std::size_t> offsets;
  offsets.reserve(count);
  program.code.reserve(count);
  for (uint32_t index = 0; index < count; ++index) {
    const std::size_t start = in.offset();
    offsets.push_back(start);
    const uint16_t code = in.u16("opcode");
    const InstructionInfo* row = find_by_code(code);
    if (row == nullptr) in.fail(start, fmt::format("instruction {}: unknown opcode {:#x}", index, code));
    Instruction instruction;
    instruction.opcode = row->opcode;
    instruction.vector_length = in.u32("vector length");
    const auto specs = row->operand_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      switch (specs[i].kind) {
        case OperandKind::secret_register:
        case OperandKind::clear_register:
        case OperandKind::int_register:
        case OperandKind::label: instruction.args[i] = in.u32("operand"); break;
        case OperandKind::immediate: instruction.args[i] = in.i64("immediate operand"); break;
        case OperandKind::string: {
          const std::size_t at = in.offset();
          const uint32_t size = in.u32("string length");
          if (size > kMaxStringBytes)
            in.fail(at, fmt::format("instruction {} ({}): string of {} bytes exceeds the limit of {}", index, row->mnemonic, size, kMaxStringBytes));
          instruction.args[i] = static_cast<int64_t>(program.strings.size());
          program.strings.push_back(in.bytes(size, "string"));
          break;
        }
      }
    }
    program.code.push_back(instruction);
  }
  if (in.remaining() != 0)
    in.fail(in.offset(), fmt::format("{} unexpected bytes after the last instruction", in.remaining()));

  verify(program, Locator{[&](std::size_t index) {
                            return fmt::format("{}: offset {:#x}: instruction {} ({})", name, offsets[index], index,
                                               program.code[index].info().mnemonic);
                          },
                          [&](std::size_t field_offset) {
                            return fmt::format("{}: offset {:#x}: header", name, field_offset);
                          }});
  return program;
}

}  // namespace mpvm::bytecode
