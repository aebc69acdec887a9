// exact_allocator: plain operator new/delete for the operations of an
// asynchronous call. Bound to a handler (asio::bind_allocator), it replaces
// Asio's recycling allocator, which lends an operation the largest block its
// thread has cached (often a finished write's, several hundred bytes more
// than a read needs): the read that waits on every idle connection then
// holds only its own size (docs/BENCHMARKS.md, idle connections).
#pragma once

#include <cstddef>
#include <new>

namespace tether::net {

template <class T>
struct exact_allocator {
  using value_type = T;

  exact_allocator() noexcept = default;
  template <class U>
  exact_allocator(const exact_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }

  template <class U>
  bool operator==(const exact_allocator<U>&) const noexcept {
    return true;
  }
};

} // namespace tether::net
