// emulate: the clear reference back-end. One process plays every party and computes on
// clear values of Z_2^64 with exactly the semantics every real back-end must reproduce.
// All tests compare the real back-ends against it. It also checks the preconditions the
// real protocols silently rely on (a value must fit in the `bits` an instruction declares)
// and reports a violation instead of computing garbage, so programs are debugged here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocols/core/nonlinear_path.h"
#include "protocols/core/ring64.h"
#include "protocols/core/shapes.h"
#include "protocols/core/statistics.h"

namespace mpvm::protocols {

class EmulateProtocol {
 public:
  using Domain = Ring64;
  using Clear = Ring64::Value;
  using Share = Ring64::Value;  // a "share" is the value itself
  static constexpr const char* kName = "emulate";

  // `parties`: how many parties the program's input/output instructions may name.
  // `seed`: drives rands, truncpr's rounding and the generic layer's random bits, so runs
  // are reproducible. `path`: the clear reference (native) or the generic layer.
  EmulateProtocol(int parties, uint64_t seed, NonlinearPath path = NonlinearPath::native);

  int party_count() const { return parties_; }
  bool plays(int) const { return true; }

  // ---- local operations ----
  void constant(std::span<Share> out, Clear v) {
    for (Share& x : out) x = v;
  }
  void add(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = a[k] + b[k];
  }
  void sub(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = a[k] - b[k];
  }
  void add_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) { add(out, a, c); }
  void sub_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) { sub(out, a, c); }
  void clear_sub(std::span<Share> out, std::span<const Clear> c, std::span<const Share> a) { sub(out, c, a); }
  void mul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> c) { mul(out, a, c); }
  void add_scalar(std::span<Share> out, std::span<const Share> a, Clear v) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = a[k] + v;
  }
  void mul_scalar(std::span<Share> out, std::span<const Share> a, Clear v) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = a[k] * v;
  }

  // ---- interactive operations (nothing to send here) ----
  void mul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = a[k] * b[k];
  }
  void dot(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, int64_t length);
  void matmul(std::span<Share> out, std::span<const Share> a, std::span<const Share> b, const MatmulShape& shape);
  void matmul_clear(std::span<Share> out, std::span<const Share> a, std::span<const Clear> b, const MatmulShape& shape) {
    matmul(out, a, b, shape);
  }
  void conv2d(std::span<Share> out, std::span<const Share> input, std::span<const Share> filter, const Conv2dShape& shape);
  void input(int party, std::span<Share> out, std::span<const int64_t> values);
  void random(std::span<Share> out);
  void open(std::span<Clear> out, std::span<const Share> a) { std::copy(a.begin(), a.end(), out.begin()); }
  bool open_to(int party, std::span<Clear> out, std::span<const Share> a);
  void ltz(std::span<Share> out, std::span<const Share> a, unsigned bits);
  void eqz(std::span<Share> out, std::span<const Share> a, unsigned bits);
  void trunc(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits);
  void truncpr(std::span<Share> out, std::span<const Share> a, unsigned m, unsigned bits);
  void check() {}
  CommunicationCounters counters() const { return {}; }
  // Local randomness of the parties this process plays (for the generic layer).
  void local_random(std::span<uint64_t> out) {
    for (uint64_t& w : out) w = next_random();
  }

 private:
  uint64_t next_random();
  void require_party(int party) const;

  int parties_;
  uint64_t random_state_;
  NonlinearPath path_;
  std::vector<uint64_t> scratch_;
};

}  // namespace mpvm::protocols
