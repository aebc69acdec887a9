// http_gateway/event_replay: the events kept for a client that reconnects
// with Last-Event-ID (GET /v1/admin/events).
#include "actors/http_gateway/event_replay.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

bool is_reset(const event_replay::resumption& r, const std::string& why) {
  return !r.resumed && r.texts.size() == 1
      && r.texts[0].find("\nevent: reset\ndata: {\"reason\":\"")
           != std::string::npos
      && r.texts[0].find(why) != std::string::npos;
}

TEST(EventReplay, FormatsAnEventWithItsIdKindAndData) {
  EXPECT_EQ(event_replay::format("ab-7", "job", R"({"id":"J1"})"),
            "id: ab-7\nevent: job\ndata: {\"id\":\"J1\"}\n\n");
}

TEST(EventReplay, IdsCarryTheRunAndRise) {
  event_replay r{10, "ab12"};
  EXPECT_EQ(r.record("node", "{}").rfind("id: ab12-1\nevent: node\n", 0), 0u);
  EXPECT_EQ(r.record("job", "{}").rfind("id: ab12-2\nevent: job\n", 0), 0u);
}

TEST(EventReplay, AReconnectGetsWhatItMissedInOrder) {
  event_replay r{10, "ab"};
  for (int i = 1; i <= 5; ++i)
    r.record("job", "{\"n\":" + std::to_string(i) + "}");
  auto out = r.after("ab-2", 100);
  ASSERT_TRUE(out.resumed);
  ASSERT_EQ(out.texts.size(), 3u);
  EXPECT_EQ(out.texts[0].rfind("id: ab-3\n", 0), 0u);
  EXPECT_EQ(out.texts[2].rfind("id: ab-5\n", 0), 0u);
  auto none = r.after("ab-5", 100);
  EXPECT_TRUE(none.resumed);
  EXPECT_TRUE(none.texts.empty()) << "it missed nothing";
}

TEST(EventReplay, EventsGoneFromTheRingGiveReset) {
  event_replay r{3, "ab"};
  for (int i = 1; i <= 6; ++i)
    r.record("job", "{}");
  EXPECT_TRUE(r.after("ab-3", 100).resumed) << "4, 5, 6 are kept";
  auto out = r.after("ab-2", 100);
  EXPECT_TRUE(is_reset(out, "event_replay")) << out.texts.at(0);
  // Its id is the latest: a reload, then a later reconnect resumes.
  EXPECT_EQ(out.texts[0].rfind("id: ab-6\nevent: reset\n", 0), 0u);
  EXPECT_TRUE(r.after("ab-6", 100).resumed);
}

TEST(EventReplay, ForeignMalformedAndFutureIdsGiveReset) {
  event_replay r{10, "ab"};
  r.record("job", "{}");
  for (const char* id :
       {"cd-1", "ab-", "ab-x", "ab-1x", "ab1", "1", "ab-99", "ab--1"}) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(is_reset(r.after(id, 100), "not an event of this gateway"));
  }
}

TEST(EventReplay, NoReconnectFromBeforeAGapResumes) {
  event_replay r{10, "ab"};
  r.record("job", "{}");
  r.record("job", "{}");
  r.gap(); // nobody followed for a while
  auto out = r.after("ab-2", 100);
  EXPECT_TRUE(is_reset(out, "not followed")) << out.texts.at(0);
  r.record("job", "{}");                  // after the gap: ab-4
  auto from_reset = r.after("ab-3", 100); // the reset's id
  ASSERT_TRUE(from_reset.resumed);
  ASSERT_EQ(from_reset.texts.size(), 1u);
  EXPECT_EQ(from_reset.texts[0].rfind("id: ab-4\n", 0), 0u);
}

TEST(EventReplay, MoreMissedThanAStreamMayQueueGiveReset) {
  event_replay r{100, "ab"};
  for (int i = 0; i < 10; ++i)
    r.record("job", "{}");
  EXPECT_TRUE(r.after("ab-5", 5).resumed);
  EXPECT_TRUE(is_reset(r.after("ab-4", 5), "more events were missed"));
}

TEST(EventReplay, KeepingNoneStillResumesWhenNothingWasMissed) {
  event_replay r{0, "ab"};
  r.record("job", "{}");
  r.record("job", "{}");
  EXPECT_TRUE(r.after("ab-2", 100).resumed);
  EXPECT_TRUE(is_reset(r.after("ab-1", 100), "no longer kept"));
}

} // namespace
} // namespace tether
