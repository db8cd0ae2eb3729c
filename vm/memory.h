// One memory bank (s, c or i): an array of cells that grows on demand up to a limit.
// Cells never written read as zero. Every access is checked: whatever a program's
// addresses say, it never touches anything outside the bank.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "base/errors.h"
#include "base/large_vector.h"

namespace mpvm::vm {

template <class T>
class Memory {
 public:
  Memory(char bank, uint64_t limit_cells) : bank_(bank), limit_(limit_cells) {}

  // Makes cells [address, address+count) exist; RuntimeError if they pass the limit.
  void ensure(int64_t address, uint64_t count) {
    if (address < 0)
      throw RuntimeError(fmt::format("{}-memory address {} is negative", bank_, address));
    const uint64_t end = static_cast<uint64_t>(address) + count;
    if (end > limit_ || end < count)
      throw RuntimeError(fmt::format("{}-memory cells {}..{} pass the limit of {} cells (raise it with --memory-limit)",
                                     bank_, address, end - 1, limit_));
    if (end > cells_.size()) {
      // Once a bank is past its first few pages, reserve address space up to the limit (or
      // kReservedBytes): growing then never moves the cells, so no page is copied or
      // faulted in twice. Untouched reserved pages cost nothing (ZeroPageAllocator).
      if (end > kSmallCells && cells_.capacity() < limit_) cells_.reserve(reserved_cells());
      cells_.resize(grown_size(end));
    }
  }

  // Cells that `ensure` has made exist.
  std::span<T> view(int64_t address, uint64_t count) {
    return {cells_.data() + address, static_cast<std::size_t>(count)};
  }

  std::span<T> cells(int64_t address, uint64_t count) {
    ensure(address, count);
    return view(address, count);
  }

  uint64_t size() const { return cells_.size(); }

 private:
  // Doubling keeps a program that stores one cell at a time linear overall.
  uint64_t grown_size(uint64_t end) const {
    uint64_t size = cells_.size() < 1024 ? 1024 : cells_.size();
    while (size < end) size *= 2;
    return size < limit_ ? size : limit_;
  }

  static constexpr uint64_t kSmallCells = 1 << 16;
  static constexpr uint64_t kReservedBytes = uint64_t{1} << 34;
  uint64_t reserved_cells() const {
    const uint64_t most = kReservedBytes / sizeof(T);
    return limit_ < most ? limit_ : most;
  }

  char bank_;
  uint64_t limit_;
  ZeroedLargeVector<T> cells_;  // grows without writing: untouched cells cost no page
};

}  // namespace mpvm::vm
