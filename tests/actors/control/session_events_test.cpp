// control/session_events: sessions opened and closed, kept only while the
// event stream's poller asks.
#include "actors/control/session_events.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(SessionEvents, KeepsNothingWhileNobodyAsks) {
  session_events ev{8, std::chrono::milliseconds{10'000}};
  EXPECT_FALSE(ev.wanted(1'000));
  ev.note("connect", "T1", "n1", 1'000);
  auto now = ev.read(0, 2'000);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0], "1\tnow"); // nothing was numbered
  EXPECT_TRUE(ev.read(1, 2'000).empty());
}

TEST(SessionEvents, ReadsWhatHappenedAfterASequenceNumber) {
  session_events ev{8, std::chrono::milliseconds{10'000}};
  ASSERT_EQ(ev.read(0, 1'000)[0], "1\tnow");
  ev.note("connect", "T1", "n1", 2'000);
  ev.note("disconnect", "T2", "keepalive", 3'000);
  EXPECT_EQ(ev.read(1, 4'000),
            (std::vector<std::string>{"2\tconnect\tT1\tn1",
                                      "3\tdisconnect\tT2\tkeepalive"}));
  EXPECT_EQ(ev.read(2, 4'000),
            (std::vector<std::string>{"3\tdisconnect\tT2\tkeepalive"}));
  EXPECT_TRUE(ev.read(3, 4'000).empty());
}

TEST(SessionEvents, StopsKeepingWhenTheReaderStopsAsking) {
  session_events ev{8, std::chrono::milliseconds{10'000}};
  ev.read(0, 1'000); // wanted until 11'000
  ev.note("connect", "T1", "n1", 5'000);
  ev.note("connect", "T2", "n1", 11'000); // not kept, and the rest dropped
  EXPECT_FALSE(ev.wanted(11'000));
  EXPECT_TRUE(ev.read(1, 12'000).empty());
}

TEST(SessionEvents, HoldsAtMostItsCapacity) {
  session_events ev{2, std::chrono::milliseconds{10'000}};
  ev.read(0, 0);
  for (auto id : {"T1", "T2", "T3"})
    ev.note("connect", id, "n1", 1);
  EXPECT_EQ(ev.read(1, 2), (std::vector<std::string>{"3\tconnect\tT2\tn1",
                                                     "4\tconnect\tT3\tn1"}));
}

} // namespace
} // namespace tether
