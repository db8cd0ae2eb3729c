// PrivateInputs: the parties' input files, parsed strictly, consumed in order.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/errors.h"
#include "tests/support/run_program.h"
#include "vm/memory.h"
#include "vm/private_inputs.h"

namespace mpvm {
namespace {

class PrivateInputFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("mpvm_inputs_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  void write(int party, const std::string& text) {
    std::ofstream(directory_ / fmt::format("P{}.in", party)) << text;
  }
  std::filesystem::path directory_;
};

TEST_F(PrivateInputFiles, ValuesAreConsumedInOrderAcrossLinesAndReads) {
  write(1, "  7 -8\n\n+9\t10\r\n-9223372036854775808 9223372036854775807\n");
  vm::PrivateInputs inputs(directory_.string());
  std::vector<int64_t> first(3), second(3);
  inputs.read(1, first);
  inputs.read(1, second);
  EXPECT_EQ(first, (std::vector<int64_t>{7, -8, 9}));
  EXPECT_EQ(second, (std::vector<int64_t>{10, INT64_MIN, INT64_MAX}));
  EXPECT_EQ(inputs.unread(1), 0u);
}

TEST_F(PrivateInputFiles, MissingFileNamesThePath) {
  vm::PrivateInputs inputs(directory_.string());
  std::vector<int64_t> one(1);
  const std::string message = testing::error_of([&] { inputs.read(2, one); });
  EXPECT_NE(message.find("P2.in: cannot open"), std::string::npos) << message;
}

TEST_F(PrivateInputFiles, MalformedTokenNamesLineAndColumn) {
  write(0, "1 2\n3 4x 5\n");
  vm::PrivateInputs inputs(directory_.string());
  std::vector<int64_t> one(1);
  const std::string message = testing::error_of([&] { inputs.read(0, one); });
  EXPECT_NE(message.find("P0.in:2:3: '4x' is not a signed decimal integer"), std::string::npos) << message;
}

TEST_F(PrivateInputFiles, OverflowIsRejected) {
  write(0, "9223372036854775808\n");
  vm::PrivateInputs inputs(directory_.string());
  std::vector<int64_t> one(1);
  const std::string message = testing::error_of([&] { inputs.read(0, one); });
  EXPECT_NE(message.find("does not fit in a signed 64-bit integer"), std::string::npos) << message;
}

TEST_F(PrivateInputFiles, ShortFileSaysHowManyRemain) {
  write(0, "1 2 3\n");
  vm::PrivateInputs inputs(directory_.string());
  std::vector<int64_t> two(2);
  inputs.read(0, two);
  const std::string message = testing::error_of([&] { inputs.read(0, two); });
  EXPECT_NE(message.find("party 0 needs 2 more input values but only 1 remain (3 in all)"), std::string::npos) << message;
}

TEST(MemoryBank, GrowsOnDemandReadsZeroAndStopsAtTheLimit) {
  vm::Memory<uint64_t> memory('s', 5000);
  EXPECT_EQ(memory.size(), 0u);
  memory.cells(10, 2)[1] = 42;
  EXPECT_EQ(memory.cells(11, 1)[0], 42u);
  EXPECT_EQ(memory.cells(3000, 1)[0], 0u);  // never written
  EXPECT_LE(memory.size(), 5000u);
  EXPECT_NO_THROW(memory.cells(4999, 1));
  EXPECT_THROW(memory.cells(4999, 2), RuntimeError);
  EXPECT_THROW(memory.cells(-1, 1), RuntimeError);
  EXPECT_THROW(memory.cells(INT64_MAX, 2), RuntimeError);  // end wraps past 2^64? no: still refused
}

}  // namespace
}  // namespace mpvm
