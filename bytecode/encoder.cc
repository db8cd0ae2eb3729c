#include <bit>
#include <cstring>

#include "bytecode/format.h"

namespace mpvm::bytecode {
namespace {

class ByteWriter {
 public:
  void u16(uint16_t v) { raw(&v, 2); }
  void u32(uint32_t v) { raw(&v, 4); }
  void i64(int64_t v) { raw(&v, 8); }
  void raw(const void* data, std::size_t size) {
    // The format is little-endian, as is every machine mpvm builds on (checked below).
    const auto* bytes = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), bytes, bytes + size);
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

static_assert(std::endian::native == std::endian::little, "the .bc encoder assumes a little-endian host");

}  // namespace

std::vector<uint8_t> encode(const Program& program) {
  ByteWriter out;
  out.raw(kMagic, sizeof kMagic);
  out.u32(kFormatVersion);
  out.u32(program.requirements.max_bit_length);
  out.u32(program.requirements.min_parties);
  out.u32(program.entry);
  out.u32(program.registers.secret);
  out.u32(program.registers.clear);
  out.u32(program.registers.integer);
  out.u32(static_cast<uint32_t>(program.code.size()));
  for (const Instruction& instruction : program.code) {
    out.u16(static_cast<uint16_t>(instruction.opcode));
    out.u32(instruction.vector_length);
    const auto specs = instruction.info().operand_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const int64_t arg = instruction.args[i];
      switch (specs[i].kind) {
        case OperandKind::secret_register:
        case OperandKind::clear_register:
        case OperandKind::int_register:
        case OperandKind::label: out.u32(static_cast<uint32_t>(arg)); break;
        case OperandKind::immediate: out.i64(arg); break;
        case OperandKind::string: {
          const std::string& text = program.strings.at(static_cast<std::size_t>(arg));
          out.u32(static_cast<uint32_t>(text.size()));
          out.raw(text.data(), text.size());
          break;
        }
      }
    }
  }
  return out.take();
}

}  // namespace mpvm::bytecode
