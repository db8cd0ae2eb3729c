// TEST HOOK: makes one party deviate from an active protocol, so tests can prove that the
// honest parties catch it. A normal run never has one: the CLI accepts it only through the
// hidden `--test-deviation` option, which exists only in builds with MPVM_TEST_HOOKS.
//
// A deviation names a party, a kind of point and which occurrence of that point at that
// party (counted from 0 as the run reaches them). The back-end asks `fires(point)` at each
// such place and, when it answers true, adds `delta` to the value it is about to send or
// keep. Inside a comparison or a truncation every point counts as that operation's point,
// so "comparison 3" is the fourth message or value touched inside comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mpvm::protocols {

enum class DeviationPoint {
  input,           // the share an input's owner sends
  multiplication,  // the re-shared product (a muls/dotprods/matmuls/conv2ds message)
  mac,             // the re-shared MAC of a product
  opening,         // the share sent when a value is opened
  random,          // this party's own component of a random value (kept locally), or its
                   // input to random bits (made bit + 2 delta: never a bit)
  verdict,         // claims a failure to one peer only, then denies it
  comparison,      // any of the above inside ltz/eqz
  truncation,      // any of the above inside trunc/truncpr
};

inline constexpr DeviationPoint kDeviationPoints[] = {
    DeviationPoint::input,  DeviationPoint::multiplication, DeviationPoint::mac,       DeviationPoint::opening,
    DeviationPoint::random, DeviationPoint::verdict,        DeviationPoint::comparison, DeviationPoint::truncation};

inline std::string_view deviation_point_name(DeviationPoint point) {
  switch (point) {
    case DeviationPoint::input: return "input";
    case DeviationPoint::multiplication: return "multiplication";
    case DeviationPoint::mac: return "mac";
    case DeviationPoint::opening: return "opening";
    case DeviationPoint::random: return "random";
    case DeviationPoint::verdict: return "verdict";
    case DeviationPoint::comparison: return "comparison";
    case DeviationPoint::truncation: return "truncation";
  }
  return "?";
}

struct Deviation {
  int party = 0;
  DeviationPoint point = DeviationPoint::multiplication;
  uint64_t occurrence = 0;
  uint64_t delta = 1;
};

// "PARTY:POINT[:OCCURRENCE]", e.g. "1:mac:2"; throws std::invalid_argument naming the part.
inline Deviation parse_deviation(std::string_view text) {
  Deviation deviation;
  auto next_field = [&text]() {
    const std::size_t colon = text.find(':');
    std::string field(text.substr(0, colon));
    text = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    return field;
  };
  const std::string party = next_field(), point = next_field(), occurrence = next_field();
  if (party.empty() || point.empty())
    throw std::invalid_argument("expected PARTY:POINT[:OCCURRENCE], e.g. 1:multiplication:0");
  deviation.party = std::stoi(party);
  bool known = false;
  for (DeviationPoint candidate : kDeviationPoints)
    if (deviation_point_name(candidate) == point) deviation.point = candidate, known = true;
  if (!known) throw std::invalid_argument("unknown deviation point '" + point + "'");
  if (!occurrence.empty()) deviation.occurrence = std::stoull(occurrence);
  return deviation;
}

// Counts the points this party reaches and says when the planned deviation happens.
class DeviationInjector {
 public:
  DeviationInjector() = default;
  DeviationInjector(std::optional<Deviation> plan, int me) {
    if (plan && plan->party == me) plan_ = plan;
  }

  // Inside a comparison or truncation, every point counts as that one.
  void enter(std::optional<DeviationPoint> context) { context_ = context; }
  std::optional<DeviationPoint> context() const { return context_; }

  // True exactly once: at the planned occurrence of the planned point.
  bool fires(DeviationPoint point) {
    if (!plan_) return false;
    if (context_) point = *context_;
    if (point != plan_->point) return false;
    return seen_++ == plan_->occurrence;
  }
  uint64_t delta() const { return plan_ ? plan_->delta : 0; }

 private:
  std::optional<Deviation> plan_;
  std::optional<DeviationPoint> context_;
  uint64_t seen_ = 0;
};

// Sets the injector's context for the lifetime of a comparison or truncation.
class DeviationScope {
 public:
  DeviationScope(DeviationInjector& injector, DeviationPoint context) : injector_(injector), saved_(injector.context()) {
    if (!saved_) injector_.enter(context);
  }
  ~DeviationScope() { injector_.enter(saved_); }
  DeviationScope(const DeviationScope&) = delete;
  DeviationScope& operator=(const DeviationScope&) = delete;

 private:
  DeviationInjector& injector_;
  std::optional<DeviationPoint> saved_;
};

}  // namespace mpvm::protocols
