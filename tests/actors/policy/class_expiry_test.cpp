// GE/GF classes end: after [placement] class_ttl (an injected clock: every
// call takes `now`) and when an operator clears one (DELETE
// /v1/admin/classes/{name}); what is stored for them (docs/LABELS.md,
// "Class expiry and clearing").
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "actors/control/api_histories.hpp"
#include "actors/policy/placement.hpp"

namespace tether {
namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t hour = 60 * minute;
constexpr int64_t day = 24 * hour;
const int64_t t0 = 1000 * day; // a whole second

config::label_rules rules(int64_t ttl_ms) {
  config::label_rules r;
  r.disconnect_group.min_addresses = 3;
  r.disconnect_group.window = std::chrono::milliseconds{10 * minute};
  r.failure_group.share = 0.30;
  r.failure_group.min_terminals = 4;
  r.failure_group.window = std::chrono::milliseconds{10 * minute};
  r.class_ttl = std::chrono::milliseconds{ttl_ms};
  return r;
}

// "A*" terminals are in region GG1, "B*" in GG2.
std::string region_of(const std::string& id) {
  return id[0] == 'A' ? "GG1" : id[0] == 'B' ? "GG2" : "";
}
const std::unordered_map<std::string, size_t> sizes{{"GG1", 10}, {"GG2", 10}};

// A burst at `at`: 4 terminals of `prefix` on 4 addresses: one GE class
// ("ge-<at seconds>") and the prefix's GF class.
void burst(disconnect_tracker& tr, int64_t at, const std::string& prefix) {
  for (int i = 0; i < 4; ++i)
    tr.add({at + i, prefix + std::to_string(i),
            prefix + "-10.0.0." + std::to_string(i)});
  tr.refresh(at + 10, region_of, sizes);
}

std::string ge_of(int64_t at) {
  return "ge-" + std::to_string(at / 1000);
}

TEST(ClassExpiry, ClassesEndAfterTheTtlAndAreStoredAsEnded) {
  disconnect_tracker tr{rules(day)};
  burst(tr, t0, "A");
  ASSERT_EQ(tr.disconnect_class("A1"), ge_of(t0));
  ASSERT_TRUE(tr.failing_group("GG1"));
  EXPECT_EQ(tr.formed_at(ge_of(t0)), t0);
  EXPECT_EQ(tr.formed_at("GG1"), t0 + 10);
  for (const auto& m : tr.take_new())
    EXPECT_EQ(m.failure_formed_ms, t0 + 10) << m.terminal_id;
  // Just before the ttl: kept (the events are long gone).
  tr.prune(t0 + day - 1'000);
  EXPECT_EQ(tr.expire(t0 + day - 1'000), 0u);
  EXPECT_EQ(tr.disconnect_class("A1"), ge_of(t0));
  EXPECT_TRUE(tr.failing_group("GG1"));
  // At the ttl: every member is in no class again, once, to store.
  EXPECT_EQ(tr.expire(t0 + day + 10), 4u);
  EXPECT_EQ(tr.disconnect_class("A1"), "");
  EXPECT_FALSE(tr.failing_group("GG1"));
  EXPECT_EQ(tr.formed_at(ge_of(t0)), 0);
  auto ended = tr.take_new();
  ASSERT_EQ(ended.size(), 4u);
  for (const auto& m : ended) {
    EXPECT_TRUE(m.clear_disconnect && m.clear_failure) << m.terminal_id;
    EXPECT_TRUE(m.disconnect_class.empty() && m.failure_class.empty());
  }
  EXPECT_EQ(tr.expire(t0 + 2 * day), 0u);
  EXPECT_TRUE(tr.take_new().empty());
}

TEST(ClassExpiry, EachClassCountsFromWhenItFormed) {
  disconnect_tracker tr{rules(day)};
  burst(tr, t0, "A");
  tr.refresh(t0 + 30 * minute, region_of, sizes); // quiet: the burst ended
  burst(tr, t0 + hour, "B");
  EXPECT_EQ(tr.expire(t0 + day + 10), 4u); // only the first burst's
  EXPECT_EQ(tr.disconnect_class("A0"), "");
  EXPECT_EQ(tr.disconnect_class("B0"), ge_of(t0 + hour));
  EXPECT_TRUE(tr.failing_group("GG2"));
  EXPECT_EQ(tr.expire(t0 + hour + day + 10), 4u);
  EXPECT_FALSE(tr.failing_group("GG2"));
}

TEST(ClassExpiry, ZeroTtlKeepsClassesUntilCleared) {
  disconnect_tracker tr{rules(0)};
  burst(tr, t0, "A");
  EXPECT_EQ(tr.expire(t0 + 1000 * day), 0u);
  EXPECT_EQ(tr.disconnect_class("A0"), ge_of(t0));
  EXPECT_TRUE(tr.failing_group("GG1"));
}

TEST(ClassExpiry, ClearingEndsOneClassAndItsEventsDoNotFormItAgain) {
  disconnect_tracker tr{rules(day)};
  burst(tr, t0, "A");
  burst(tr, t0 + minute, "B"); // same GE burst (still open), GF GG2
  tr.take_new();
  EXPECT_FALSE(tr.clear("ge-1").has_value()); // unknown: nothing changes
  EXPECT_FALSE(tr.clear("GG3").has_value());
  EXPECT_TRUE(tr.take_new().empty());
  auto n = tr.clear("GG2");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 4u);
  EXPECT_FALSE(tr.failing_group("GG2"));
  EXPECT_TRUE(tr.failing_group("GG1"));
  auto ended = tr.take_new();
  ASSERT_EQ(ended.size(), 4u);
  for (const auto& m : ended)
    EXPECT_TRUE(m.clear_failure && !m.clear_disconnect) << m.terminal_id;
  // Their stored events go too, and only theirs: A's events, stored
  // before B's, stay (no range up to the last of B's).
  auto gone = tr.take_ended();
  ASSERT_EQ(gone.size(), 4u);
  for (const auto& e : gone)
    EXPECT_EQ(e.terminal_id[0], 'B') << e.terminal_id;
  EXPECT_TRUE(tr.take_ended().empty()) << "taken once";
  EXPECT_EQ(tr.prune(t0 + minute + 20), 0) << "nothing left the windows";
  EXPECT_EQ(tr.events().size(), 4u); // A's stay
  // Within the window, the next refresh does not form GG2 again.
  tr.refresh(t0 + minute + 20, region_of, sizes);
  EXPECT_FALSE(tr.failing_group("GG2"));
  // The GE class holds all eight; clearing it ends it for all of them.
  EXPECT_EQ(tr.disconnect_class("A0"), ge_of(t0));
  n = tr.clear(ge_of(t0));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(tr.disconnect_class("A0"), "");
  EXPECT_EQ(tr.disconnect_class("B3"), "");
  tr.refresh(t0 + minute + 30, region_of, sizes);
  EXPECT_EQ(tr.disconnect_class("A0"), "");
  EXPECT_TRUE(tr.failing_group("GG1"));          // the other class is untouched
  EXPECT_FALSE(tr.clear(ge_of(t0)).has_value()); // gone
}

TEST(ClassExpiry, StoredClassesExpireFromWhenTheyFormed) {
  disconnect_tracker tr{rules(day)};
  // GE names carry their time; GF stores it beside the value.
  tr.load({"A0", ge_of(t0), "GG1", t0}, t0 + hour);
  // An older record: the GF class counts from the load.
  tr.load({"B0", "", "GG2", 0}, t0 + hour);
  EXPECT_EQ(tr.formed_at(ge_of(t0)), t0);
  EXPECT_EQ(tr.formed_at("GG2"), t0 + hour);
  EXPECT_EQ(tr.expire(t0 + day), 1u);
  EXPECT_EQ(tr.disconnect_class("A0"), "");
  EXPECT_FALSE(tr.failing_group("GG1"));
  EXPECT_TRUE(tr.failing_group("GG2"));
  EXPECT_EQ(tr.expire(t0 + hour + day), 1u);
  EXPECT_FALSE(tr.failing_group("GG2"));
}

TEST(ClassExpiry, StoredFailureClassNames) {
  EXPECT_EQ(stored_failure_class("GG1", t0 + 999), "GG1@86400000");
  EXPECT_EQ(stored_failure_class("GG1", 0), "GG1");
  using p = std::pair<std::string, int64_t>;
  EXPECT_EQ(parse_stored_failure_class("GG1@86400000"), (p{"GG1", t0}));
  EXPECT_EQ(parse_stored_failure_class("GG1"), (p{"GG1", 0}));
  EXPECT_EQ(parse_stored_failure_class("a@b"), (p{"a@b", 0}));
  EXPECT_EQ(parse_stored_failure_class("a@"), (p{"a@", 0}));
  EXPECT_EQ(parse_stored_failure_class("x@1@5"), (p{"x@1", 5000}));
  EXPECT_EQ(parse_stored_failure_class("a@99999999999999999999"),
            (p{"a@99999999999999999999", 0})); // too long: a value
  EXPECT_EQ(ge_class_formed("ge-86400000"), t0);
  EXPECT_EQ(ge_class_formed("ge-"), 0);
  EXPECT_EQ(ge_class_formed("ge-12x"), 0);
  EXPECT_EQ(ge_class_formed("GG1"), 0);
}

TEST(ClassExpiry, HistoriesStoreTheEndOfAClass) {
  api_histories h;
  h.set_classes("A0", ge_of(t0), stored_failure_class("GG1", t0));
  h.take_dirty();
  h.clear_classes("A0", true, false);
  auto dirty = h.take_dirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].disconnect_class, "");
  EXPECT_EQ(dirty[0].failure_class, "GG1@86400000");
  h.clear_classes("A0", false, true);
  EXPECT_EQ(h.take_dirty().at(0).failure_class, "");
  h.clear_classes("unknown", true, true); // no history: nothing to store
  h.clear_classes("A0", false, false);
  EXPECT_TRUE(h.take_dirty().empty());
}

} // namespace
} // namespace tether
