// Integer expressions in assembly operands, for macro bodies: "(\tmp+2*\n)" after
// substitution is "(100+2*1024)". Operators + - * / % << >> and comparisons == != < > <=
// >= (giving 0 or 1), unary -, parentheses,
// decimal and 0x hex numbers; 64-bit signed, and an overflow is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpvm::compiler_lite {

// The value, or nullopt with `error` saying what is wrong.
std::optional<int64_t> evaluate_expression(std::string_view text, std::string& error);

}  // namespace mpvm::compiler_lite
