// Vectors for large arrays (register files, memory banks, protocol scratch).
//
// LargeVector is a plain std::vector. It used to ask for transparent huge pages for every
// block of 2 MiB or more; on the reference machine (a 2-core VM, THP "madvise") the
// huge-page faults of freshly allocated protocol scratch made 10^6 rep3 comparisons take
// 1.07 s instead of 0.33 s, so only the VM's register files and memory banks, which are
// made once and live for the whole run, still ask for them (ZeroPageAllocator).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace mpvm {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

template <class T>
using LargeVector = std::vector<T>;

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

// For scratch that is always written before it is read, where zeroing it first would be
// wasted work. assign(n, v) and resize(n, v) still fill.
template <class T>
class ScratchAllocator : public std::allocator<T>, public DefaultInitialisingConstruct {
 public:
  using value_type = T;
  template <class U>
  struct rebind {  // not std::allocator's, which would drop the construct() above
    using other = ScratchAllocator<U>;
  };
  ScratchAllocator() = default;
  template <class U>
  ScratchAllocator(const ScratchAllocator<U>&) noexcept {}
  template <class U>
  bool operator==(const ScratchAllocator<U>&) const noexcept { return true; }
};

static_assert(std::is_same_v<std::allocator_traits<ScratchAllocator<int>>::rebind_alloc<long>, ScratchAllocator<long>>);

template <class T>
using ScratchVector = std::vector<T, ScratchAllocator<T>>;

// For arrays that must read as zero where never written (the VM's registers and memory
// banks). Large blocks come straight from mmap (asking for huge pages), whose pages the
// kernel zeroes on first touch, and new elements are default-initialised rather than
// zero-filled: making or growing an array writes nothing,
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
