// http_gateway/event_hub: the fan-out of GET /v1/admin/events.
#include "actors/http_gateway/event_hub.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

/// A sink that keeps what it is given; `room` writes before it is full.
struct fake_sink : event_sink {
  explicit fake_sink(size_t room = 100) : room(room) {}
  bool write(std::string text) override {
    if (!is_open || written.size() >= room)
      return false;
    written.push_back(std::move(text));
    return true;
  }
  void close(std::string l) override {
    is_open = false;
    last = std::move(l);
  }
  bool open() const override { return is_open; }
  size_t room;
  bool is_open = true;
  std::vector<std::string> written;
  std::string last;
};

TEST(EventHub, WritesEachEventToEveryStreamWithRisingIds) {
  event_hub hub{4};
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  bool start = false;
  ASSERT_TRUE(hub.add(a, 0, start));
  EXPECT_TRUE(start); // the first stream: a poller is needed
  ASSERT_TRUE(hub.add(b, 0, start));
  EXPECT_FALSE(start); // one runs already
  hub.publish("node", "{}", 1);
  hub.publish("job", "{}", 2);
  for (auto* s : {a.get(), b.get()}) {
    ASSERT_EQ(s->written.size(), 2u);
    EXPECT_EQ(s->written[0].rfind("id: r-1\nevent: node\n", 0), 0u);
    EXPECT_EQ(s->written[1].rfind("id: r-2\nevent: job\n", 0), 0u);
  }
}

TEST(EventHub, RefusesAStreamOverTheCapUntilOneCloses) {
  event_hub hub{1};
  auto a = std::make_shared<fake_sink>();
  bool start = false;
  ASSERT_TRUE(hub.add(a, 0, start));
  EXPECT_FALSE(hub.add(std::make_shared<fake_sink>(), 0, start));
  EXPECT_EQ(hub.size(), 1u);
  a->is_open = false; // the client went away
  EXPECT_EQ(hub.size(), 0u);
  EXPECT_TRUE(hub.add(std::make_shared<fake_sink>(), 0, start));
}

TEST(EventHub, DropsASlowStreamWithALastOverflowEvent) {
  event_hub hub{4};
  auto slow = std::make_shared<fake_sink>(1);
  auto fast = std::make_shared<fake_sink>();
  bool start = false;
  hub.add(slow, 0, start);
  hub.add(fast, 0, start);
  hub.publish("job", "{}", 1);
  hub.publish("job", "{}", 2); // the slow one's queue is full
  EXPECT_FALSE(slow->open());
  EXPECT_EQ(slow->last.rfind("event: overflow\ndata: ", 0), 0u);
  EXPECT_EQ(slow->written.size(), 1u);
  EXPECT_EQ(fast->written.size(), 2u);
  EXPECT_EQ(hub.size(), 1u);
}

TEST(EventHub, KeepaliveGoesOnlyToIdleStreams) {
  event_hub hub{4, std::chrono::milliseconds{15'000}};
  auto idle = std::make_shared<fake_sink>();
  auto busy = std::make_shared<fake_sink>();
  bool start = false;
  hub.add(idle, 0, start);
  hub.add(busy, 10'000, start);
  hub.keepalive(15'000);
  ASSERT_EQ(idle->written.size(), 1u);
  EXPECT_EQ(idle->written[0], ": keepalive\n\n");
  EXPECT_TRUE(busy->written.empty());
}

TEST(EventHub, ThePollerStopsWhenNoStreamIsOpen) {
  event_hub hub{4};
  auto a = std::make_shared<fake_sink>();
  bool start = false;
  hub.add(a, 0, start);
  EXPECT_TRUE(hub.keep_polling(0));
  a->is_open = false;
  EXPECT_FALSE(hub.keep_polling(0));
  hub.add(std::make_shared<fake_sink>(), 0, start);
  EXPECT_TRUE(start); // the next stream starts a poller again
}

event_hub::replay_options replay(size_t kept, int64_t linger_ms) {
  return {kept, 256, std::chrono::milliseconds{linger_ms}, "ab"};
}

TEST(EventHub, AReconnectWithLastEventIdGetsWhatItMissedFirst) {
  event_hub hub{4, std::chrono::seconds{15}, replay(100, 0)};
  auto a = std::make_shared<fake_sink>();
  bool start = false;
  hub.add(a, 0, start);
  hub.publish("job", "{\"n\":1}", 1);
  a->is_open = false; // the client's connection broke here
  hub.publish("job", "{\"n\":2}", 2);
  hub.publish("node", "{\"n\":3}", 3);
  auto b = std::make_shared<fake_sink>();
  ASSERT_TRUE(hub.add(b, 4, start, "ab-1"));
  ASSERT_EQ(b->written.size(), 2u);
  EXPECT_EQ(b->written[0].rfind("id: ab-2\nevent: job\n", 0), 0u);
  EXPECT_EQ(b->written[1].rfind("id: ab-3\nevent: node\n", 0), 0u);
  hub.publish("job", "{}", 5); // then it follows as any stream
  EXPECT_EQ(b->written.size(), 3u);
  auto fresh = std::make_shared<fake_sink>();
  hub.add(fresh, 6, start); // without Last-Event-ID: nothing replayed
  EXPECT_TRUE(fresh->written.empty());
}

TEST(EventHub, AReconnectAfterThePollerStoppedGetsReset) {
  event_hub hub{4, std::chrono::seconds{15}, replay(100, 30'000)};
  auto a = std::make_shared<fake_sink>();
  bool start = false;
  hub.add(a, 0, start);
  hub.publish("job", "{}", 1);
  a->is_open = false;
  EXPECT_TRUE(hub.keep_polling(10'000)) << "it lingers for a reconnect";
  auto b = std::make_shared<fake_sink>();
  hub.add(b, 20'000, start, "ab-1");
  EXPECT_FALSE(start) << "the poller still runs";
  EXPECT_TRUE(b->written.empty()) << "nothing was missed";
  b->is_open = false;
  EXPECT_TRUE(hub.keep_polling(49'000));
  EXPECT_FALSE(hub.keep_polling(50'000)) << "30 s after the last close";
  auto c = std::make_shared<fake_sink>();
  hub.add(c, 60'000, start, "ab-1");
  EXPECT_TRUE(start);
  ASSERT_EQ(c->written.size(), 1u);
  EXPECT_NE(c->written[0].find("\nevent: reset\n"), std::string::npos);
  EXPECT_TRUE(c->open()) << "the stream goes on after the reset";
}

TEST(EventHub, AReplayLargerThanTheStreamsQueueEndsItWithOverflow) {
  // A sink with less room than the burst the hub was told: it ends, and
  // is not kept.
  event_hub hub{4, std::chrono::seconds{15}, replay(100, 0)};
  bool start = false;
  auto a = std::make_shared<fake_sink>();
  hub.add(a, 0, start);
  for (int i = 0; i < 5; ++i)
    hub.publish("job", "{}", 1);
  auto small = std::make_shared<fake_sink>(2);
  EXPECT_TRUE(hub.add(small, 2, start, "ab-1"));
  EXPECT_FALSE(small->open());
  EXPECT_EQ(small->last.rfind("event: overflow\n", 0), 0u);
  EXPECT_EQ(hub.size(), 1u);
}

} // namespace
} // namespace tether
