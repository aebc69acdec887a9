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

TEST(EventHub, FormatsAnEventWithItsIdKindAndData) {
  EXPECT_EQ(event_hub::format(7, "job", R"({"id":"J1"})"),
            "id: 7\nevent: job\ndata: {\"id\":\"J1\"}\n\n");
}

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
    EXPECT_EQ(s->written[0].rfind("id: 1\nevent: node\n", 0), 0u);
    EXPECT_EQ(s->written[1].rfind("id: 2\nevent: job\n", 0), 0u);
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
  EXPECT_TRUE(hub.keep_polling());
  a->is_open = false;
  EXPECT_FALSE(hub.keep_polling());
  hub.add(std::make_shared<fake_sink>(), 0, start);
  EXPECT_TRUE(start); // the next stream starts a poller again
}

} // namespace
} // namespace tether
