// The test support's own helpers (tests/support/process.hpp):
// started_retrying tries a start that throws again on a newly made object,
// at most `attempts` times in all; unread_bytes_sent_by counts what a
// process sent and its peers have not read.
#include <memory>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

using tether::test::eventually;
using tether::test::started_retrying;
using tether::test::unread_bytes_sent_by;
using namespace std::chrono_literals;

namespace {

struct fake {
  int made = 0; // which make() built it (1-based)
  bool started = false;
};

/// make() counts in `made`; the start of the first `failures` throws.
auto run(int failures, int& made, int& starts, int attempts = 3) {
  return started_retrying([&] { return std::make_unique<fake>(fake{++made}); },
                          [&](fake& f) {
                            if (++starts <= failures)
                              throw std::runtime_error("port taken");
                            f.started = true;
                          },
                          attempts);
}

} // namespace

TEST(StartedRetrying, AFirstStartThatWorksMakesOne) {
  int made = 0, starts = 0;
  auto f = run(0, made, starts);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(starts, 1);
  EXPECT_TRUE(f->started);
}

TEST(StartedRetrying, AFailedStartGoesAgainOnANewOne) {
  int made = 0, starts = 0;
  auto f = run(2, made, starts);
  EXPECT_EQ(made, 3);
  EXPECT_EQ(f->made, 3);
  EXPECT_TRUE(f->started);
}

TEST(StartedRetrying, TheLastFailureIsThrownAfterAllAttempts) {
  int made = 0, starts = 0;
  EXPECT_THROW(run(3, made, starts), std::runtime_error);
  EXPECT_EQ(starts, 3);
  made = starts = 0;
  EXPECT_THROW(run(5, made, starts, 5), std::runtime_error);
  EXPECT_EQ(starts, 5);
}

namespace {

/// A connected TCP pair on loopback (both ends in this process).
struct tcp_pair {
  int client = -1, server = -1;
  tcp_pair() {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0
        && ::listen(listener, 1) == 0
        && ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len)
             == 0) {
      client = ::socket(AF_INET, SOCK_STREAM, 0);
      if (::connect(client, reinterpret_cast<sockaddr*>(&addr), len) == 0)
        server = ::accept(listener, nullptr, nullptr);
    }
    ::close(listener);
  }
  ~tcp_pair() {
    for (int fd : {client, server})
      if (fd >= 0)
        ::close(fd);
  }
};

} // namespace

TEST(UnreadBytes, GrowWithWhatThePeerHasNotReadAndShrinkWhenItReads) {
  tcp_pair p;
  ASSERT_GE(p.server, 0);
  auto before = unread_bytes_sent_by(::getpid());
  char out[100] = {};
  ASSERT_EQ(::send(p.client, out, sizeof out, 0), 100);
  // Loopback delivers at once; the poll only bounds the wait.
  EXPECT_TRUE(eventually(
    [&] { return unread_bytes_sent_by(::getpid()) >= before + 100; }, 5s));
  char in[100];
  ASSERT_EQ(::recv(p.server, in, sizeof in, MSG_WAITALL), 100);
  EXPECT_EQ(unread_bytes_sent_by(::getpid()), before);
}

TEST(UnreadBytes, AProcessThatIsNotThereHasNone) {
  EXPECT_EQ(unread_bytes_sent_by(-1), 0u);
}
