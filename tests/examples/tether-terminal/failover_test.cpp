// What a simulated device does after a failed connect
// (examples/tether-terminal/failover.hpp): the cause it counts, and how long
// it waits before its next URL or a new registration.
#include "tether-terminal/failover.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include <random>
#include <set>

using namespace tether::terminal;
using namespace std::chrono_literals;
namespace errc = boost::asio::error;
using go = failover_step::go;

TEST(TerminalFailover, ClassifiesTheCauses) {
  EXPECT_EQ(classify_failure(errc::connection_refused, 0),
            connect_failure::refused);
  EXPECT_EQ(classify_failure(boost::beast::error::timeout, 0),
            connect_failure::timeout);
  EXPECT_EQ(classify_failure(boost::beast::http::error::end_of_stream, 0),
            connect_failure::closed);
  EXPECT_EQ(classify_failure(errc::connection_reset, 0),
            connect_failure::closed);
  EXPECT_EQ(classify_failure(errc::eof, 0), connect_failure::closed);
  boost::system::error_code declined = errc::operation_aborted;
  EXPECT_EQ(classify_failure(declined, 503), connect_failure::busy);
  EXPECT_EQ(classify_failure(declined, 429), connect_failure::busy);
  EXPECT_EQ(classify_failure(declined, 409), connect_failure::not_here);
  EXPECT_EQ(classify_failure(declined, 404), connect_failure::not_here);
  EXPECT_EQ(classify_failure(declined, 400), connect_failure::other);
  EXPECT_EQ(classify_failure(errc::access_denied, 0), connect_failure::other);
}

// A dead balancer costs nothing to try: the next URL follows within a short
// jittered hop, and the backoff does not grow.
TEST(TerminalFailover, RefusedHopsToTheNextUrlWithinTheHop) {
  failover f(100ms);
  backoff b(500ms, 30000ms);
  std::minstd_rand rng(7);
  std::set<long> delays;
  for (int i = 0; i < 200; ++i) {
    auto s = f.after(connect_failure::refused, false, 0ms, b, rng);
    EXPECT_EQ(s.next, go::next_url);
    EXPECT_GE(s.delay, 0ms);
    EXPECT_LE(s.delay, 100ms);
    delays.insert(s.delay.count());
  }
  EXPECT_GT(delays.size(), 20u) << "jittered, not one fixed delay";
  EXPECT_EQ(b.attempts(), 0u);
}

// A busy or silent balancer is not followed by the next one at once: the
// device backs off (growing, jittered), at least the server's Retry-After.
TEST(TerminalFailover, BusyOrClosedBacksOffBeforeTheNextUrl) {
  failover f(100ms);
  std::minstd_rand rng(11);
  for (int i = 0; i < 100; ++i) {
    backoff b(500ms, 30000ms);
    auto s = f.after(connect_failure::busy, false, 2000ms, b, rng);
    EXPECT_EQ(s.next, go::next_url);
    EXPECT_GE(s.delay, 2000ms) << "Retry-After is honoured";
    EXPECT_EQ(b.attempts(), 1u);
  }
  backoff b(500ms, 30000ms);
  std::chrono::milliseconds longest{0};
  for (int i = 0; i < 6; ++i) {
    auto s = f.after(connect_failure::closed, false, 0ms, b, rng);
    EXPECT_EQ(s.next, go::next_url);
    EXPECT_LE(s.delay, std::chrono::milliseconds(500 << i));
    longest = std::max(longest, s.delay);
  }
  EXPECT_GT(longest, 500ms) << "the window grows with each failure";
  auto t = f.after(connect_failure::timeout, false, 0ms, b, rng);
  EXPECT_EQ(t.next, go::next_url);
}

TEST(TerminalFailover, LastUrlOrNotHereRegistersAgain) {
  failover f(100ms);
  backoff b(500ms, 30000ms);
  std::minstd_rand rng(3);
  auto s = f.after(connect_failure::refused, true, 0ms, b, rng);
  EXPECT_EQ(s.next, go::register_again);
  EXPECT_LE(s.delay, 500ms);
  s = f.after(connect_failure::not_here, false, 0ms, b, rng);
  EXPECT_EQ(s.next, go::register_again);
  s = f.after(connect_failure::busy, true, 3000ms, b, rng);
  EXPECT_EQ(s.next, go::register_again);
  EXPECT_GE(s.delay, 3000ms);
}

TEST(TerminalFailover, RetryAfterIsWholeSecondsOrNone) {
  using std::chrono::seconds;
  EXPECT_EQ(retry_after_seconds("2"), seconds{2});
  EXPECT_EQ(retry_after_seconds("0"), seconds{0});
  EXPECT_EQ(retry_after_seconds("999999"), seconds{3600}); // at most an hour
  EXPECT_EQ(retry_after_seconds("-5"), seconds{0});
  EXPECT_EQ(retry_after_seconds("1.5"), seconds{0});
  EXPECT_EQ(retry_after_seconds(""), seconds{0});
  EXPECT_EQ(retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT"), seconds{0});
}
