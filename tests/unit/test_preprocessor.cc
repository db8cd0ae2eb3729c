// The assembler's macros, includes, conditionals and operand expressions.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "compiler_lite/assembler.h"
#include "compiler_lite/expression.h"
#include "tests/support/run_program.h"

namespace mpvm {
namespace {

std::string error_of(const std::string& text, compiler_lite::AssembleOptions options = {}) {
  return testing::error_of([&] { compiler_lite::assemble(text, "test.s", options); });
}

TEST(Expressions, EvaluateWithPrecedenceAndReportErrors) {
  std::string error;
  EXPECT_EQ(compiler_lite::evaluate_expression("(2+3*4)", error), 14);
  EXPECT_EQ(compiler_lite::evaluate_expression("((1<<20)-1)", error), (1 << 20) - 1);
  EXPECT_EQ(compiler_lite::evaluate_expression("(-(7)/2)", error), -3);
  EXPECT_EQ(compiler_lite::evaluate_expression("(5 % 3 == 2)", error), 1);
  EXPECT_EQ(compiler_lite::evaluate_expression("(3 < 2)", error), 0);
  EXPECT_EQ(compiler_lite::evaluate_expression("(0x10 >= 16)", error), 1);
  EXPECT_FALSE(compiler_lite::evaluate_expression("(1/0)", error));
  EXPECT_EQ(error, "division by zero");
  EXPECT_FALSE(compiler_lite::evaluate_expression("(9223372036854775807+1)", error));
  EXPECT_EQ(error, "overflows 64 bits");
  EXPECT_FALSE(compiler_lite::evaluate_expression("(1<<63)", error));
  EXPECT_FALSE(compiler_lite::evaluate_expression("(2+)", error));
}

TEST(Macros, ExpandWithSubstitutionExpressionsAndUniqueLabels) {
  const auto run = testing::run_emulate(
      ".macro fill out, n, value\n"
      "    ldsi:\\n s(\\out), \\value\n"
      "    ldint i0, 0\n"
      "skip_\\@:\n"  // a label per expansion
      ".endm\n"
      ".macro twice out, n\n"
      "    fill \\out, \\n, 21\n"
      "    adds:\\n s(\\out), s(\\out), s(\\out)\n"
      ".endm\n"
      "    twice 0, (2*2)\n"
      "    fill 4, 1, -1\n"
      "    open:5 c0, s0\n"
      "    printc:(1+4) c0\n"
      "    prints \"\\n done\\n\"\n");
  EXPECT_EQ(run.output, "42 42 42 42 -1\n\n done\n");
}

TEST(Macros, ConditionalsAllowRecursion) {
  const auto run = testing::run_emulate(
      ".macro countdown n\n"
      ".if (\\n > 0)\n"
      "    ldint i0, \\n\n"
      "    printint i0\n"
      "    countdown (\\n-1)\n"
      ".else\n"
      "    prints \"go\\n\"\n"
      ".endif\n"
      ".endm\n"
      "    countdown 3\n");
  EXPECT_EQ(run.output, "3\n2\n1\ngo\n");
}

TEST(Macros, ErrorsNameTheBodyLineAndTheInvocation) {
  const std::string message = error_of(".macro bad a\n  muls \\a, c1, s2\n.endm\n  halt\n  bad s0\n");
  EXPECT_NE(message.find("test.s:2:12: operand 2 of muls must be a secret register"), std::string::npos) << message;
  EXPECT_NE(message.find("(in macro 'bad' invoked at test.s:5)"), std::string::npos) << message;
  EXPECT_NE(error_of(".macro m a, b\n.endm\nm 1\n").find("test.s:3:1: macro 'm' takes 2 arguments (a, b), got 1"),
            std::string::npos);
  EXPECT_NE(error_of(".macro m\nhalt\n").find("macro 'm' has no .endm"), std::string::npos);
  EXPECT_NE(error_of(".macro muls a\n.endm\n").find("would hide the instruction"), std::string::npos);
  EXPECT_NE(error_of(".macro r\nr\n.endm\nr\n").find("nested deeper than"), std::string::npos);
  EXPECT_NE(error_of(".if (1\nhalt\n.endif\n").find(".if (1"), std::string::npos);
  EXPECT_NE(error_of(".if 1\nhalt\n").find(".if has no .endif"), std::string::npos);
  EXPECT_NE(error_of(".endif\n").find(".endif without .if"), std::string::npos);
  EXPECT_NE(error_of("ldsi s(1/0), 1\n").find("test.s:1:7: bad expression (1/0): division by zero"), std::string::npos);
}

TEST(Includes, SearchTheFileFolderThenTheIncludePathOnce) {
  const auto dir = std::filesystem::temp_directory_path() / "mpvm_include_test";
  std::filesystem::create_directories(dir / "lib");
  std::ofstream(dir / "lib" / "one.s") << ".include \"two.s\"\n.macro hello\n    prints \"hi\\n\"\n.endm\n";
  std::ofstream(dir / "lib" / "two.s") << "# nothing but a comment\n";
  const compiler_lite::AssembleOptions options{{dir.string()}};
  const bytecode::Program program =
      compiler_lite::assemble(".include \"lib/one.s\"\n.include \"lib/one.s\"\nhello\n", "main.s", options);
  EXPECT_EQ(testing::run_emulate(program).output, "hi\n");
  EXPECT_NE(error_of(".include \"lib/none.s\"\n", options).find("cannot find include file \"lib/none.s\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mpvm
