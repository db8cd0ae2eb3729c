// The contract between the interpreter (vm/) and a protocol back-end. The VM is written
// against this concept only; each back-end is a class that satisfies it.
//
// Conventions for every batched call:
//   - spans are lane-aligned: out[k] is computed from a[k], b[k] (or from block k of a
//     matrix operand), and `out` is never a partial overlap of an input (the verifier
//     guarantees identical or disjoint register ranges; the VM copies memory operands
//     that overlap);
//   - one call is one communication round, or a constant number of them, whatever the
//     span length: this is what makes a vector instruction cheap;
//   - `check()` is called by the VM before every open/output and at the end of the run;
//     an active back-end verifies MACs or consistency there and throws ProtocolAbort.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>

#include "protocols/core/shapes.h"
#include "protocols/core/statistics.h"

namespace mpvm::protocols {

template <class D>
concept ClearDomain = requires(typename D::Value v, int64_t i) {
  { D::from_int(i) } -> std::same_as<typename D::Value>;
  { D::to_signed(v) } -> std::same_as<int64_t>;
  { D::to_string(v) } -> std::same_as<std::string>;
  { v + v } -> std::convertible_to<typename D::Value>;
  { v - v } -> std::convertible_to<typename D::Value>;
  { v * v } -> std::convertible_to<typename D::Value>;
};

template <class P>
concept ArithmeticProtocol =
    ClearDomain<typename P::Domain> &&
    requires(P& p, const P& cp, std::span<typename P::Share> out, std::span<const typename P::Share> a,
             std::span<typename P::Domain::Value> clear_out, std::span<const typename P::Domain::Value> clear,
             typename P::Domain::Value value, std::span<const int64_t> plain, int party, unsigned bits, unsigned m,
             int64_t length, MatmulShape matmul_shape, Conv2dShape conv_shape) {
      typename P::Share;
      { cp.party_count() } -> std::same_as<int>;
      { cp.plays(party) } -> std::same_as<bool>;  // this process acts for (prints for, reads inputs of) that party
      // local operations
      p.constant(out, value);
      p.add(out, a, a);
      p.sub(out, a, a);
      p.add_clear(out, a, clear);
      p.sub_clear(out, a, clear);
      p.clear_sub(out, clear, a);
      p.mul_clear(out, a, clear);
      p.add_scalar(out, a, value);
      p.mul_scalar(out, a, value);
      // interactive operations
      p.mul(out, a, a);
      p.dot(out, a, a, length);
      p.matmul(out, a, a, matmul_shape);
      p.matmul_clear(out, a, clear, matmul_shape);
      p.conv2d(out, a, a, conv_shape);
      p.input(party, out, plain);  // plain holds the values only where plays(party)
      p.random(out);
      p.open(clear_out, a);
      { p.open_to(party, clear_out, a) } -> std::same_as<bool>;  // true where this process learned them
      p.ltz(out, a, bits);
      p.eqz(out, a, bits);
      p.trunc(out, a, m, bits);
      p.truncpr(out, a, m, bits);
      p.check();
      { cp.counters() } -> std::same_as<CommunicationCounters>;
    };

// One ltz or exact trunc of a batch: adjacent instructions the VM found independent (no
// output of one is an input or output of another), which a back-end may run in shared
// rounds. Results are those of running them one by one.
template <class Share>
struct NonlinearRequest {
  enum class Kind { ltz, trunc };
  Kind kind;
  std::span<Share> out;
  std::span<const Share> in;
  unsigned shift;  // trunc's m; 0 for ltz
  unsigned bits;
};

// A back-end that runs such batches in shared rounds (optional: without it the VM runs
// the instructions one by one).
template <class P>
concept BatchesNonlinear = requires(P& p, std::span<const NonlinearRequest<typename P::Share>> requests) {
  p.nonlinear_batch(requests);
};

}  // namespace mpvm::protocols
