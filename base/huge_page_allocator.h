// An allocator for large arrays (register files, memory banks, protocol scratch): blocks
// of 2 MiB or more are aligned to 2 MiB and marked for transparent huge pages, so the
// first touch of a 16 MB vector costs 8 page faults instead of 4096. Small blocks come
// from the ordinary heap. Linux only does this where THP is "madvise" or "always".
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>
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

// For allocators whose vectors grow without writing: elements added by resize() are
// default-initialised (left as the memory holds them) rather than value-initialised.
// Trivial types only.
struct DefaultInitialisingConstruct {
  template <class U>
  void construct(U* p) noexcept {
    static_assert(std::is_trivially_default_constructible_v<U>);
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// The huge-page allocator for scratch that is always written before it is read, where
// zeroing it first would be wasted work. assign(n, v) and resize(n, v) still fill.
template <class T>
class ScratchAllocator : public HugePageAllocator<T>, public DefaultInitialisingConstruct {
 public:
  using value_type = T;
  ScratchAllocator() = default;
  template <class U>
  ScratchAllocator(const ScratchAllocator<U>&) noexcept {}
  template <class U>
  bool operator==(const ScratchAllocator<U>&) const noexcept { return true; }
};

template <class T>
using ScratchVector = std::vector<T, ScratchAllocator<T>>;

// For arrays that must read as zero where never written (the VM's memory banks). Large
// blocks come straight from mmap, whose pages the kernel zeroes on first touch, and new
// elements are default-initialised rather than zero-filled: growing a bank writes nothing,
// so cells a program never touches cost no page, and those it does are zeroed once, by
// the kernel. Only for element types whose all-zero bytes are the value zero.
template <class T>
class ZeroPageAllocator : public DefaultInitialisingConstruct {
 public:
  using value_type = T;
  ZeroPageAllocator() = default;
  template <class U>
  ZeroPageAllocator(const ZeroPageAllocator<U>&) noexcept {}

  T* allocate(std::size_t count) {
    if (count > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = count * sizeof(T);
    if (bytes < kHugePageBytes) {
      if (void* p = std::calloc(count, sizeof(T))) return static_cast<T*>(p);
      throw std::bad_alloc();
    }
    // NORESERVE: a large block may be mostly address space (vm::Memory reserves up to its
    // limit); only touched pages are committed.
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t count) noexcept {
    const std::size_t bytes = count * sizeof(T);
    if (bytes < kHugePageBytes) std::free(p);
    else ::munmap(p, bytes);
  }
  // Default-initialisation (DefaultInitialisingConstruct): the memory is zero already
  // (calloc, or fresh mmap pages).

  template <class U>
  bool operator==(const ZeroPageAllocator<U>&) const noexcept { return true; }
};

template <class T>
using ZeroedLargeVector = std::vector<T, ZeroPageAllocator<T>>;

}  // namespace mpvm
