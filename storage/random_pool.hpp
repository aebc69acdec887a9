// random_pool: the kernel's random bytes (getrandom) drawn a block at a
// time, so that a small draw, such as the 8 random bytes of every job id,
// costs no system call (it was one getrandom a job on the job path; a
// system call is expensive on a paravirtualised machine: docs/BENCHMARKS.md,
// §4). Only ids draw from it (pooled_random_hex): the pool holds bytes not
// yet handed out, so secrets come from the kernel directly (random_hex).
// Bytes handed out are wiped from the pool. Each thread has its own pool
// (random_bytes). Plain C++; tests in tests/storage/random_pool_test.cpp.
#pragma once

#include <array>
#include <cstddef>

namespace tether::storage {

/// Fills `out` with `n` bytes from the kernel (getrandom, else
/// /dev/urandom); returns false when neither gives them.
bool kernel_random(unsigned char* out, size_t n);

/// The same, and ends the process when the kernel gives none: nothing may
/// run on predictable "random" bytes (secrets, ids).
void kernel_random_or_stop(unsigned char* out, size_t n);

class random_pool {
public:
  using source = bool (*)(unsigned char* out, size_t n);
  /// Draws larger than this go to the source directly.
  static constexpr size_t max_pooled = 64;

  explicit random_pool(source src = kernel_random) : src_(src) {}
  random_pool(const random_pool&) = delete;
  random_pool& operator=(const random_pool&) = delete;
  ~random_pool();

  /// Fills `out` with `n` random bytes. Ends the process when the source
  /// fails: nothing may run on predictable "random" bytes (secrets, ids).
  void fill(unsigned char* out, size_t n);

private:
  source src_;
  std::array<unsigned char, 512> buf_{};
  size_t left_ = 0; // unused bytes at the end of buf_
};

/// `n` random bytes from this thread's pool.
void random_bytes(unsigned char* out, size_t n);

} // namespace tether::storage
