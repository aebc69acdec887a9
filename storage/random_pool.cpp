#include "storage/random_pool.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

namespace tether::storage {

namespace {

/// Reads `n` bytes of `fd` into `out`; false on an error or end of file.
bool read_all(int fd, unsigned char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    auto r = ::read(fd, out + got, n - got);
    if (r > 0)
      got += static_cast<size_t>(r);
    else if (r == 0 || errno != EINTR)
      return false;
  }
  return true;
}

[[noreturn]] void no_randomness() {
  std::fputs("tetherd: the kernel gives no random bytes (getrandom and "
             "/dev/urandom both failed); stopping\n",
             stderr);
  std::abort();
}

} // namespace

bool kernel_random(unsigned char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    auto r = ::getrandom(out + got, n - got, 0);
    if (r > 0)
      got += static_cast<size_t>(r);
    else if (errno != EINTR)
      break;
  }
  if (got == n)
    return true;
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = read_all(fd, out + got, n - got);
  ::close(fd);
  return ok;
}

void kernel_random_or_stop(unsigned char* out, size_t n) {
  if (!kernel_random(out, n))
    no_randomness();
}

random_pool::~random_pool() {
  ::explicit_bzero(buf_.data(), buf_.size());
}

void random_pool::fill(unsigned char* out, size_t n) {
  if (n > max_pooled) {
    if (!src_(out, n))
      no_randomness();
    return;
  }
  if (left_ < n) {
    if (!src_(buf_.data(), buf_.size()))
      no_randomness();
    left_ = buf_.size();
  }
  auto* from = buf_.data() + (buf_.size() - left_);
  std::memcpy(out, from, n);
  ::explicit_bzero(from, n);
  left_ -= n;
}

void random_bytes(unsigned char* out, size_t n) {
  thread_local random_pool pool;
  pool.fill(out, n);
}

} // namespace tether::storage
