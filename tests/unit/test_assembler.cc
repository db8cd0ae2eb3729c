// The assembler: every error names "FILE:LINE:COL:" and says what is wrong; the accepted
// syntax matches DESIGN §3; and `mpvm disasm` output assembles back to the identical
// bytes, for random programs and for every .s file shipped under programs/.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "bytecode/program.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/disassembler.h"
#include "tests/support/valid_programs.h"

namespace mpvm::testing {

namespace {

using bytecode::Opcode;
using bytecode::Program;
using compiler_lite::assemble;
using compiler_lite::disassemble;

// The message of the InputError that assembling `text` as "test.s" throws. Success or any
// other exception type is a test failure.
std::string assemble_error(std::string_view text) {
  try {
    assemble(text, "test.s");
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "assemble threw something other than mpvm::InputError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "assemble accepted:\n" << text;
  return "";
}

// The error starts with exactly `where` ("test.s:LINE:COL: ") and contains `what`.
::testing::AssertionResult error_is(std::string_view text, std::string_view where, std::string_view what) {
  const std::string message = assemble_error(text);
  if (!std::string_view(message).starts_with(where))
    return ::testing::AssertionFailure() << "'" << message << "' does not start with '" << where << "'";
  if (message.find(what, where.size()) == std::string::npos)
    return ::testing::AssertionFailure() << "'" << message << "' does not contain '" << what << "'";
  return ::testing::AssertionSuccess();
}

Program assemble_ok(std::string_view text) {
  try {
    return assemble(text, "test.s");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "rejected: " << e.what() << "\n" << text;
    return {};
  }
}

// ---- errors -------------------------------------------------------------------------------

TEST(AssemblerErrors, UnknownMnemonicSuggestsANearMiss) {
  EXPECT_TRUE(error_is("    mul s0, s1, s2\n", "test.s:1:5: ", "unknown instruction 'mul'; did you mean 'mul"));
  EXPECT_TRUE(error_is("halt\n  prnts \"x\"\n", "test.s:2:3: ", "unknown instruction 'prnts'; did you mean 'prints'?"));
  // Nothing close: no suggestion at all.
  const std::string far = assemble_error("frobnicate s0\n");
  EXPECT_EQ(far, "test.s:1:1: unknown instruction 'frobnicate'");
}

TEST(AssemblerErrors, WrongOperandKind) {
  // A clear register where a secret one is expected (the e2e test checks the same via the CLI).
  EXPECT_TRUE(error_is("halt\n    adds s0, c1, s2\n", "test.s:2:14: ",
                       "operand 2 of adds must be a secret register (s), got 'c1' (synopsis: adds s, a, b)"));
  EXPECT_TRUE(error_is("ldsi c0, 5\n", "test.s:1:6: ", "operand 1 of ldsi must be a secret register (s), got 'c0'"));
  EXPECT_TRUE(error_is("ldint i0, i1\n", "test.s:1:11: ", "operand 2 of ldint must be a number (value), got 'i1'"));
  EXPECT_TRUE(error_is("jmp 5\n", "test.s:1:5: ", "operand 1 of jmp must be a label, got '5'"));
  EXPECT_TRUE(error_is("prints hello\n", "test.s:1:8: ", "operand 1 of prints must be a string in double quotes"));
  EXPECT_TRUE(error_is("ldsi s0, \"5\"\n", "test.s:1:10: ", "operand 2 of ldsi must be a number"));
}

TEST(AssemblerErrors, WrongOperandCount) {
  EXPECT_TRUE(error_is("adds s0, s1\n", "test.s:1:1: ", "adds takes 3 operands (adds s, a, b), got 2"));
  EXPECT_TRUE(error_is("  halt s0\n", "test.s:1:3: ", "halt takes 0 operands"));
  EXPECT_TRUE(error_is("rands\n", "test.s:1:1: ", "rands takes 1 operand (rands s), got 0"));
}

TEST(AssemblerErrors, MalformedOperandList) {
  EXPECT_TRUE(error_is("adds s0 s1, s2\n", "test.s:1:9: ", "expected ',' between operands, found 's'"));
  EXPECT_TRUE(error_is("adds s0, s1, s2,\n", "test.s:1:17: ", "expected an operand after ','"));
  EXPECT_TRUE(error_is("adds s0, , s2\n", "test.s:1:10: ", "unexpected ',' where an operand should be"));
  EXPECT_TRUE(error_is("42 halt\n", "test.s:1:1: ", "expected an instruction or a label, found '4'"));
}

TEST(AssemblerErrors, BadNumber) {
  for (std::string_view bad : {"12abc", "0x", "-", "+", "0xfg", "1.5", "1_000"}) {
    const std::string text = "ldint i0, " + std::string(bad) + "\n";
    std::string reason = "'";  // built with += : GCC 12 warns (-Wrestrict, falsely) on "'" + std::string
    reason += bad;
    reason += "' is not a number";
    EXPECT_TRUE(error_is(text, "test.s:1:11: ", reason)) << bad;
  }
}

TEST(AssemblerErrors, NumberOverflowing64Bits) {
  for (std::string_view big : {"18446744073709551616", "9223372036854775808", "-9223372036854775809",
                               "0x10000000000000000", "-0x8000000000000001", "99999999999999999999999999"}) {
    const std::string text = "ldint i0, " + std::string(big) + "\n";
    EXPECT_TRUE(error_is(text, "test.s:1:11: ", std::string(big) + " does not fit in 64 bits")) << big;
  }
}

TEST(AssemblerErrors, ImmediateOutsideItsRole) {
  EXPECT_TRUE(error_is("ltz s0, s1, 65\n", "test.s:1:13: ", "bit length 65 is outside 1..64"));
  EXPECT_TRUE(error_is("eqz s0, s1, 0\n", "test.s:1:13: ", "bit length 0 is outside 1..64"));
  EXPECT_TRUE(error_is("input s0, -1\n", "test.s:1:11: ", "party number -1 is outside 0..65535"));
  EXPECT_TRUE(error_is("starttimer 100\n", "test.s:1:12: ", "timer number 100 is outside 0..99"));
}

TEST(AssemblerErrors, UndefinedLabel) {
  EXPECT_TRUE(error_is("halt\njmp nowhere\n", "test.s:2:5: ", "label 'nowhere' is not defined"));
  EXPECT_TRUE(error_is(".entry nowhere\nhalt\n", "test.s:1:8: ", "label 'nowhere' is not defined"));
}

TEST(AssemblerErrors, DuplicateLabel) {
  EXPECT_TRUE(error_is("a: halt\nb: halt\na: halt\n", "test.s:3:1: ", "label 'a' is already defined at test.s:1:1"));
}

TEST(AssemblerErrors, LabelAtEndMarksNoInstruction) {
  EXPECT_TRUE(error_is("jmp end\nhalt\nend:\n", "test.s:3:1: ", "label 'end' marks no instruction"));
  EXPECT_TRUE(error_is(".entry end\nhalt\n  end:  # nothing follows\n", "test.s:3:3: ", "label 'end' marks no instruction"));
}

TEST(AssemblerErrors, BadVectorLengths) {
  EXPECT_TRUE(error_is("muls:0 s0, s1, s2\n", "test.s:1:6: ", "vector length 0 is outside 1..16777216"));
  EXPECT_TRUE(error_is("rands:16777217 s0\n", "test.s:1:7: ", "vector length 16777217 is outside 1..16777216"));
  EXPECT_TRUE(error_is("x: jmp:2 x\n", "test.s:1:8: ", "jmp takes no vector length"));
  EXPECT_TRUE(error_is("prints:3 \"a\"\n", "test.s:1:8: ", "prints takes no vector length"));
  EXPECT_TRUE(error_is("rands:4x s0\n", "test.s:1:7: ", "'4x' is not a number"));
}

TEST(AssemblerErrors, StringsAndEscapes) {
  EXPECT_TRUE(error_is("prints \"abc\n", "test.s:1:8: ", "string has no closing '\"'"));
  EXPECT_TRUE(error_is("prints \"a\\qb\"\n", "test.s:1:10: ", "unknown escape '\\q'"));
  EXPECT_TRUE(error_is("prints \"\\x4\"\n", "test.s:1:9: ", "\\x needs two hex digits"));
  EXPECT_TRUE(error_is("prints \"\\xzz\"\n", "test.s:1:9: ", "\\x needs two hex digits"));
  EXPECT_TRUE(error_is("prints \"abc\\", "test.s:1:12: ", "string ends inside an escape"));
  EXPECT_TRUE(error_is("prints \"ok\" \"again\"\n", "test.s:1:13: ", "expected ',' between operands"));
}

TEST(AssemblerErrors, RegisterBeyondTheBankLimit) {
  EXPECT_TRUE(error_is("ldsi s16777216, 0\n", "test.s:1:6: ", "register s16777216 is beyond the limit of 16777216 per bank"));
  EXPECT_TRUE(error_is("ldsi s99999999999999999999999, 0\n", "test.s:1:6: ", "is beyond the limit of 16777216 per bank"));
  // The last register of a vector operand counts too.
  EXPECT_TRUE(error_is("rands:2 s16777215\n", "test.s:1:9: ", "registers s16777215..s16777216 pass the limit of 16777216"));
  // The highest register itself is fine.
  EXPECT_EQ(assemble_ok("ldsi s16777215, 0\n").registers.secret, bytecode::kMaxRegisters);
}

TEST(AssemblerErrors, UnknownOrMisusedDirective) {
  EXPECT_TRUE(error_is("halt\n.section text\n", "test.s:2:1: ", "unknown directive '.section'"));
  EXPECT_TRUE(error_is(".entry a\n.entry a\na: halt\n", "test.s:2:1: ", ".entry appears twice"));
  EXPECT_TRUE(error_is(".entry\nhalt\n", "test.s:1:7: ", ".entry needs a label name"));
  EXPECT_TRUE(error_is(".entry a b\na: halt\n", "test.s:1:10: ", "unexpected text after .entry LABEL"));
  EXPECT_TRUE(error_is(".x: halt\n", "test.s:1:1: ", "label '.x' may not start with '.'"));
}

TEST(AssemblerErrors, EmptyProgram) {
  EXPECT_TRUE(error_is("", "test.s:1:1: ", "the program has no instructions"));
  EXPECT_TRUE(error_is("# only a comment\n\n   \t\n", "test.s:1:1: ", "the program has no instructions"));
  EXPECT_TRUE(error_is("lonely:\n", "test.s:1:1: ", "the program has no instructions"));
}

TEST(AssemblerErrors, VerifierErrorsNameTheLine) {
  // The verifier's aliasing rule, reported at the instruction's mnemonic.
  EXPECT_TRUE(error_is("halt\n\n    adds:4 s1, s0, s8\n", "test.s:3:5: ",
                       "operand 1 (s1..4) partially overlaps operand 2 (s0..3)"));
  // The verifier's shape rule.
  EXPECT_TRUE(error_is("halt\nconv2ds 0, 100, 200, 4, 4, 3, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 2\n", "test.s:2:1: ",
                       "in_c 3 is not a multiple of groups 2"));
}

TEST(AssemblerErrors, PositionsOnCrlfLines) {
  // The \r of a CRLF ending is not part of the line: columns and messages stay the same.
  EXPECT_TRUE(error_is("halt\r\n  adds s0, c1, s2\r\n", "test.s:2:12: ", "got 'c1'"));
  EXPECT_TRUE(error_is("halt\r\njmp nowhere\r\n", "test.s:2:5: ", "label 'nowhere' is not defined"));
}

// ---- accepted syntax ----------------------------------------------------------------------

TEST(AssemblerSyntax, CommentsBlankLinesAndLabelsBeforeInstructions) {
  const Program program = assemble_ok(
      "# leading comment\n"
      "\n"
      "start:  ldint i0, 3   # counter\n"
      "\tldint i1,1\n"
      "   \t\n"
      "loop: subint i0, i0, i1#no space before the comment\n"
      "   jmpnz i0, loop\n"
      "end:halt");  // no newline at the end
  ASSERT_EQ(program.code.size(), 5u);
  EXPECT_EQ(program.code[0].opcode, Opcode::ldint);
  EXPECT_EQ(program.code[0].args[1], 3);
  EXPECT_EQ(program.code[1].args[0], 1);
  EXPECT_EQ(program.code[2].opcode, Opcode::subint);
  EXPECT_EQ(program.code[3].opcode, Opcode::jmpnz);
  EXPECT_EQ(program.code[3].args[1], 2);  // `loop` is instruction 2
  EXPECT_EQ(program.code[4].opcode, Opcode::halt);
  EXPECT_EQ(program.entry, 0u);
  EXPECT_EQ(program.registers, (bytecode::RegisterCounts{0, 0, 2}));
}

TEST(AssemblerSyntax, HexImmediates) {
  const Program program = assemble_ok(
      "ldint i0, 0xffffffffffffffff\n"
      "ldint i1, 0x7fffffffffffffff\n"
      "ldint i2, 0x8000000000000000\n"
      "ldint i3, 0X1f\n"
      "ldint i4, -0x10\n"
      "ldint i5, 0x0\n");
  ASSERT_EQ(program.code.size(), 6u);
  EXPECT_EQ(program.code[0].args[1], -1);
  EXPECT_EQ(program.code[1].args[1], INT64_MAX);
  EXPECT_EQ(program.code[2].args[1], INT64_MIN);
  EXPECT_EQ(program.code[3].args[1], 31);
  EXPECT_EQ(program.code[4].args[1], -16);
  EXPECT_EQ(program.code[5].args[1], 0);
}

TEST(AssemblerSyntax, DecimalImmediates) {
  const Program program = assemble_ok(
      "ldint i0, -5\n"
      "ldint i1, +7\n"
      "ldint i2, -9223372036854775808\n"
      "ldint i3, 9223372036854775807\n"
      "ldint i4, -0\n"
      "ldint i5, 007\n");
  ASSERT_EQ(program.code.size(), 6u);
  EXPECT_EQ(program.code[0].args[1], -5);
  EXPECT_EQ(program.code[1].args[1], 7);
  EXPECT_EQ(program.code[2].args[1], INT64_MIN);
  EXPECT_EQ(program.code[3].args[1], INT64_MAX);
  EXPECT_EQ(program.code[4].args[1], 0);
  EXPECT_EQ(program.code[5].args[1], 7);
}

TEST(AssemblerSyntax, CrlfLineEndingsGiveTheSameBytes) {
  const std::string unix_text = "# comment\nloop: ldsi:4 s0, -3\nprints \"a b\"\njmp loop\n";
  std::string dos_text;
  for (char ch : unix_text) dos_text += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  EXPECT_EQ(bytecode::encode(assemble_ok(dos_text)), bytecode::encode(assemble_ok(unix_text)));
  EXPECT_EQ(assemble_ok(dos_text).strings, std::vector<std::string>{"a b"});
}

TEST(AssemblerSyntax, StringEscapes) {
  const Program program = assemble_ok("prints \"a\\n\\t\\\"\\\\\\x41\\xff\\x00#, not a comment\"  # a comment\nprints \"\"\n");
  ASSERT_EQ(program.strings.size(), 2u);
  EXPECT_EQ(program.strings[0], std::string("a\n\t\"\\A\xff", 7) + std::string(1, '\0') + "#, not a comment");
  EXPECT_EQ(program.strings[1], "");
  EXPECT_EQ(program.code[0].args[0], 0);
  EXPECT_EQ(program.code[1].args[0], 1);
}

TEST(AssemblerSyntax, EntryDirective) {
  const Program program = assemble_ok(".entry main\nsub: ret\nmain: call sub\n  halt\n");
  EXPECT_EQ(program.entry, 1u);
  EXPECT_EQ(program.code[1].args[0], 0);  // call sub
  EXPECT_EQ(assemble_ok("halt\n").entry, 0u);
}

TEST(AssemblerSyntax, VectorLengthsApplyToRegisterOperands) {
  // DESIGN §3: muls:1024 s0, s1024, s2048 covers s0..s3071.
  const Program program = assemble_ok("muls:1024 s0, s1024, s2048\ndotprods:2 s3072, s0, s8, 4\nprintc:1 c0\n");
  EXPECT_EQ(program.code[0].vector_length, 1024u);
  EXPECT_EQ(program.code[1].vector_length, 2u);
  EXPECT_EQ(program.code[2].vector_length, 1u);
  EXPECT_EQ(program.registers, (bytecode::RegisterCounts{3074, 1, 0}));
}

TEST(AssemblerSyntax, RequirementsAreDerived) {
  const Program program = assemble_ok("input s0, 2\nltz s1, s0, 40\ntrunc s2, s0, 3, 20\noutput s2, 1\n");
  EXPECT_EQ(program.requirements.min_parties, 3u);
  EXPECT_EQ(program.requirements.max_bit_length, 40u);
}

// ---- disassemble -> assemble identity -------------------------------------------------

TEST(AssemblerRoundTrip, DisassembledRandomProgramsAssembleToIdenticalBytes) {
  std::mt19937_64 rng(0xd15a5);
  for (int trial = 0; trial < 400; ++trial) {
    const Program program = random_valid_program(rng, 1 + rng() % 24);
    const std::string text = disassemble(program);
    Program again;
    try {
      again = assemble(text, "roundtrip.s");
    } catch (const std::exception& e) {
      FAIL() << "trial " << trial << ": disassembly does not assemble: " << e.what() << "\n" << text;
    }
    ASSERT_EQ(bytecode::encode(again), bytecode::encode(program)) << "trial " << trial << ":\n" << text;
    ASSERT_TRUE(programs_equal(again, program)) << text;
  }
}

TEST(AssemblerRoundTrip, ProgramNameCannotBreakTheDisassembly) {
  // The disassembly starts with a comment naming the program, and the name is the .bc file
  // name, which may contain any byte but '/' and NUL. A newline in it must not end the
  // comment: the text would then fail to assemble, or assemble to another program.
  for (const std::string name : {"odd\nname.bc", "x\nprints \"injected\"\n#.bc", "cr\rname.bc"}) {
    Program program = assemble_ok("ldint i0, 1\nhalt\n");
    program.name = name;
    const std::string text = disassemble(program);
    Program again;
    try {
      again = assemble(text, "roundtrip.s");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "disassembly does not assemble: " << e.what() << "\n" << text;
      continue;
    }
    EXPECT_TRUE(programs_equal(again, program)) << text;
  }
}

TEST(AssemblerRoundTrip, DisassembledProgramsDirectoryAssemblesToIdenticalBytes) {
  const std::filesystem::path root = std::filesystem::path(MPVM_SOURCE_DIR) / "programs";
  std::vector<std::filesystem::path> sources;
  if (std::filesystem::exists(root))
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
      // lib/ holds macro definitions only: nothing to assemble on its own.
      if (entry.is_regular_file() && entry.path().extension() == ".s" && entry.path().parent_path().filename() != "lib")
        sources.push_back(entry.path());
  if (sources.empty()) GTEST_SKIP() << "no .s files under " << root;
  for (const std::filesystem::path& path : sources) {
    SCOPED_TRACE(path.string());
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    Program program;
    try {
      program = assemble(text.str(), path.string(), compiler_lite::AssembleOptions{{root.string()}});
    } catch (const std::exception& e) {
      FAIL() << "does not assemble: " << e.what();
    }
    const std::vector<uint8_t> bytes = bytecode::encode(program);
    const std::string disassembly = disassemble(bytecode::decode(bytes, path.filename().string()));
    Program again;
    try {
      again = assemble(disassembly, "disassembly.s");
    } catch (const std::exception& e) {
      FAIL() << "disassembly does not assemble: " << e.what() << "\n" << disassembly;
    }
    EXPECT_EQ(bytecode::encode(again), bytes) << disassembly;
  }
}

}  // namespace
}  // namespace mpvm::testing
