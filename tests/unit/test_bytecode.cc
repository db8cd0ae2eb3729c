// The .bc format: encoder and decoder agree on every instruction of the table, and the
// decoder (with the verifier behind it) turns every kind of malformed or hostile byte
// string into an mpvm::InputError that names the byte offset and the reason — never a
// crash, a hang, another exception type or an unbounded allocation.
//
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


namespace {

using bytecode::decode;
using bytecode::encode;

constexpr std::size_t kVersionOffset = 8;
constexpr std::size_t kMaxBitsOffset = 12;
constexpr std::size_t kEntryOffset = 20;
constexpr std::size_t kSecretCountOffset = 24;
constexpr std::size_t kCountOffset = 36;
constexpr std::size_t kFirstInstruction = 40;

void put_u16(std::vector<uint8_t>& bytes, std::size_t at, uint16_t v) { std::memcpy(bytes.data() + at, &v, 2); }
void put_u32(std::vector<uint8_t>& bytes, std::size_t at, uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }
void put_i64(std::vector<uint8_t>& bytes, std::size_t at, int64_t v) { std::memcpy(bytes.data() + at, &v, 8); }

// Byte offset of each instruction and of each of its operands, computed from the layout
// documented in bytecode/format.h (independently of the decoder).
struct Layout {
  std::vector<std::size_t> instruction;
  std::vector<std::array<std::size_t, bytecode::kMaxOperands>> operand;
};
Layout layout_of(const Program& program) {
  Layout layout;
  std::size_t at = kFirstInstruction;
  for (const Instruction& instruction : program.code) {
    layout.instruction.push_back(at);
    at += 6;
    std::array<std::size_t, bytecode::kMaxOperands> operands{};
    const auto specs = instruction.info().operand_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      operands[i] = at;
      switch (specs[i].kind) {
        case OperandKind::immediate: at += 8; break;
        case OperandKind::string: at += 4 + program.strings.at(static_cast<std::size_t>(instruction.args[i])).size(); break;
        default: at += 4; break;
      }
    }
    layout.operand.push_back(operands);
  }
  return layout;
}

Instruction make(Opcode opcode, std::initializer_list<int64_t> args, uint32_t vector_length = 1) {
  Instruction instruction;
  instruction.opcode = opcode;
  instruction.vector_length = vector_length;
  std::size_t i = 0;
  for (int64_t arg : args) instruction.args[i++] = arg;
  return instruction;
}

// A program with a consistent header (registers, requirements) around `code`.
Program program_of(std::vector<Instruction> code, std::vector<std::string> strings = {}, uint32_t entry = 0) {
  Program program;
  program.name = "test.bc";
  program.code = std::move(code);
  program.strings = std::move(strings);
  complete_header(program, entry);
  return program;
}

// The message of the InputError that decoding `bytes` throws. Success or any other
// exception type is a test failure.
std::string decode_error(const std::vector<uint8_t>& bytes) {
  try {
    decode(bytes, "test.bc");
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "decode threw something other than mpvm::InputError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "decode accepted malformed bytes";
  return "";
}

::testing::AssertionResult contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}
::testing::AssertionResult starts_with(const std::string& text, std::string_view prefix) {
  if (std::string_view(text).starts_with(prefix)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not start with '" << prefix << "'";
}
std::string hex(std::size_t offset) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "0x%zx", offset);
  return buffer;
}
// "test.bc: offset 0x28: instruction 0 (adds): " — the prefix of instruction-level errors.
std::string at_instruction(const Program& program, std::size_t index) {
  return "test.bc: offset " + hex(layout_of(program).instruction[index]) + ": instruction " + std::to_string(index) + " (" +
         std::string(program.code[index].info().mnemonic) + "): ";
}
bool has_offset_prefix(const std::string& message) {
  static constexpr std::string_view kPrefix = "test.bc: offset 0x";
  if (!message.starts_with(kPrefix)) return false;
  std::size_t k = kPrefix.size();
  const std::size_t digits_start = k;
  while (k < message.size() && std::isxdigit(static_cast<unsigned char>(message[k]))) ++k;
  return k > digits_start && message.compare(k, 2, ": ") == 0;
}

