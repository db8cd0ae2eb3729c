#include "tests/support/random_program.h"

#include <fmt/format.h>

#include <random>
#include <stdexcept>

namespace mpvm::testing {
namespace {

constexpr int kSecretRegisters = 2048;
constexpr int kClearRegisters = 256;

class Generator {
 public:
  Generator(uint64_t seed, const RandomProgramOptions& options) : rng_(seed), options_(options) {}

  RandomProgram run() {
    // Every secret register starts from some party's input, every clear one from ldi.
    for (int start = 0; start < kSecretRegisters; start += 256) {
      const int party = pick(0, options_.parties - 1);
      emit("input:256 s{}, {}", start, party);
      for (int k = 0; k < 256; ++k) program_.inputs[party].push_back(value());
    }
    for (int k = 0; k < kClearRegisters; ++k) emit("ldi c{}, {}", k, value());
    for (int i = 0; i < options_.instructions; ++i) one_instruction();
    // Reveal everything at the end, in chunks, to party 0 and (as output) to others.
    for (int start = 0; start < kSecretRegisters; start += 512) {
      emit("open:512 c0, s{}", start);
      emit("printc:512 c0");
    }
    return std::move(program_);
  }

 private:
  template <class... Args>
  void emit(fmt::format_string<Args...> format, Args&&... args) {
    program_.assembly += fmt::format(format, std::forward<Args>(args)...) + "\n";
  }
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  int64_t value() {
    switch (pick(0, 3)) {
      case 0: return pick(-3, 3);
      case 1: return static_cast<int64_t>(rng_());
      default: return pick(-100000, 100000);
    }
  }
  int length() {
    const int roll = pick(0, 9);
    return roll < 4 ? 1 : roll < 8 ? pick(2, 64) : pick(65, 700);
  }
  // A range [start, start+n) of `bank_size` registers.
  int range(int n, int bank_size) { return pick(0, bank_size - n); }
  // An output range identical to or disjoint from each input range. When the inputs
  // leave no room, the output reuses the first input's registers if that is legal, and
  // otherwise the instruction writes its result over a fresh disjoint copy (movs) of them.
  int output_range(int n, std::initializer_list<std::pair<int, int>> inputs) {
    auto legal = [&](int start) {
      for (auto [first, count] : inputs) {
        const bool disjoint = start + n <= first || first + count <= start;
        if (!disjoint && !(first == start && count == n)) return false;
      }
      return true;
    };
    for (int attempt = 0; attempt < 200; ++attempt)
      if (const int start = range(n, kSecretRegisters); legal(start)) return start;
    for (auto [first, count] : inputs)
      if (count == n && legal(first)) return first;
    throw std::logic_error("random_program: no legal output range");
  }

