// Z_2^64: the clear domain of emulate, rep3, semi2k and dealer. Values are uint64_t and
// wrap; a value is read as signed (two's complement) when printed or compared.
#pragma once

#include <cstdint>
#include <string>

namespace mpvm::protocols {

struct Ring64 {
  using Value = uint64_t;
  static constexpr const char* kName = "Z_2^64";
  static constexpr unsigned kBits = 64;

  static constexpr Value from_int(int64_t v) { return static_cast<Value>(v); }
  static constexpr int64_t to_signed(Value v) { return static_cast<int64_t>(v); }
  static std::string to_string(Value v) { return std::to_string(to_signed(v)); }
};

}  // namespace mpvm::protocols