// Decodes, checks equality with the original field by field and byte identity of the
// re-encoding.
void expect_round_trip(const Program& program) {
  const std::vector<uint8_t> bytes = encode(program);
  Program decoded;
  try {
    decoded = decode(bytes, program.name);
  } catch (const std::exception& e) {
    FAIL() << "a valid program was rejected: " << e.what();
  }
  EXPECT_EQ(decoded.name, program.name);
  EXPECT_TRUE(programs_equal(decoded, program));
  EXPECT_EQ(encode(decoded), bytes);
}

// ---- the table itself -------------------------------------------------------------------

TEST(BytecodeTable, LookupsByCodeAndMnemonicFindTheSameRow) {
  for (const InstructionInfo& row : bytecode::kInstructionTable) {
    EXPECT_EQ(bytecode::find_by_code(static_cast<uint16_t>(row.opcode)), &row) << row.mnemonic;
    EXPECT_EQ(bytecode::find_by_mnemonic(row.mnemonic), &row) << row.mnemonic;
    EXPECT_EQ(&bytecode::info(row.opcode), &row) << row.mnemonic;
  }
  EXPECT_EQ(bytecode::find_by_code(0x00), nullptr);
  EXPECT_EQ(bytecode::find_by_code(0xff), nullptr);
  EXPECT_EQ(bytecode::find_by_code(0x1234), nullptr);
  EXPECT_EQ(bytecode::find_by_mnemonic("mul"), nullptr);
}

TEST(BytecodeTable, EveryRowIsWellFormed) {
  for (const InstructionInfo& row : bytecode::kInstructionTable) {
    SCOPED_TRACE(std::string(row.mnemonic));
    bool has_length = false, spans_length = false;
    for (const bytecode::OperandSpec& spec : row.operand_specs()) {
      const bool immediate = spec.kind == OperandKind::immediate;
      // Immediates and only immediates carry a role; registers and only registers an access.
      EXPECT_EQ(immediate, spec.role != ImmediateRole::none);
      const bool reg = spec.kind == OperandKind::secret_register || spec.kind == OperandKind::clear_register ||
                       spec.kind == OperandKind::int_register;
      EXPECT_EQ(reg, spec.access != bytecode::Access::none);
      has_length |= spec.role == ImmediateRole::length;
      spans_length |= spec.extent == bytecode::Extent::vector_times_length;
    }
    // An N*len register operand needs the `len` immediate it multiplies by.
    EXPECT_EQ(has_length, spans_length);
    // Control flow is never vectorised.
    if (row.has(bytecode::flag::control)) {
      EXPECT_FALSE(row.has(bytecode::flag::vector));
    }
  }
}

// ---- encode / decode round trip -----------------------------------------------------------

TEST(BytecodeRoundTrip, ExactBytesOfASmallProgram) {
  // ldint i0, -2 ; halt — checked against the layout in bytecode/format.h.
  const Program program = program_of({make(Opcode::ldint, {0, -2}), make(Opcode::halt, {})});
  const std::vector<uint8_t> expected = {
      'M', 'P', 'V', 'M', 'B', 'C', 0x1a, '\n',  // magic
      1, 0, 0, 0,                                 // format version
      0, 0, 0, 0,                                 // max bit length
      1, 0, 0, 0,                                 // min parties
      0, 0, 0, 0,                                 // entry
      0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,         // s, c, i register counts
      2, 0, 0, 0,                                 // instruction count
      0x03, 0x00, 1, 0, 0, 0, 0, 0, 0, 0,         // ldint, N=1, i0
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // -2
      0x65, 0x00, 1, 0, 0, 0,                     // halt, N=1
  };
  EXPECT_EQ(encode(program), expected);
  expect_round_trip(program);
}

