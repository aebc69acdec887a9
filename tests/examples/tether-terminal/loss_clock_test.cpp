// tether-terminal's loss clock: from a lost session to the next hello.
#include "tether-terminal/loss_clock.hpp"

#include <gtest/gtest.h>

namespace tether::terminal {
namespace {

using namespace std::chrono_literals;
using time_point = loss_clock::time_point;

TEST(LossClock, SpansFromTheLossToTheNextHello) {
  loss_clock c;
  time_point t0{};
  c.lost(t0 + 1s, true);
  auto span = c.hello(t0 + 3500ms);
  ASSERT_TRUE(span);
  EXPECT_EQ(*span, 2500ms);
  EXPECT_FALSE(c.hello(t0 + 4s)) << "one span per loss";
}

TEST(LossClock, AFirstHelloIsNoReconnect) {
  loss_clock c;
  EXPECT_FALSE(c.hello(time_point{} + 1s));
}

TEST(LossClock, ASessionEndedBeforeItsHelloStaysInsideTheSpan) {
  loss_clock c;
  time_point t0{};
  c.lost(t0 + 1s, true);
  c.lost(t0 + 2s, false); // a survivor closed it before the hello (1013)
  c.lost(t0 + 3s, true);  // not possible without a hello; still the first
  EXPECT_EQ(*c.hello(t0 + 5s), 4s);
}

TEST(LossClock, ALossBeforeAnyHelloStartsNoSpan) {
  loss_clock c;
  time_point t0{};
  c.lost(t0 + 1s, false);
  EXPECT_FALSE(c.hello(t0 + 2s));
}

} // namespace
} // namespace tether::terminal
