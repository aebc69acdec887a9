// Computed label items and strategies (actors/policy/placement.hpp),
// table-driven: the sliding counts and frequency groups (GB, GC, GD, GI), the
// disconnect groups (GE, GF), the items a terminal gets end to end through
// select_label, the cluster strategies (least load, weighted, round robin
// per user, per-item rules) and the node strategies.
#include "actors/policy/placement.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

using items_t = std::map<std::string, std::string>;
constexpr int64_t minute = 60'000;
constexpr int64_t hour = 60 * minute;

// -- sliding_count
// ----------------------------------------------------------------

struct sliding_case {
  const char* name;
  uint64_t current, previous;
  int64_t window_start, now, window;
  uint64_t expected;
};

TEST(SlidingCount, Table) {
  const int64_t t0 = 1'000'000;
  const std::vector<sliding_case> cases{
    {"nothing counted yet", 5, 5, 0, t0, hour, 0},
    {"start of the window: all of previous", 3, 10, t0, t0, hour, 13},
    {"half way: half of previous", 3, 10, t0, t0 + hour / 2, hour, 8},
    {"end of the window: none of previous", 3, 10, t0, t0 + hour - 1, hour, 3},
    {"next window, half way: half of current", 10, 99, t0, t0 + hour + hour / 2,
     hour, 5},
    {"two windows later: nothing", 10, 10, t0, t0 + 2 * hour, hour, 0},
    {"clock behind the window: all counted", 4, 6, t0, t0 - 5, hour, 10},
    {"window 0 (invalid): nothing", 4, 6, t0, t0, 0, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(
      sliding_count(c.current, c.previous, c.window_start, c.now, c.window),
      c.expected);
  }
}

// -- frequency_group
// ----------------------------------------------------------------

struct group_case {
  const char* name;
  uint64_t count;
  config::frequency_rule rule;
  const char* expected;
};

TEST(FrequencyGroup, Table) {
  const config::frequency_rule two{0, 10};
  const config::frequency_rule three{5, 10};
  const std::vector<group_case> cases{
    {"zero is low", 0, two, "low"},
    {"below high", 9, two, "low"},
    {"exactly high", 10, two, "high"},
    {"above high", 1'000'000, two, "high"},
    {"medium rule: below medium", 4, three, "low"},
    {"medium rule: exactly medium", 5, three, "medium"},
    {"medium rule: just below high", 9, three, "medium"},
    {"medium rule: exactly high", 10, three, "high"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(frequency_group(c.count, c.rule), c.expected);
  }
}

// -- api_history counters
// ------------------------------------------------------------

TEST(ApiHistory, CountsCallsErrorsPrintsAndJobsPerWindow) {
  api_history h;
  const int64_t t0 = 10 * hour;
  h.count(false, t0, hour);
  h.count(true, t0 + 1, hour);
  h.count_done(true, 3, t0 + 2, hour);
  h.count_done(false, 7, t0 + 3, hour); // not a print job: no pages
  EXPECT_EQ(h.pages, 3u);
  EXPECT_EQ(h.window_calls, 2u);
  EXPECT_EQ(h.window_errors, 1u);
  EXPECT_EQ(h.window_prints, 1u);
  EXPECT_EQ(h.window_jobs, 2u);
  // The next window: the counts move to "previous".
  h.count_done(true, 1, t0 + hour + 5, hour);
  EXPECT_EQ(h.pages, 4u); // a total since registration: never rolled
  EXPECT_EQ(h.previous_calls, 2u);
  EXPECT_EQ(h.previous_prints, 1u);
  EXPECT_EQ(h.previous_jobs, 2u);
  EXPECT_EQ(h.window_calls, 0u);
  EXPECT_EQ(h.window_prints, 1u);
  EXPECT_EQ(h.calls, 2u); // totals stay
  // A gap of more than a window drops both.
  h.count(false, t0 + 5 * hour, hour);
  EXPECT_EQ(h.previous_prints, 0u);
  EXPECT_EQ(h.window_prints, 0u);
  EXPECT_EQ(h.window_calls, 1u);
}

// -- disconnect_tracker (GE, GF)
// -----------------------------------------------------

config::label_rules small_rules() {
  config::label_rules r;
  r.disconnect_group.min_addresses = 3; // at least 3 distinct addresses
  r.disconnect_group.window = std::chrono::milliseconds{10 * minute};
  r.failure_group.group_by = "region";
  r.failure_group.share = 0.30;
  r.failure_group.min_terminals = 4;
  r.failure_group.window = std::chrono::milliseconds{10 * minute};
  return r;
}

std::string region_of(const std::string& id) {
  // Terminals "A*" are in region GG1, "B*" in GG2, others have none.
  if (id[0] == 'A')
    return "GG1";
  if (id[0] == 'B')
    return "GG2";
  return {};
}

struct tracker_case {
  const char* name;
  std::vector<disconnect_event> events;
  int64_t now;
  std::vector<std::string> members;     // terminals expected in a GE class
  std::vector<std::string> not_members; // terminals expected not to be
  std::vector<std::string> failing;     // GF groups expected
  std::vector<std::string> not_failing;
};

TEST(DisconnectTracker, Table) {
  const int64_t t0 = 100 * hour;
  auto ev = [](int64_t at, const char* id, const char* addr) {
    return disconnect_event{at, id, addr};
  };
  // Group sizes: GG1 has 10 terminals, GG2 has 3 (below min_terminals 4).
  const std::unordered_map<std::string, size_t> sizes{{"GG1", 10}, {"GG2", 3}};
  const std::vector<tracker_case> cases{
    {"no events", {}, t0, {}, {"C1"}, {}, {"GG1", "GG2"}},
    {"two distinct addresses are not three",
     {ev(t0, "C1", "10.0.0.1"), ev(t0, "C2", "10.0.0.1"),
      ev(t0, "C3", "10.0.0.2"), ev(t0, "C4", "10.0.0.2")},
     t0,
     {},
     {"C1", "C2", "C3", "C4"},
     {},
     {}},
    {"three distinct addresses: every terminal that dropped joins",
     {ev(t0, "C1", "10.0.0.1"), ev(t0, "C2", "10.0.0.1"),
      ev(t0, "C3", "10.0.0.2"), ev(t0 + 1, "C4", "10.0.0.3")},
     t0 + 5,
     {"C1", "C2", "C3", "C4"},
     {"C5"},
     {},
     {}},
    {"many terminals behind one address are no class",
     {ev(t0, "C1", "10.0.0.1"), ev(t0, "C2", "10.0.0.1"),
      ev(t0, "C3", "10.0.0.1"), ev(t0, "C4", "10.0.0.1"),
      ev(t0, "C5", "10.0.0.1")},
     t0,
     {},
     {"C1", "C5"},
     {},
     {}},
    {"events outside the window do not count",
     {ev(t0, "C1", "10.0.0.1"), ev(t0, "C2", "10.0.0.2"),
      ev(t0 + 11 * minute, "C3", "10.0.0.3")},
     t0 + 11 * minute,
     {},
     {"C1", "C2", "C3"},
     {},
     {}},
    {"an unknown address never counts",
     {ev(t0, "C1", ""), ev(t0, "C2", ""), ev(t0, "C3", ""), ev(t0, "C4", "")},
     t0,
     {},
     {"C1", "C4"},
     {},
     {}},
    {"30 % or more of a region: 4 of 10",
     {ev(t0, "A1", ""), ev(t0, "A2", ""), ev(t0, "A3", ""), ev(t0, "A4", "")},
     t0,
     {},
     {},
     {"GG1"},
     {"GG2"}},
    {"exactly 30 % counts: 3 of 10",
     {ev(t0, "A1", ""), ev(t0, "A2", ""), ev(t0, "A3", "")},
     t0,
     {},
     {},
     {"GG1"},
     {}},
    {"below 30 %: 2 of 10",
     {ev(t0, "A1", ""), ev(t0, "A2", "")},
     t0,
     {},
     {},
     {},
     {"GG1"}},
    {"a group below min_terminals never fails (3 of 3)",
     {ev(t0, "B1", ""), ev(t0, "B2", ""), ev(t0, "B3", "")},
     t0,
     {},
     {},
     {},
     {"GG2"}},
    {"terminals without a group value are ignored",
     {ev(t0, "C1", ""), ev(t0, "C2", ""), ev(t0, "C3", ""), ev(t0, "C4", "")},
     t0,
     {},
     {},
     {},
     {"GG1", ""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    disconnect_tracker tr{small_rules()};
    for (const auto& e : c.events)
      tr.add(e);
    tr.refresh(c.now, region_of, sizes);
    for (const auto& id : c.members)
      EXPECT_EQ(tr.disconnect_class(id), "ge-" + std::to_string(t0 / 1000))
        << id;
    for (const auto& id : c.not_members)
      EXPECT_EQ(tr.disconnect_class(id), "") << id;
    for (const auto& g : c.failing)
      EXPECT_TRUE(tr.failing_group(g)) << g;
    for (const auto& g : c.not_failing)
      EXPECT_FALSE(tr.failing_group(g)) << g;
  }
}

// GE and GF are classes of the past: kept when the events are gone,
// reported once for storing, restored from what was stored.
TEST(DisconnectTracker, ClassesPersistBeyondTheWindow) {
  const int64_t t0 = 100 * hour;
  const std::unordered_map<std::string, size_t> sizes{{"GG1", 10}};
  disconnect_tracker tr{small_rules()};
  for (int i = 0; i < 4; ++i) // 4 addresses, 4 of 10 of GG1
    tr.add({t0 + i, "A" + std::to_string(i), "10.0.0." + std::to_string(i)});
  tr.refresh(t0 + 10, region_of, sizes);
  const std::string ge = "ge-" + std::to_string(t0 / 1000);
  auto stored = tr.take_new();
  ASSERT_EQ(stored.size(), 4u);
  for (const auto& m : stored) {
    EXPECT_EQ(m.disconnect_class, ge) << m.terminal_id;
    EXPECT_EQ(m.failure_class, "GG1") << m.terminal_id;
  }
  tr.refresh(t0 + 20, region_of, sizes);
  EXPECT_TRUE(tr.take_new().empty()); // nothing new: nothing to store
  // An hour later the events are gone; the classes are not.
  EXPECT_GT(tr.prune(t0 + hour), 0);
  tr.refresh(t0 + hour, region_of, sizes);
  EXPECT_TRUE(tr.events().empty());
  EXPECT_EQ(tr.disconnect_class("A2"), ge);
  EXPECT_TRUE(tr.failing_group("GG1"));
  // A later burst is a class of its own; a member moves to the newest.
  tr.add({t0 + hour, "A0", "10.1.0.1"});
  tr.add({t0 + hour, "X1", "10.1.0.2"});
  tr.add({t0 + hour + 1, "X2", "10.1.0.3"});
  tr.refresh(t0 + hour + 2, region_of, sizes);
  const std::string ge2 = "ge-" + std::to_string((t0 + hour) / 1000);
  EXPECT_EQ(tr.disconnect_class("A0"), ge2);
  EXPECT_EQ(tr.disconnect_class("X2"), ge2);
  EXPECT_EQ(tr.disconnect_class("A1"), ge);
  // Restored from the stored memberships (a restart).
  disconnect_tracker again{small_rules()};
  for (const auto& m : stored)
    again.load(m);
  EXPECT_EQ(again.disconnect_class("A3"), ge);
  EXPECT_TRUE(again.failing_group("GG1"));
  EXPECT_FALSE(again.failing_group("GG2"));
}

TEST(DisconnectTracker, BoundedAndPrunedByTime) {
  disconnect_tracker tr{small_rules(), 5};
  const int64_t t0 = 100 * hour;
  for (int i = 0; i < 8; ++i)
    tr.add({t0 + i, "T" + std::to_string(i), "10.0.0.1"});
  ASSERT_EQ(tr.events().size(), 5u); // the bound
  EXPECT_EQ(tr.events().front().terminal_id, "T3");
  // Dropped by the bound: everything before the oldest kept may go.
  EXPECT_EQ(tr.prune(t0 + 8), t0 + 3);
  EXPECT_EQ(tr.prune(t0 + 8), 0); // nothing dropped since
  // An older event is inserted in time order.
  tr.add({t0 + 3, "X", ""});
  EXPECT_EQ(tr.events().front().at_ms, t0 + 3);
  // Past the longest window (10 min) every event goes.
  EXPECT_EQ(tr.prune(t0 + 30 * minute), t0 + 30 * minute - 10 * minute);
  EXPECT_TRUE(tr.events().empty());
}

// -- computed_items and select_label, end to end
// -------------------------------------

const std::vector<std::string> all_items{"service",
                                         "print_frequency",
                                         "api_call_frequency",
                                         "api_error_frequency",
                                         "disconnect_group",
                                         "failure_group",
                                         "region",
                                         "user",
                                         "user_usage_frequency",
                                         "model",
                                         "firmware"};

struct item_case {
  const char* name;
  terminal_record facts;
  api_history history; // window_start_ms 0: no history
  uint64_t user_jobs;
  std::string address;
  items_t expected; // the whole assigned label over all items
};

TEST(ComputedItems, EveryItemTable) {
  const int64_t now = 50 * hour;
  auto rules = small_rules();
  rules.window = std::chrono::milliseconds{hour};
  rules.print_frequency = {0, 5};
  rules.api_call_frequency = {10, 100};
  rules.api_error_frequency = {0, 3};
  rules.user_usage_frequency = {0, 20};
  disconnect_tracker tr{rules};
  // 4 terminals of GG1 (4 of 10: a GF class) and M dropped from 5
  // distinct addresses (at least 3: a GE class).
  for (int i = 0; i < 4; ++i)
    tr.add(
      {now - minute, "A" + std::to_string(i), "10.9.9." + std::to_string(i)});
  tr.add({now - minute, "M", "10.9.9.9"});
  tr.refresh(now, region_of, {{"GG1", 10}, {"GG2", 5}});
  const std::string ge = "ge-" + std::to_string((now - minute) / 1000);
  auto as = [](const char* id, terminal_record t) {
    t.terminal_id = id;
    return t;
  };

  auto rec = [](const char* region, const char* model, const char* fw,
                std::map<std::string, std::string> attrs = {},
                std::vector<std::string> users = {}) {
    terminal_record t;
    t.terminal_id = "T";
    t.region = region;
    t.model = model;
    t.firmware = fw;
    t.attributes = std::move(attrs);
    t.users = std::move(users);
    return t;
  };
  auto hist = [now](uint64_t calls, uint64_t errors, uint64_t prints) {
    api_history h;
    h.terminal_id = "T";
    h.window_start_ms = now - 1; // the current window: previous ~fully counted
    h.window_calls = calls;
    h.window_errors = errors;
    // GB (pages), GC and GD are totals per day since registration (never
    // registered here: one day).
    h.pages = prints;
    h.calls = calls;
    h.errors = errors;
    return h;
  };
  const std::vector<item_case> cases{
    {"a new terminal: facts, low counts, no user, no address",
     rec("GG2", "GJ1", "1.0"),
     {},
     0,
     "",
     {{"region", "GG2"},
      {"model", "GJ1"},
      {"firmware", "1.0"},
      {"print_frequency", "low"},
      {"api_call_frequency", "low"},
      {"api_error_frequency", "low"},
      {"failure_group", "none"}}},
    {"heavy printer, busy API, error-prone, heavy user, in both classes",
     as("M", rec("GG1", "GJ2", "2.0", {{"service", "print"}}, {"u1", "u2"})),
     hist(150, 7, 9),
     25,
     "10.9.9.9",
     {{"service", "print"},
      {"region", "GG1"},
      {"model", "GJ2"},
      {"firmware", "2.0"},
      {"user", "u1"},
      {"print_frequency", "high"},
      {"api_call_frequency", "high"},
      {"api_error_frequency", "high"},
      {"user_usage_frequency", "high"},
      {"disconnect_group", ge},
      {"failure_group", "GG1"}}},
    {"medium API calls, a light user, a quiet address",
     rec("GG2", "GJ1", "1.0", {}, {"u3"}),
     hist(10, 2, 4),
     19,
     "10.1.1.1",
     {{"region", "GG2"},
      {"model", "GJ1"},
      {"firmware", "1.0"},
      {"user", "u3"},
      {"print_frequency", "low"},
      {"api_call_frequency", "medium"},
      {"api_error_frequency", "low"},
      {"user_usage_frequency", "low"},
      {"disconnect_group", "none"},
      {"failure_group", "none"}}},
    {"no region: no failure group value (group_by has no value)",
     rec("", "GJ1", ""),
     {},
     0,
     "",
     {{"model", "GJ1"},
      {"print_frequency", "low"},
      {"api_call_frequency", "low"},
      {"api_error_frequency", "low"}}},
    {"computed items win over same-named attributes set by a service",
     rec("GG2", "", "",
         {{"print_frequency", "high"}, {"disconnect_group", "x"}}),
     {},
     0,
     "10.1.1.1",
     {{"region", "GG2"},
      {"print_frequency", "low"},
      {"api_call_frequency", "low"},
      {"api_error_frequency", "low"},
      {"disconnect_group", "none"},
      {"failure_group", "none"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    label_inputs in;
    if (c.history.window_start_ms != 0)
      in.history = &c.history;
    in.user_jobs = c.user_jobs;
    in.address = c.address;
    auto facts
      = with_computed(c.facts, computed_items(c.facts, in, tr, all_items, now));
    EXPECT_EQ(select_label(facts, all_items).items, c.expected);
  }
}

// GC and GD: totals per day since the terminal's registration (at least
// one day), not a window of the last hour.
TEST(ComputedItems, CallsAndFailuresPerDaySinceRegistration) {
  const int64_t day = 24 * hour;
  EXPECT_EQ(per_day(5, 0, 10 * day), 5u);               // unknown start: 1 day
  EXPECT_EQ(per_day(5, 10 * day - hour, 10 * day), 5u); // an hour: 1 day
  EXPECT_EQ(per_day(300, 0 + 1, 3 * day + 1), 100u);    // 3 days
  EXPECT_EQ(per_day(299, 1, 3 * day + 1), 99u);         // rounded down
  EXPECT_EQ(per_day(0, 1, 30 * day), 0u);
  auto rules = small_rules();
  rules.api_call_frequency = {0, 100};
  rules.api_error_frequency = {0, 10};
  disconnect_tracker tr{rules};
  terminal_record t;
  t.terminal_id = "T";
  t.registered_at_ms = 1;
  api_history h;
  h.terminal_id = "T";
  h.calls = 300; // 100 a day over 3 days: high
  h.errors = 29; // 9.67 a day: low
  label_inputs in;
  in.history = &h;
  auto c = computed_items(
    t, in, tr, {"api_call_frequency", "api_error_frequency"}, 3 * day + 1);
  EXPECT_EQ(c, (items_t{{"api_call_frequency", "high"},
                        {"api_error_frequency", "low"}}));
  // Two days later the same totals are fewer a day.
  c = computed_items(t, in, tr, {"api_call_frequency"}, 5 * day + 1);
  EXPECT_EQ(c, (items_t{{"api_call_frequency", "low"}}));
}

TEST(ComputedItems, PrintFrequencyIsPagesPerDaySinceRegistration) {
  // GB (B2, S710-S720): cumulative printed pages / days of service use.
  const int64_t day = 24 * hour;
  auto rules = small_rules();
  rules.print_frequency = {0, 100};
  disconnect_tracker tr{rules};
  terminal_record t;
  t.terminal_id = "T";
  t.registered_at_ms = 1;
  api_history h;
  h.terminal_id = "T";
  h.pages = 400; // 133 a day over 3 days: high
  label_inputs in;
  in.history = &h;
  EXPECT_EQ(computed_items(t, in, tr, {"print_frequency"}, 3 * day + 1),
            (items_t{{"print_frequency", "high"}}));
  // Five days of use: 80 a day.
  EXPECT_EQ(computed_items(t, in, tr, {"print_frequency"}, 5 * day + 1),
            (items_t{{"print_frequency", "low"}}));
  // Print jobs done in the last window do not count, pages do.
  h.pages = 0;
  h.window_prints = 1000;
  EXPECT_EQ(computed_items(t, in, tr, {"print_frequency"}, 3 * day + 1),
            (items_t{{"print_frequency", "low"}}));
}

TEST(ComputedItems, OnlyItemsInUse) {
  disconnect_tracker tr;
  terminal_record t;
  t.terminal_id = "T";
  auto c = computed_items(t, {}, tr, {"region", "api_call_frequency"}, hour);
  EXPECT_EQ(c, (items_t{{"api_call_frequency", "low"}}));
  EXPECT_TRUE(computed_items(t, {}, tr, {}, hour).empty());
}

// -- cluster strategies
// ---------------------------------------------------------------

/// Load as utilisation, with memory given in thousandths.
cluster_candidate cl(const char* id, uint32_t conns, double cpu, uint64_t mem,
                     uint32_t weight = 1, bool active = true,
                     bool reachable = true) {
  return cluster_candidate{
    id, active, reachable, conns, cpu, static_cast<double>(mem) / 1000, weight};
}

struct strategy_case {
  const char* name;
  std::vector<cluster_candidate> cs;
  cluster_strategy strategy;
  std::optional<size_t> expected;
};

/// A row of the table: what `strategy` should choose of `cs`.
strategy_case sc(const char* name, cluster_strategy strategy,
                 std::optional<size_t> expected,
                 std::vector<cluster_candidate> cs) {
  return {name, std::move(cs), strategy, expected};
}

TEST(ChooseClusterStrategies, Table) {
  using s = cluster_strategy;
  const std::vector<strategy_case> cases{
    sc("least load: lower cpu and memory", s::least_load, 1,
       {cl("A", 0, 0.9, 900), cl("B", 9, 0.1, 100)}),
    sc("least load: they disagree, smaller memory wins", s::least_load, 1,
       {cl("A", 0, 0.1, 900), cl("B", 0, 0.9, 100)}),
    sc("least load: they disagree the other way", s::least_load, 0,
       {cl("A", 0, 0.9, 100), cl("B", 0, 0.1, 900)}),
    sc("least load: equal memory, cpu decides", s::least_load, 1,
       {cl("A", 0, 0.5, 100), cl("B", 0, 0.2, 100)}),
    sc("least load: equal load, fewer connections", s::least_load, 1,
       {cl("A", 5, 0.5, 100), cl("B", 0, 0.5, 100)}),
    sc("least load: full tie goes to the first", s::least_load, 0,
       {cl("A", 5, 0.5, 100), cl("B", 5, 0.5, 100)}),
    sc("least load: draining skipped", s::least_load, 1,
       {cl("A", 0, 0, 0, 1, false), cl("B", 0, 0.9, 900)}),
    sc("weighted: connections per weight", s::weighted, 1,
       {cl("A", 10, 0, 0, 1), cl("B", 30, 0, 0, 4)}),
    sc("weighted: tie goes to the first", s::weighted, 0,
       {cl("A", 10, 0, 0, 1), cl("B", 40, 0, 0, 4)}),
    sc("weighted: weight 0 never chosen", s::weighted, 1,
       {cl("A", 0, 0, 0, 0), cl("B", 1000, 0, 0, 1)}),
    sc("weighted: unreachable skipped", s::weighted, 1,
       {cl("A", 0, 0, 0, 9, true, false), cl("B", 1000, 0, 0, 1)}),
    sc("fewest connections ignores load", s::fewest_connections, 1,
       {cl("A", 1, 0, 0), cl("B", 0, 0.9, 900)}),
    sc("empty candidates", s::least_load, std::nullopt, {}),
    sc("empty candidates, weighted", s::weighted, std::nullopt, {}),
    sc("empty candidates, per user", s::round_robin_per_user, std::nullopt, {}),
    sc("none usable", s::weighted, std::nullopt,
       {cl("A", 0, 0, 0, 1, false), cl("B", 0, 0, 0, 0)}),
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    rr_cursors cursors;
    EXPECT_EQ(choose_cluster(c.cs, c.strategy, cursors, "u1"), c.expected);
  }
}

TEST(ChooseClusterStrategies, RoundRobinPerUser) {
  std::vector<cluster_candidate> cs{cl("A", 0, 0, 0), cl("B", 0, 0, 0),
                                    cl("C", 0, 0, 0)};
  rr_cursors cursors;
  auto pick = [&](const std::string& user) {
    return *choose_cluster(cs, cluster_strategy::round_robin_per_user, cursors,
                           user);
  };
  // Each user's terminals go round its own cursor.
  EXPECT_EQ(pick("u1"), 0u);
  EXPECT_EQ(pick("u1"), 1u);
  EXPECT_EQ(pick("u2"), 0u);
  EXPECT_EQ(pick("u1"), 2u);
  EXPECT_EQ(pick("u2"), 1u);
  EXPECT_EQ(pick("u1"), 0u);
  // No user: the global cursor, independent of the users'.
  EXPECT_EQ(pick(""), 0u);
  EXPECT_EQ(pick(""), 1u);
  EXPECT_EQ(pick("u2"), 2u);
  // A draining cluster is skipped in the user's turn.
  cs[0].active = false;
  EXPECT_EQ(pick("u2"), 1u);
  // Bounded: beyond max_users every cursor starts again.
  rr_cursors small;
  small.max_users = 2;
  small.of("a") = 5;
  small.of("b") = 6;
  EXPECT_EQ(small.of("c"), 0u);
  EXPECT_EQ(small.per_user.count("a"), 0u);
}

TEST(ChooseClusterStrategies, PerItemRules) {
  using s = cluster_strategy;
  const std::map<std::string, s> rules{{"model", s::least_load},
                                       {"user", s::round_robin_per_user}};
  const std::vector<std::string> order{"region", "user", "model"};
  struct rule_case {
    const char* name;
    items_t label;
    s expected;
  };
  const std::vector<rule_case> cases{
    {"no item with a rule: the global one", {{"region", "GG1"}}, s::weighted},
    {"empty label: the global one", {}, s::weighted},
    {"one item with a rule", {{"model", "GJ1"}}, s::least_load},
    {"two: the first in item order wins",
     {{"model", "GJ1"}, {"user", "u1"}},
     s::round_robin_per_user},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(strategy_for(assigned_label{c.label}, order, rules, s::weighted),
              c.expected);
  }
}

TEST(ChooseClusterStrategies, Parse) {
  for (const auto& name : config::cluster_strategy_names())
    EXPECT_TRUE(parse_cluster_strategy(name).has_value()) << name;
  EXPECT_EQ(parse_cluster_strategy("least_load"), cluster_strategy::least_load);
  EXPECT_EQ(parse_cluster_strategy("weighted"), cluster_strategy::weighted);
  EXPECT_EQ(parse_cluster_strategy("round_robin_per_user"),
            cluster_strategy::round_robin_per_user);
  EXPECT_EQ(parse_cluster_strategy("Least_Load"), std::nullopt);
  for (const auto& name : config::node_strategy_names())
    EXPECT_TRUE(parse_node_strategy(name).has_value()) << name;
  EXPECT_EQ(parse_node_strategy("round_robin"), std::nullopt);
}

// -- node strategies
// ---------------------------------------------------------------------

/// A node's report; utilisation as on a host of 1,000 bytes and one CPU.
node_status nd(const char* id, uint32_t sessions, double cpu, uint64_t mem,
               const char* state = "active") {
  node_status n{id, state, sessions, cpu, mem};
  n.cpu_util = cpu;
  n.memory_util = static_cast<double>(mem) / 1000;
  return n;
}

struct node_strategy_case {
  const char* name;
  std::vector<node_status> nodes;
  node_strategy strategy;
  std::vector<uint32_t> weights;
  std::optional<size_t> expected;
};

/// A row of the table: what `strategy` with `weights` should choose of
/// `nodes`.
node_strategy_case nc(const char* name, node_strategy strategy,
                      std::vector<uint32_t> weights,
                      std::optional<size_t> expected,
                      std::vector<node_status> nodes) {
  return {name, std::move(nodes), strategy, std::move(weights), expected};
}

TEST(ChooseNodeStrategies, Table) {
  using s = node_strategy;
  const std::vector<node_strategy_case> cases{
    nc("least load: smaller memory wins over cpu", s::least_load, {}, 1,
       {nd("n1", 0, 0.1, 900), nd("n2", 50, 0.9, 100)}),
    nc("least load: equal load, fewer sessions", s::least_load, {}, 1,
       {nd("n1", 5, 0.2, 100), nd("n2", 4, 0.2, 100)}),
    nc("least load: full tie goes to the first", s::least_load, {}, 0,
       {nd("n1", 4, 0.2, 100), nd("n2", 4, 0.2, 100)}),
    nc("least load: draining never chosen", s::least_load, {}, 1,
       {nd("n1", 0, 0, 0, "draining"), nd("n2", 9, 0.9, 900)}),
    nc("least load: failed never chosen", s::least_load, {}, 1,
       {nd("n1", 0, 0, 0, "failed"), nd("n2", 9, 0.9, 900)}),
    nc("weighted: sessions per weight", s::weighted, {1, 3}, 1,
       {nd("n1", 10, 0, 0), nd("n2", 25, 0, 0)}),
    nc("weighted: missing weights are 1", s::weighted, {}, 1,
       {nd("n1", 10, 0, 0), nd("n2", 9, 0, 0)}),
    nc("weighted: weight 0 takes nothing", s::weighted, {0, 1}, 1,
       {nd("n1", 0, 0, 0), nd("n2", 99, 0, 0)}),
    nc("weighted: draining skipped whatever its weight", s::weighted, {100, 1},
       1, {nd("n1", 0, 0, 0, "draining"), nd("n2", 99, 0, 0)}),
    nc("weighted: all weight 0", s::weighted, {0, 0}, std::nullopt,
       {nd("n1", 0, 0, 0), nd("n2", 0, 0, 0)}),
    nc("empty", s::least_load, {}, std::nullopt, {}),
    nc("all failed or draining", s::weighted, {}, std::nullopt,
       {nd("n1", 0, 0, 0, "failed"), nd("n2", 0, 0, 0, "draining")}),
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(choose_node(c.nodes, c.strategy, c.weights), c.expected);
  }
}

} // namespace
} // namespace tether
