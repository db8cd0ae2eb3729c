// An allocator for large arrays (register files, memory banks, protocol scratch): blocks
// of 2 MiB or more are aligned to 2 MiB and marked for transparent huge pages, so the
// first touch of a 16 MB vector costs 8 page faults instead of 4096. Small blocks come
// from the ordinary heap. Linux only does this where THP is "madvise" or "always".
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace mpvm {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t count) {
    if (count > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = count * sizeof(T);
    if (bytes < kHugePageBytes) {
      if (void* p = std::malloc(bytes)) return static_cast<T*>(p);
      throw std::bad_alloc();
    }
    const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* p = std::aligned_alloc(kHugePageBytes, rounded);
    if (p == nullptr) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

// std::vector backed by the allocator above.
template <class T>
using LargeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace mpvm
