// The callback poster's timeout covers the name lookup too. A lookup that
// never gets an answer (a DNS server that stays silent) used to hold the
// post for the resolver's own timeouts (seconds per attempt); it now fails
// at the poster's timeout with a reason that says so, and other callbacks
// are not queued behind it.
//
// The silent DNS server needs a private network and mount namespace (the
// child of a fork binds 127.0.0.1:53 there and bind-mounts its own
// resolv.conf): root only; elsewhere the test is skipped and says why.
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "net/http_poster.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int skip_code = 77;

/// In a fresh network namespace loopback is down.
bool loopback_up() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0)
    return false;
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &req) == 0;
  req.ifr_flags |= IFF_UP;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &req) == 0;
  ::close(fd);
  return ok;
}

/// A UDP socket on 127.0.0.1:53 that reads nothing and answers nothing.
bool silent_dns_server() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(53);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return fd >= 0
      && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

/// /etc/resolv.conf of this mount namespace only: the silent server, with
/// resolver timeouts far above the poster's.
bool private_resolv_conf() {
  char path[] = "/tmp/tether-resolv-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0)
    return false;
  std::string text = "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n";
  bool ok = ::write(fd, text.data(), text.size())
         == static_cast<ssize_t>(text.size());
  ::close(fd);
  ok = ok && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0
    && ::mount(path, "/etc/resolv.conf", nullptr, MS_BIND, nullptr) == 0;
  ::unlink(path);
  return ok;
}

/// Runs in the child: 0 when the post failed at its timeout with a reason
/// naming the lookup, 1 otherwise (the reason on stderr), 77 to skip.
int post_with_silent_dns() {
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
    std::fprintf(stderr, "cannot create namespaces (%s): not root?\n",
                 std::strerror(errno));
    return skip_code;
  }
  if (!loopback_up() || !silent_dns_server() || !private_resolv_conf()) {
    std::fprintf(stderr, "cannot set up the silent DNS server: %s\n",
                 std::strerror(errno));
    return skip_code;
  }
  // Static: the child leaves with _exit, without waiting for the resolver's
  // thread (destroying the io_context would join it).
  static boost::asio::io_context io;
  std::string error;
  // Loopback allowed: the second post below goes to 127.0.0.1.
  auto guard = std::make_shared<tether::net::callback_guard>(
    tether::api::callback_policy{tether::config::parse_cidrs({"127.0.0.0/8"})},
    "secret");
  static auto poster
    = tether::net::make_http_poster(io, {}, guard, error, 300ms);
  if (!poster) {
    std::fprintf(stderr, "no poster: %s\n", error.c_str());
    return 1;
  }
  bool done = false;
  bool ok = true;
  std::string detail;
  auto start = std::chrono::steady_clock::now();
  poster->post("http://callbacks.tether-test.example/done", "{}",
               [&](bool posted, std::string why) {
                 done = true;
                 ok = posted;
                 detail = std::move(why);
               });
  // Another callback, whose host needs no DNS, is not held up by it: it
  // fails at once (nothing listens on port 9), not at the deadline.
  bool other_done = false;
  std::string other_detail;
  poster->post("http://127.0.0.1:9/done", "{}", [&](bool, std::string why) {
    other_done = true;
    other_detail = std::move(why);
  });
  // Bounded: the resolver's own answer would take ~10 s.
  while ((!done || !other_done)
         && std::chrono::steady_clock::now() - start < 5s)
    io.run_one_for(100ms);
  auto took = std::chrono::steady_clock::now() - start;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took);
  std::fprintf(stderr, "done=%d ok=%d after %lld ms: %s; other: %s\n", done, ok,
               static_cast<long long>(ms.count()), detail.c_str(),
               other_detail.c_str());
  bool pass = done && !ok && took < 2s
           && detail.find("resolve: timed out") != std::string::npos
           && other_done && other_detail.find("connect:") != std::string::npos;
  return pass ? 0 : 1;
}

TEST(HttpPoster, NameLookupThatGetsNoAnswerFailsAtTheTimeout) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The resolver's thread may still be blocked in getaddrinfo: leave
    // without running destructors.
    ::_exit(post_with_silent_dns());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == skip_code)
    GTEST_SKIP() << "needs root for a network and mount namespace";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see the child's line above";
}

} // namespace
