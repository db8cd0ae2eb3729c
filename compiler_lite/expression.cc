#include "compiler_lite/expression.h"

#include <cctype>
#include <charconv>
#include <stdexcept>

namespace mpvm::compiler_lite {
namespace {

// Recursive descent: expression := comparison; comparison := shift (("=="|"!="|"<="|">="|
// "<"|">") shift)? giving 0 or 1; shift := sum (("<<"|">>") sum)*;
// sum := product (("+"|"-") product)*; product := unary (("*"|"/"|"%") unary)*;
// unary := "-" unary | "(" expression ")" | number.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  int64_t parse() {
    const int64_t value = comparison();
    skip_space();
    if (pos_ != text_.size()) throw std::invalid_argument("unexpected '" + std::string(1, text_[pos_]) + "'");
    return value;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool take(std::string_view token) {
    skip_space();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  template <class Operation>
  static int64_t checked(int64_t a, int64_t b, Operation operation) {
    int64_t result = 0;
    if (operation(a, b, &result)) throw std::invalid_argument("overflows 64 bits");
    return result;
  }
  static bool add(int64_t a, int64_t b, int64_t* r) { return __builtin_add_overflow(a, b, r); }
  static bool subtract(int64_t a, int64_t b, int64_t* r) { return __builtin_sub_overflow(a, b, r); }
  static bool multiply(int64_t a, int64_t b, int64_t* r) { return __builtin_mul_overflow(a, b, r); }

  int64_t comparison() {
    const int64_t left = shift();
    if (take("==")) return left == shift();
    if (take("!=")) return left != shift();
    if (take("<=")) return left <= shift();
    if (take(">=")) return left >= shift();
    if (peek_comparison('<')) return left < shift();
    if (peek_comparison('>')) return left > shift();
    return left;
  }
  // A lone < or > (not the start of << or >>).
  bool peek_comparison(char op) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == op && (pos_ + 1 >= text_.size() || text_[pos_ + 1] != op)) {
      ++pos_;
      return true;
    }
    return false;
  }

  int64_t shift() {
    int64_t value = sum();
    while (true) {
      if (take("<<")) {
        const int64_t by = sum();
        if (by < 0 || by > 62 || (value != 0 && (value > (INT64_MAX >> by) || value < (INT64_MIN >> by))))
          throw std::invalid_argument("shift overflows 64 bits");
        value = static_cast<int64_t>(static_cast<uint64_t>(value) << by);
      } else if (take(">>")) {
        const int64_t by = sum();
        if (by < 0 || by > 63) throw std::invalid_argument("shift out of range");
        value >>= by;
      } else {
        return value;
      }
    }
  }
  int64_t sum() {
    int64_t value = product();
    while (true) {
      if (take("+")) {
        const int64_t rhs = product();
        value = checked(value, rhs, add);
      } else if (take("-")) {
        const int64_t rhs = product();
        value = checked(value, rhs, subtract);
      } else {
        return value;
      }
    }
  }
  int64_t product() {
    int64_t value = unary();
    while (true) {
      if (take("*")) {
        const int64_t rhs = unary();
        value = checked(value, rhs, multiply);
      } else if (take("/") || take("%")) {
        const bool divide = text_[pos_ - 1] == '/';
        const int64_t by = unary();
        if (by == 0) throw std::invalid_argument("division by zero");
        if (value == INT64_MIN && by == -1) throw std::invalid_argument("overflows 64 bits");
        value = divide ? value / by : value % by;
      } else {
        return value;
      }
    }
  }
  int64_t unary() {
    if (take("-")) {
      const int64_t operand = unary();
      return checked(0, operand, subtract);
    }
    if (take("(")) {
      const int64_t value = comparison();
      if (!take(")")) throw std::invalid_argument("missing ')'");
      return value;
    }
    return number();
  }
  int64_t number() {
    skip_space();
    int base = 10;
    if (text_.substr(pos_, 2) == "0x" || text_.substr(pos_, 2) == "0X") base = 16, pos_ += 2;
    uint64_t value = 0;
    const auto [ptr, error] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value, base);
    if (ptr == text_.data() + pos_) throw std::invalid_argument("expected a number");
    if (error == std::errc::result_out_of_range || value > uint64_t{INT64_MAX}) throw std::invalid_argument("number overflows 64 bits");
    pos_ = static_cast<std::size_t>(ptr - text_.data());
    return static_cast<int64_t>(value);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<int64_t> evaluate_expression(std::string_view text, std::string& error) {
  try {
    return Parser(text).parse();
  } catch (const std::invalid_argument& e) {
    error = e.what();
    return std::nullopt;
  }
}

}  // namespace mpvm::compiler_lite
