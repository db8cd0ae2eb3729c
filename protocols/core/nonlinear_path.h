// Which implementation of comparison and truncation a back-end uses: its own (emulate's
// clear reference, rep3's binary circuits) or the generic layer every arithmetic back-end
// inherits (protocols/generic/nonlinear.h). The two must give the same results; tests and
// benchmarks run both.
#pragma once

#include <string_view>

namespace mpvm::protocols {

enum class NonlinearPath { native, generic };

inline std::string_view name_of(NonlinearPath path) { return path == NonlinearPath::native ? "native" : "generic"; }

}  // namespace mpvm::protocols
