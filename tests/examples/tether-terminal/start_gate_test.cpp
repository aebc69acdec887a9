// tether-terminal's start gate: the ramp, and the cap on devices started and
// not yet connected.
#include "tether-terminal/start_gate.hpp"

#include <gtest/gtest.h>

namespace tether::terminal {
namespace {

TEST(StartGate, WithoutACapAllAtOnceOrRamped) {
  EXPECT_EQ(due_starts(10000, 0.0, 0, 0, 0, 0), 10000u);
  EXPECT_EQ(due_starts(10000, 0.0, 100, 0, 0, 0), 1u) << "the first at once";
  EXPECT_EQ(due_starts(10000, 2.5, 100, 1, 0, 0), 251u);
  EXPECT_EQ(due_starts(100, 5.0, 100, 1, 0, 0), 100u) << "never more than all";
}

TEST(StartGate, TheCapKeepsAtMostNStartedAndNotConnected) {
  EXPECT_EQ(due_starts(10000, 0.0, 0, 0, 0, 256), 256u);
  EXPECT_EQ(due_starts(10000, 0.1, 0, 256, 0, 256), 256u) << "none connected";
  EXPECT_EQ(due_starts(10000, 0.2, 0, 256, 10, 256), 266u)
    << "ten connected: ten more start";
  EXPECT_EQ(due_starts(10000, 9.0, 0, 9990, 9900, 256), 10000u);
}

TEST(StartGate, RampAndCapTogetherTakeTheSmaller) {
  EXPECT_EQ(due_starts(10000, 1.0, 100, 50, 0, 256), 101u);
  EXPECT_EQ(due_starts(10000, 10.0, 1000, 256, 0, 256), 256u);
}

TEST(StartGate, AStartedDeviceIsNeverTakenBack) {
  // More connected than started cannot happen; more under way than the cap
  // can (the cap was reached, then devices lost their sessions).
  EXPECT_EQ(due_starts(10000, 1.0, 0, 300, 0, 256), 300u);
}

} // namespace
} // namespace tether::terminal