  void one_instruction() {
    const int n = length();
    const int a = range(n, kSecretRegisters);
    // b is a's range or disjoint from it, so an output range always exists.
    int b = range(n, kSecretRegisters);
    if (!(b + n <= a || a + n <= b)) b = a;
    const int c = range(std::min(n, kClearRegisters), kClearRegisters);
    switch (pick(0, 16)) {
      case 0: emit("adds:{} s{}, s{}, s{}", n, output_range(n, {{a, n}, {b, n}}), a, b); break;
      case 1: emit("subs:{} s{}, s{}, s{}", n, output_range(n, {{a, n}, {b, n}}), a, b); break;
      case 2:
      case 3: emit("muls:{} s{}, s{}, s{}", n, output_range(n, {{a, n}, {b, n}}), a, b); break;
      case 4: {
        const int m = std::min(n, kClearRegisters);
        const char* op[] = {"addm", "subml", "mulm"};
        emit("{}:{} s{}, s{}, c{}", op[pick(0, 2)], m, output_range(m, {{a, m}}), a, c);
        break;
      }
      case 5: {
        const int m = std::min(n, kClearRegisters);
        emit("submr:{} s{}, c{}, s{}", m, output_range(m, {{a, m}}), c, a);
        break;
      }
      case 6: emit("{}:{} s{}, s{}, {}", pick(0, 1) ? "mulsi" : "addsi", n, output_range(n, {{a, n}}), a, value()); break;
      case 7: {
        const int len = pick(1, 9), lanes = pick(1, 40);
        const int x = range(lanes * len, kSecretRegisters);
        int y = range(lanes * len, kSecretRegisters);
        if (!(y + lanes * len <= x || x + lanes * len <= y)) y = x;
        emit("dotprods:{} s{}, s{}, s{}, {}", lanes, output_range(lanes, {{x, lanes * len}, {y, lanes * len}}), x, y, len);
        break;
      }
      case 8: {  // through memory and back
        emit("stms:{} s{}, {}", n, a, pick(0, 5000));
        emit("ldms:{} s{}, {}", n, b, pick(0, 5000));
        break;
      }
      case 9: emit("movs:{} s{}, s{}", n, output_range(n, {{a, n}}), a); break;
      case 10: {  // reveal something mid-program: to all, or to one party
        const int m = std::min(n, kClearRegisters);
        if (pick(0, 1)) {
          emit("open:{} c{}, s{}", m, c, a);
          emit("printc:{} c{}", m, c);
        } else {
          emit("output:{} s{}, {}", n, a, pick(0, options_.parties - 1));
        }
        break;
      }
      case 11:
      case 12:
      case 13:
        if (options_.matrices) matrix_instruction();
        break;
      // Comparisons and exact truncation with bits = 64 hold for any value.
      case 14: emit("ltz:{} s{}, s{}, 64", n, output_range(n, {{a, n}}), a); break;
      case 15: emit("eqz:{} s{}, s{}, 64", n, output_range(n, {{a, n}}), a); break;
      case 16: emit("trunc:{} s{}, s{}, {}, 64", n, output_range(n, {{a, n}}), a, pick(1, 63)); break;
    }
  }

  void matrix_instruction() {
    const int rows = pick(1, 6), inner = pick(1, 6), cols = pick(1, 6);
    const int lanes = pick(1, 2);
    const int a_count = lanes * rows * inner, b_count = lanes * inner * cols, c_count = lanes * rows * cols;
    const int x = range(a_count, kSecretRegisters), y = range(b_count, kSecretRegisters);
    emit("stms:{} s{}, 10000", a_count, x);
    switch (pick(0, 2)) {
      case 0:
        emit("stms:{} s{}, 20000", b_count, y);
        emit("matmuls:{} 30000, 10000, 20000, {}, {}, {}", lanes, rows, inner, cols);
        break;
      case 1:
        emit("stmc:{} c{}, 20000", std::min(b_count, kClearRegisters), range(std::min(b_count, kClearRegisters), kClearRegisters));
        emit("matmulsm:{} 30000, 10000, 20000, {}, {}, {}", lanes, rows, inner, cols);
        break;
      default: {
        // A small convolution over an image at 10000 with a filter at 20000.
        const int h = pick(2, 6), w = pick(2, 6), groups = pick(1, 2), in_c = groups * pick(1, 2), out_c = groups * pick(1, 2);
        const int k = pick(1, 3), stride = pick(1, 2), pad = pick(0, 1);
        const int out_h = (h + 2 * pad - k) / stride + 1, out_w = (w + 2 * pad - k) / stride + 1;
        if (out_h < 1 || out_w < 1) return;
        const int filter = out_c * k * k * (in_c / groups);
        emit("stms:{} s{}, 10000", h * w * in_c, range(h * w * in_c, kSecretRegisters));
        emit("stms:{} s{}, 20000", filter, range(filter, kSecretRegisters));
        emit("conv2ds 30000, 10000, 20000, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 1, 1, {}", h, w, in_c, out_h,
             out_w, out_c, k, k, stride, stride, pad, pad, groups);
        const int out_count = out_h * out_w * out_c;
        emit("ldms:{} s{}, 30000", out_count, range(out_count, kSecretRegisters));
        return;
      }
    }
    emit("ldms:{} s{}, 30000", c_count, range(c_count, kSecretRegisters));
  }

  std::mt19937_64 rng_;
  RandomProgramOptions options_;
  RandomProgram program_;
};

}  // namespace

RandomProgram random_program(uint64_t seed, const RandomProgramOptions& options) { return Generator(seed, options).run(); }

}  // namespace mpvm::testing