TEST(BytecodeRoundTrip, EveryInstructionWithRandomOperands) {
  std::mt19937_64 rng(0x6d70766d01);
  for (const InstructionInfo& row : bytecode::kInstructionTable) {
    SCOPED_TRACE(std::string(row.mnemonic));
    for (int trial = 0; trial < 60; ++trial) {
      // The instruction alone, then surrounded by a few others (labels may point anywhere).
      std::vector<Opcode> opcodes{row.opcode};
      if (trial % 2 == 1)
        for (int64_t k = uniform(rng, 1, 4); k > 0; --k)
          opcodes.insert(opcodes.begin() + uniform(rng, 0, static_cast<int64_t>(opcodes.size())),
                         bytecode::kInstructionTable[static_cast<std::size_t>(uniform(rng, 0, bytecode::kInstructionCount - 1))].opcode);
      expect_round_trip(random_valid_program(rng, opcodes));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(BytecodeRoundTrip, ProgramsContainingTheWholeTable) {
  std::mt19937_64 rng(2024);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<Opcode> opcodes;
    for (const InstructionInfo& row : bytecode::kInstructionTable) opcodes.push_back(row.opcode);
    std::shuffle(opcodes.begin(), opcodes.end(), rng);
    const Program program = random_valid_program(rng, opcodes);
    ASSERT_EQ(program.code.size(), bytecode::kInstructionCount);
    expect_round_trip(program);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(BytecodeRoundTrip, LimitsAreAccepted) {
  // Every limit at its largest legal value: vector length, register index, string size,
  // 64-bit immediates, party, bits, address.
  const std::string longest(bytecode::kMaxStringBytes, '\xff');
  expect_round_trip(program_of({
      make(Opcode::rands, {0}, bytecode::kMaxVectorLength),
      make(Opcode::ldint, {bytecode::kMaxRegisters - 1, INT64_MIN}),
      make(Opcode::ldi, {0, INT64_MAX}),
      make(Opcode::prints, {0}),
      make(Opcode::prints, {1}),
      make(Opcode::input, {0, 65535}),
      make(Opcode::ltz, {1, 2, 64}),
      make(Opcode::ldms, {3, int64_t{1} << 40}),
      make(Opcode::starttimer, {99}),
      make(Opcode::jmp, {9}),
      make(Opcode::halt, {}),
  }, {longest, ""}, 10));
}

// ---- rejection of malformed files -------------------------------------------------------

// `adds s0, s1, s2 ; jmp 0 ; halt`: registers, a label and a trailing instruction.
Program small_program() {
  return program_of({make(Opcode::adds, {0, 1, 2}), make(Opcode::jmp, {0}), make(Opcode::halt, {})});
}

TEST(BytecodeDecoderRejects, WrongMagic) {
  std::vector<uint8_t> bytes = encode(small_program());
  bytes[3] ^= 0x20;
  const std::string message = decode_error(bytes);
  EXPECT_TRUE(starts_with(message, "test.bc: offset 0x0: "));
  EXPECT_TRUE(contains(message, "wrong magic"));
  // Shorter than the magic, and empty.
  EXPECT_TRUE(contains(decode_error({'M', 'P', 'V'}), "test.bc: offset 0x0: not an mpvm bytecode file"));
  EXPECT_TRUE(contains(decode_error({}), "test.bc: offset 0x0: not an mpvm bytecode file"));
}

TEST(BytecodeDecoderRejects, WrongVersion) {
  for (uint32_t version : {0u, 2u, 0xffffffffu}) {
    std::vector<uint8_t> bytes = encode(small_program());
    put_u32(bytes, kVersionOffset, version);
    const std::string message = decode_error(bytes);
    EXPECT_TRUE(starts_with(message, "test.bc: offset 0x8: format version " + std::to_string(version) + " is not supported"));
  }
}

TEST(BytecodeDecoderRejects, TruncatedHeader) {
  const std::vector<uint8_t> bytes = encode(small_program());
  // 20 bytes hold magic .. min parties: the entry field is missing.
  const std::string message = decode_error({bytes.begin(), bytes.begin() + 20});
  EXPECT_EQ(message, "test.bc: offset 0x14: truncated: entry needs 4 bytes, 0 left");
  EXPECT_TRUE(contains(decode_error({bytes.begin(), bytes.begin() + 38}), "test.bc: offset 0x24: truncated: instruction count"));
  // A complete header with no instructions at all.
  std::vector<uint8_t> header(bytes.begin(), bytes.begin() + kFirstInstruction);
  put_u32(header, kCountOffset, 0);
  EXPECT_EQ(decode_error(header), "test.bc: offset 0x24: the program has no instructions");
}

TEST(BytecodeDecoderRejects, TruncatedInstructionNamesTheField) {
  // ldint i0, 5 (18 bytes) ; halt (6 bytes): cut right after halt's opcode.
  const std::vector<uint8_t> bytes = encode(program_of({make(Opcode::ldint, {0, 5}), make(Opcode::halt, {})}));
  ASSERT_EQ(bytes.size(), 64u);
  EXPECT_EQ(decode_error({bytes.begin(), bytes.begin() + 60}), "test.bc: offset 0x3c: truncated: vector length needs 4 bytes, 0 left");
  EXPECT_EQ(decode_error({bytes.begin(), bytes.begin() + 52}),
            "test.bc: offset 0x32: truncated: immediate operand needs 8 bytes, 2 left");
}

TEST(BytecodeDecoderRejects, TruncationAtEveryLength) {
  // Programs with every operand encoding (registers, immediates, labels, strings) and a
  // long instruction (conv2ds). Every proper prefix must be an InputError naming an offset.
  std::mt19937_64 rng(7);
  std::vector<Program> programs{small_program()};
  std::vector<Opcode> all;
  for (const InstructionInfo& row : bytecode::kInstructionTable) all.push_back(row.opcode);
  programs.push_back(random_valid_program(rng, all));
  programs.push_back(program_of({make(Opcode::prints, {0}), make(Opcode::halt, {})}, {"hello, world\n"}));
  for (const Program& program : programs) {
    const std::vector<uint8_t> bytes = encode(program);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      const std::string message = decode_error({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)});
      ASSERT_TRUE(has_offset_prefix(message)) << "cut at " << size << " of " << bytes.size() << ": " << message;
    }
  }
}

TEST(BytecodeDecoderRejects, UnknownOpcode) {
  const Program program = small_program();
  for (uint16_t code : {uint16_t{0x00}, uint16_t{0xff}, uint16_t{0x1234}}) {
    std::vector<uint8_t> bytes = encode(program);
    put_u16(bytes, layout_of(program).instruction[1], code);
    EXPECT_EQ(decode_error(bytes),
              "test.bc: offset " + hex(layout_of(program).instruction[1]) + ": instruction 1: unknown opcode " + hex(code));
  }
}

TEST(BytecodeDecoderRejects, RegisterBeyondDeclaredCount) {
  const Program program = small_program();  // declares 3 s registers
  std::vector<uint8_t> bytes = encode(program);
  put_u32(bytes, layout_of(program).operand[0][2], 3);
  EXPECT_EQ(decode_error(bytes),
            at_instruction(program, 0) + "operand 3: register s3 is beyond the declared count of 3 s registers");

  // A vector range that runs past the count: adds:2 s0, s2, s4 declares 6; N=3 reaches s6.
  const Program vector = program_of({make(Opcode::adds, {0, 2, 4}, 2), make(Opcode::halt, {})});
  bytes = encode(vector);
  put_u32(bytes, layout_of(vector).instruction[0] + 2, 3);
  EXPECT_TRUE(contains(decode_error(bytes), at_instruction(vector, 0) + "operand 3: register s4..s6 is beyond the declared count of 6"));

  // The largest u32 index does not wrap around the bound check.
  bytes = encode(program);
  put_u32(bytes, layout_of(program).operand[0][0], 0xffffffffu);
  EXPECT_TRUE(contains(decode_error(bytes), "operand 1: register s4294967295 is beyond the declared count"));
}

TEST(BytecodeDecoderRejects, JumpOutsideProgram) {
  const Program program = small_program();
  for (uint32_t target : {3u, 0xffffffffu}) {
    std::vector<uint8_t> bytes = encode(program);
    put_u32(bytes, layout_of(program).operand[1][0], target);
    EXPECT_EQ(decode_error(bytes), at_instruction(program, 1) + "operand 1: jump target " + std::to_string(target) +
                                       " is outside the program (3 instructions)");
  }
}

TEST(BytecodeDecoderRejects, BadVectorLengths) {
  const Program program = small_program();
  const Layout layout = layout_of(program);
  auto with_length = [&](std::size_t index, uint32_t length) {
    std::vector<uint8_t> bytes = encode(program);
    put_u32(bytes, layout.instruction[index] + 2, length);
    return decode_error(bytes);
  };
  EXPECT_EQ(with_length(0, 0), at_instruction(program, 0) + "vector length 0");
  EXPECT_EQ(with_length(0, bytecode::kMaxVectorLength + 1),
            at_instruction(program, 0) + "vector length 16777217 exceeds the limit of 16777216");
  EXPECT_EQ(with_length(0, 0xffffffffu), at_instruction(program, 0) + "vector length 4294967295 exceeds the limit of 16777216");
  EXPECT_EQ(with_length(1, 2), at_instruction(program, 1) + "jmp takes no vector length (got 2)");
  EXPECT_EQ(with_length(2, 0), at_instruction(program, 2) + "vector length 0");
}

// Header facts the instructions contradict. The decoder must name the byte offset of the
// header field, like every other decoding error (DESIGN §3: "a message that names the
// byte offset").
TEST(BytecodeDecoderRejects, HeaderRegisterCountsNotMatchingInstructions) {
  const Program program = small_program();
  for (std::size_t field = 0; field < 3; ++field) {
    std::vector<uint8_t> bytes = encode(program);
    put_u32(bytes, kSecretCountOffset + 4 * field, field == 0 ? 4 : 1);  // one more than used
    EXPECT_TRUE(starts_with(decode_error(bytes), "test.bc: offset 0x18: header: header declares s/c/i register counts"));
  }
  // Above the per-bank limit.
  std::vector<uint8_t> bytes = encode(program);
  put_u32(bytes, kSecretCountOffset, bytecode::kMaxRegisters + 1);
  EXPECT_EQ(decode_error(bytes), "test.bc: offset 0x18: header: 16777217 s registers exceeds the limit of 16777216");
}

TEST(BytecodeDecoderRejects, HeaderRequirementsNotMatchingInstructions) {
  const Program program = small_program();  // needs bit length 0 and 1 party
  for (std::size_t field : {kMaxBitsOffset, kMaxBitsOffset + 4}) {
    std::vector<uint8_t> bytes = encode(program);
    put_u32(bytes, field, 2);
    const std::string message = decode_error(bytes);
    EXPECT_TRUE(starts_with(message, "test.bc: offset 0xc: header: header states bit length"));
    EXPECT_TRUE(contains(message, "but the instructions need 0 and 1"));
  }
}

TEST(BytecodeDecoderRejects, EntryOutsideProgram) {
  for (uint32_t entry : {3u, 0xffffffffu}) {
    std::vector<uint8_t> bytes = encode(small_program());
    put_u32(bytes, kEntryOffset, entry);
    EXPECT_EQ(decode_error(bytes),
              "test.bc: offset 0x14: header: entry " + std::to_string(entry) + " is outside the program (3 instructions)");
  }
}

TEST(BytecodeDecoderRejects, TrailingBytes) {
  std::vector<uint8_t> bytes = encode(small_program());
  const std::size_t end = bytes.size();
  bytes.insert(bytes.end(), {0x65, 0x00, 0x01});
  EXPECT_EQ(decode_error(bytes), "test.bc: offset " + hex(end) + ": 3 unexpected bytes after the last instruction");
}

TEST(BytecodeDecoderRejects, InstructionCountLargerThanTheFileCanHold) {
  // A bare 40-byte header claiming 2^32-1 instructions: rejected before anything is
  // reserved for them (reserving would throw std::bad_alloc or length_error, not InputError).
  std::vector<uint8_t> header = encode(small_program());
  header.resize(kFirstInstruction);
  put_u32(header, kCountOffset, 0xffffffffu);
  EXPECT_EQ(decode_error(header), "test.bc: offset 0x24: instruction count 4294967295 does not fit in the 0 bytes that follow");

  // One instruction more than the remaining bytes could possibly encode.
  std::vector<uint8_t> bytes = encode(program_of({make(Opcode::halt, {})}));
  put_u32(bytes, kCountOffset, 2);
  EXPECT_EQ(decode_error(bytes), "test.bc: offset 0x24: instruction count 2 does not fit in the 6 bytes that follow");
}

TEST(BytecodeDecoderRejects, StringLongerThanTheLimit) {
  const Program program = program_of({make(Opcode::prints, {0}), make(Opcode::halt, {})}, {"hi"});
  const std::size_t length_at = layout_of(program).operand[0][0];
  for (uint32_t size : {bytecode::kMaxStringBytes + 1, 0xffffffffu}) {
    std::vector<uint8_t> bytes = encode(program);
    put_u32(bytes, length_at, size);
    EXPECT_EQ(decode_error(bytes), "test.bc: offset " + hex(length_at) + ": instruction 0 (prints): string of " +
                                       std::to_string(size) + " bytes exceeds the limit of 65536");
  }
  // Within the limit but longer than the file: truncated, not an allocation of 64 KiB+.
  std::vector<uint8_t> bytes = encode(program);
  put_u32(bytes, length_at, 1000);
  EXPECT_TRUE(contains(decode_error(bytes), "truncated: string needs 1000 bytes"));
}

TEST(BytecodeDecoderRejects, ImmediatesOutOfRange) {
  struct Case {
    Instruction instruction;
    std::size_t operand;
    int64_t bad_value;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {make(Opcode::ltz, {0, 1, 32}), 2, 0, "operand 3: bit length 0 is outside 1..64"},
      {make(Opcode::eqz, {0, 1, 32}), 2, 65, "operand 3: bit length 65 is outside 1..64"},
      {make(Opcode::input, {0, 1}), 1, -1, "operand 2: party number -1 is outside 0..65535"},
      {make(Opcode::output, {0, 1}), 1, 65536, "operand 2: party number 65536 is outside 0..65535"},
      {make(Opcode::trunc, {0, 1, 3, 32}), 2, 64, "operand 3: shift 64 is outside 0..63"},
      {make(Opcode::ldms, {0, 5}), 1, (int64_t{1} << 40) + 1, "operand 2: memory address 1099511627777 is outside 0..1099511627776"},
      {make(Opcode::ldms, {0, 5}), 1, INT64_MIN, "operand 2: memory address -9223372036854775808 is outside"},
      {make(Opcode::dotprods, {0, 1, 5, 4}), 3, 0, "operand 4: length 0 is outside 1..16777216"},
      {make(Opcode::matmuls, {0, 100, 200, 2, 3, 4}), 3, 0, "operand 4: dimension 0 is outside 1..16777216"},
      {make(Opcode::starttimer, {0}), 0, 100, "operand 1: timer number 100 is outside 0..99"},
  };
  for (const Case& c : cases) {
    const Program program = program_of({c.instruction, make(Opcode::halt, {})});
    std::vector<uint8_t> bytes = encode(program);
    put_i64(bytes, layout_of(program).operand[0][c.operand], c.bad_value);
    EXPECT_TRUE(contains(decode_error(bytes), at_instruction(program, 0) + c.reason));
  }
}

TEST(BytecodeDecoderRejects, ConvolutionChannelsNotMultipleOfGroups) {
  // dst in w | in_h in_w in_c | out_h out_w out_c | k_h k_w | s_h s_w | pad_t pad_l | dil_h dil_w | groups
  const Instruction conv = make(Opcode::conv2ds, {0, 1000, 2000, 4, 4, 3, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 2});
  const Program program = program_of({conv, make(Opcode::halt, {})});
  EXPECT_EQ(decode_error(encode(program)), at_instruction(program, 0) + "in_c 3 is not a multiple of groups 2");
  Instruction out_c_bad = conv;
  out_c_bad.args[5] = 4;
  out_c_bad.args[8] = 3;
  const Program second = program_of({out_c_bad, make(Opcode::halt, {})});
  EXPECT_EQ(decode_error(encode(second)), at_instruction(second, 0) + "out_c 3 is not a multiple of groups 2");
  // Shapes whose blocks span more than 2^40 cells.
  const Program huge = program_of({make(Opcode::matmuls, {0, 0, 0, 1 << 24, 1 << 24, 1}, 2), make(Opcode::halt, {})});
  EXPECT_EQ(decode_error(encode(huge)), at_instruction(huge, 0) + "matrix shape too large");
}

TEST(BytecodeDecoderRejects, PartialOverlapOfWrittenAndReadRanges) {
  // adds:4 s1, s0, s8: s1..s4 is written while s0..s3 is read.
  const Program program = program_of({make(Opcode::adds, {1, 0, 8}, 4), make(Opcode::halt, {})});
  EXPECT_EQ(decode_error(encode(program)),
            at_instruction(program, 0) + "operand 1 (s1..4) partially overlaps operand 2 (s0..3); use identical or disjoint ranges");
  // dotprods:2 s0, s1, s10, 2: d = s0..s1, a = s1..s4.
  const Program dot = program_of({make(Opcode::dotprods, {0, 1, 10, 2}, 2), make(Opcode::halt, {})});
  EXPECT_TRUE(contains(decode_error(encode(dot)), "operand 1 (s0..1) partially overlaps operand 2 (s1..4)"));
  // The legal cases: identical ranges, and the same indices in different banks.
  expect_round_trip(program_of({make(Opcode::adds, {0, 0, 0}, 4), make(Opcode::addm, {4, 8, 4}, 4), make(Opcode::halt, {})}));
}

// ---- deterministic mini-fuzz ---------------------------------------------------------------

TEST(BytecodeMiniFuzz, RandomMutationsDecodeIdenticallyOrThrowInputError) {
  std::mt19937_64 rng(0x5eed);
  std::vector<std::vector<uint8_t>> seeds;
  seeds.push_back(encode(small_program()));
  seeds.push_back(encode(program_of({make(Opcode::prints, {0}), make(Opcode::ldint, {0, 7}), make(Opcode::halt, {})}, {"odd \"bytes\"\n"})));
  for (int k = 0; k < 4; ++k) seeds.push_back(encode(random_valid_program(rng, 8)));

  static constexpr uint32_t kInteresting[] = {0, 1, 2, 0x7f, 0xff, 0x10000, bytecode::kMaxVectorLength, bytecode::kMaxVectorLength + 1,
                                              0x7fffffff, 0x80000000, 0xffffffff};
  int accepted = 0, rejected = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<uint8_t> bytes = seeds[static_cast<std::size_t>(uniform(rng, 0, seeds.size() - 1))];
    for (int64_t m = uniform(rng, 1, 3); m > 0; --m) {
      const std::size_t at = bytes.empty() ? 0 : static_cast<std::size_t>(uniform(rng, 0, bytes.size() - 1));
      switch (uniform(rng, 0, 5)) {
        case 0:  // flip one bit
          if (!bytes.empty()) bytes[at] ^= static_cast<uint8_t>(1u << uniform(rng, 0, 7));
          break;
        case 1:  // overwrite one byte
          if (!bytes.empty()) bytes[at] = static_cast<uint8_t>(rng());
          break;
        case 2:  // insert a few random bytes
          for (int64_t n = uniform(rng, 1, 8); n > 0; --n) bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(rng()));
          break;
        case 3:  // delete a short range
          bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                      bytes.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(bytes.size(), at + uniform(rng, 1, 8))));
          break;
        case 4:  // truncate
          bytes.resize(at);
          break;
        default:  // an interesting 32-bit value at a random place
          if (bytes.size() >= 4) put_u32(bytes, std::min(at, bytes.size() - 4), kInteresting[uniform(rng, 0, std::size(kInteresting) - 1)]);
          break;
      }
    }
    try {
      const Program program = decode(bytes, "test.bc");
      ++accepted;
      ASSERT_EQ(encode(program), bytes) << "iteration " << iteration << ": an accepted file re-encodes differently";
    } catch (const InputError& e) {
      ++rejected;
      ASSERT_TRUE(starts_with(e.what(), "test.bc: ")) << "iteration " << iteration;
    } catch (const std::exception& e) {
      FAIL() << "iteration " << iteration << ": not an InputError: " << e.what();
    }
  }
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);
  // Both outcomes must actually occur, or the mutations test nothing.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 10000);
}

}  // namespace
}  // namespace mpvm::testing
