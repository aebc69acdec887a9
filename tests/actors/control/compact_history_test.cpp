// compact_history: the control's in-memory form of a terminal's api_history
// gives back every field it was made from, runs the record's own window
// logic, and shares its class names; what is stored is the record as before.
#include "actors/control/compact_history.hpp"

#include <string>

#include <gtest/gtest.h>

#include "actors/control/api_histories.hpp"

namespace tether {
namespace {

/// A record with a different value in every field, so that a field left
/// out of the conversion shows.
api_history distinct(std::string id) {
  api_history h;
  h.terminal_id = std::move(id);
  uint64_t v = 1;
  for (auto* f :
       {&h.calls, &h.errors, &h.window_calls, &h.window_errors,
        &h.previous_calls, &h.previous_errors, &h.window_prints,
        &h.previous_prints, &h.pages, &h.window_jobs, &h.previous_jobs,
        &h.connects, &h.disconnects, &h.keepalive_failures})
    *f = v++ * 7;
  h.window_start_ms = 1'000'003;
  h.last_seen_ms = 2'000'017;
  h.disconnect_class = "ge-123456789";
  h.failure_class = "compact-history-test-class@86400000";
  return h;
}

void expect_same(const api_history& a, const api_history& b) {
  EXPECT_EQ(a.terminal_id, b.terminal_id);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.window_start_ms, b.window_start_ms);
  EXPECT_EQ(a.window_calls, b.window_calls);
  EXPECT_EQ(a.window_errors, b.window_errors);
  EXPECT_EQ(a.previous_calls, b.previous_calls);
  EXPECT_EQ(a.previous_errors, b.previous_errors);
  EXPECT_EQ(a.window_prints, b.window_prints);
  EXPECT_EQ(a.previous_prints, b.previous_prints);
  EXPECT_EQ(a.pages, b.pages);
  EXPECT_EQ(a.window_jobs, b.window_jobs);
  EXPECT_EQ(a.previous_jobs, b.previous_jobs);
  EXPECT_EQ(a.connects, b.connects);
  EXPECT_EQ(a.disconnects, b.disconnects);
  EXPECT_EQ(a.keepalive_failures, b.keepalive_failures);
  EXPECT_EQ(a.last_seen_ms, b.last_seen_ms);
  EXPECT_EQ(a.disconnect_class, b.disconnect_class);
  EXPECT_EQ(a.failure_class, b.failure_class);
}

TEST(CompactHistory, GivesBackEveryFieldOfTheRecord) {
  auto h = distinct("T1");
  compact_history c{h};
  expect_same(c.expand("T1"), h);
  EXPECT_EQ(c.calls(), h.calls);
  EXPECT_LT(sizeof(compact_history), sizeof(api_history));
}

TEST(CompactHistory, AStoredRecordIsReadAndWrittenBackAsItWas) {
  // What the store gave at start comes out unchanged on the next flush.
  api_histories st;
  st.load({distinct("T1"), distinct("T2")});
  ASSERT_TRUE(st.find("T1"));
  expect_same(*st.find("T1"), distinct("T1"));
  st.set_classes("T2", "", ""); // marks it changed, changes nothing
  auto dirty = st.take_dirty();
  ASSERT_EQ(dirty.size(), 1u);
  expect_same(dirty[0], distinct("T2"));
}

TEST(CompactHistory, UpdatesRunTheRecordsWindowLogic) {
  compact_history c;
  c.update([](api_history& h) { h.count(true, 5000, 1000); });
  c.update([](api_history& h) { h.count(false, 6500, 1000); }); // rolls
  auto h = c.counters();
  EXPECT_EQ(h.calls, 2u);
  EXPECT_EQ(h.errors, 1u);
  EXPECT_EQ(h.previous_calls, 1u);
  EXPECT_EQ(h.previous_errors, 1u);
  EXPECT_EQ(h.window_calls, 1u);
  EXPECT_EQ(h.window_start_ms, 6000);
}

TEST(CompactHistory, ClassesAreSharedAndCleared) {
  auto pooled = interned::pool_size();
  compact_history a{distinct("A")};
  compact_history b{distinct("B")};
  EXPECT_EQ(interned::pool_size(), pooled + 2); // two texts, held twice
  a.set_disconnect_class({});
  EXPECT_EQ(a.disconnect_class(), "");
  EXPECT_EQ(b.disconnect_class(), "ge-123456789");
  // The update's record carries no classes and leaves them alone.
  b.update([](api_history& h) { EXPECT_TRUE(h.failure_class.empty()); });
  EXPECT_EQ(b.failure_class(), distinct("B").failure_class);
}

} // namespace
} // namespace tether
