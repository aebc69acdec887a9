// Placement logic (actors/policy/placement.hpp), table-driven: the selector's
// label, label matching, the cluster choice and the node choice.
#include "actors/policy/placement.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

using items_t = std::map<std::string, std::string>;

terminal_record facts(std::string region, std::string model,
                      std::string firmware,
                      std::map<std::string, std::string> attributes = {}) {
  terminal_record t;
  t.terminal_id = "T1";
  t.region = std::move(region);
  t.model = std::move(model);
  t.firmware = std::move(firmware);
  t.attributes = std::move(attributes);
  return t;
}

// -- select_label
// ----------------------------------------------------------------

struct select_case {
  const char* name;
  terminal_record facts;
  std::vector<std::string> items;
  items_t expected;
};

TEST(SelectLabel, Table) {
  const std::vector<select_case> cases{
    {"record fields",
     facts("GG1", "GJ1", "1.4.2"),
     {"region", "model", "firmware"},
     {{"region", "GG1"}, {"model", "GJ1"}, {"firmware", "1.4.2"}}},
    {"only the items in use",
     facts("GG1", "GJ1", "1.4.2"),
     {"model"},
     {{"model", "GJ1"}}},
    {"no items", facts("GG1", "GJ1", "1.4.2"), {}, {}},
    {"missing field left out",
     facts("", "GJ1", ""),
     {"region", "model", "firmware"},
     {{"model", "GJ1"}}},
    {"attributes for other items",
     facts("GG1", "", "",
           {{"service", "print"}, {"user", "u7"}, {"plan", "paid"}}),
     {"region", "service", "user"},
     {{"region", "GG1"}, {"service", "print"}, {"user", "u7"}}},
    {"missing attribute left out",
     facts("GG1", "", "", {{"service", "print"}}),
     {"service", "disconnect_group"},
     {{"service", "print"}}},
    {"empty attribute left out",
     facts("", "", "", {{"service", ""}}),
     {"service"},
     {}},
    {"fields win over same-named attributes",
     facts("GG1", "GJ1", "", {{"region", "GG9"}, {"model", "GJ9"}}),
     {"region", "model"},
     {{"region", "GG1"}, {"model", "GJ1"}}},
    {"field empty, attribute not consulted",
     facts("", "", "", {{"region", "GG9"}}),
     {"region"},
     {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(select_label(c.facts, c.items).items, c.expected);
  }
}

// -- label_matches
// -----------------------------------------------------------------

struct match_case {
  const char* name;
  config::cluster_labels labels;
  items_t label;
  bool matches;
};

TEST(LabelMatches, LenientTable) {
  const config::cluster_labels c1{{"region", {"GG1"}},
                                  {"model", {"GJ1", "GJ2"}}};
  const std::vector<match_case> cases{
    {"all items match", c1, {{"region", "GG1"}, {"model", "GJ2"}}, true},
    {"second value of a list", c1, {{"region", "GG1"}, {"model", "GJ2"}}, true},
    {"value not in list", c1, {{"region", "GG1"}, {"model", "GJ3"}}, false},
    {"single mismatch is enough",
     c1,
     {{"region", "GG2"}, {"model", "GJ1"}},
     false},
    {"unmentioned item does not restrict",
     c1,
     {{"region", "GG1"}, {"service", "print"}},
     true},
    {"only unmentioned items", c1, {{"firmware", "9"}}, true},
    {"empty label matches anything", c1, {}, true},
    {"cluster without labels takes anyone", {}, {{"region", "GG7"}}, true},
    {"item the terminal lacks does not restrict", c1, {{"model", "GJ1"}}, true},
    {"case sensitive", c1, {{"region", "gg1"}}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(
      label_matches(c.labels, assigned_label{c.label}, label_matching::lenient),
      c.matches);
  }
}

// S640: a candidate cluster carries a value for every item of the label.
TEST(LabelMatches, StrictTable) {
  const config::cluster_labels c1{{"region", {"GG1"}},
                                  {"model", {"GJ1", "GJ2"}}};
  const config::cluster_labels c2{{"region", {"GG2"}}, {"model", {"*"}}};
  const std::vector<match_case> cases{
    {"all items match", c1, {{"region", "GG1"}, {"model", "GJ2"}}, true},
    {"value not in list", c1, {{"region", "GG1"}, {"model", "GJ3"}}, false},
    {"unmentioned item refuses",
     c1,
     {{"region", "GG1"}, {"service", "print"}},
     false},
    {"only unmentioned items refuse", c1, {{"firmware", "9"}}, false},
    {"null label matches anything", c1, {}, true},
    {"cluster without labels takes only the null label",
     {},
     {{"region", "GG7"}},
     false},
    {"null label on a cluster without labels", {}, {}, true},
    {"item the terminal lacks does not restrict", c1, {{"model", "GJ1"}}, true},
    {"* accepts every value", c2, {{"region", "GG2"}, {"model", "X9"}}, true},
    {"* does not help another item", c2, {{"region", "GG1"}}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(label_matches(c.labels, assigned_label{c.label}), c.matches);
  }
  EXPECT_EQ(parse_label_matching("strict"), label_matching::strict);
  EXPECT_EQ(parse_label_matching("lenient"), label_matching::lenient);
  EXPECT_FALSE(parse_label_matching("loose"));
}

// -- choose_cluster
// ------------------------------------------------------------------

cluster_candidate cand(const char* id, uint32_t connections, bool active = true,
                       bool reachable = true) {
  return cluster_candidate{id, active, reachable, connections};
}

struct cluster_case {
  const char* name;
  std::vector<cluster_candidate> candidates;
  std::optional<size_t> expected;
};

TEST(ChooseCluster, FewestConnections) {
  const std::vector<cluster_case> cases{
    {"fewest wins", {cand("A", 5), cand("B", 2), cand("C", 3)}, 1},
    {"tie goes to the first", {cand("A", 2), cand("B", 2), cand("C", 2)}, 0},
    {"tie after a larger one", {cand("A", 9), cand("B", 2), cand("C", 2)}, 1},
    {"inactive skipped", {cand("A", 0, false), cand("B", 4)}, 1},
    {"unreachable skipped",
     {cand("A", 0, true, false), cand("B", 4), cand("C", 5)},
     1},
    {"none usable",
     {cand("A", 0, false), cand("B", 0, true, false)},
     std::nullopt},
    {"empty", {}, std::nullopt},
    {"single", {cand("A", 100)}, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    uint64_t cursor = 0;
    EXPECT_EQ(choose_cluster(c.candidates, cluster_strategy::fewest_connections,
                             cursor),
              c.expected);
    EXPECT_EQ(cursor, 0u) << "fewest_connections must not move the cursor";
  }
}

TEST(ChooseCluster, RoundRobinAdvances) {
  std::vector<cluster_candidate> cs{cand("A", 9), cand("B", 0), cand("C", 5)};
  uint64_t cursor = 0;
  std::vector<size_t> picks;
  for (int i = 0; i < 7; ++i) {
    auto p = choose_cluster(cs, cluster_strategy::round_robin, cursor);
    ASSERT_TRUE(p);
    picks.push_back(*p);
  }
  // Connections do not matter; each in turn.
  EXPECT_EQ(picks, (std::vector<size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(ChooseCluster, RoundRobinSkipsUnusable) {
  std::vector<cluster_candidate> cs{cand("A", 0), cand("B", 0, false),
                                    cand("C", 0), cand("D", 0, true, false)};
  uint64_t cursor = 0;
  std::vector<size_t> picks;
  for (int i = 0; i < 5; ++i) {
    auto p = choose_cluster(cs, cluster_strategy::round_robin, cursor);
    ASSERT_TRUE(p);
    picks.push_back(*p);
  }
  EXPECT_EQ(picks, (std::vector<size_t>{0, 2, 0, 2, 0}));
}

TEST(ChooseCluster, RoundRobinCursorBeyondTheListWraps) {
  std::vector<cluster_candidate> cs{cand("A", 0), cand("B", 0)};
  uint64_t cursor = 7; // e.g. the candidate list shrank
  EXPECT_EQ(choose_cluster(cs, cluster_strategy::round_robin, cursor), 1u);
  EXPECT_EQ(choose_cluster(cs, cluster_strategy::round_robin, cursor), 0u);
}

TEST(ChooseCluster, RoundRobinNothingUsable) {
  uint64_t cursor = 1;
  EXPECT_EQ(choose_cluster({}, cluster_strategy::round_robin, cursor),
            std::nullopt);
  EXPECT_EQ(choose_cluster({cand("A", 0, false), cand("B", 0, true, false)},
                           cluster_strategy::round_robin, cursor),
            std::nullopt);
  EXPECT_EQ(cursor, 1u);
}

TEST(ChooseCluster, ParseStrategy) {
  EXPECT_EQ(parse_cluster_strategy("fewest_connections"),
            cluster_strategy::fewest_connections);
  EXPECT_EQ(parse_cluster_strategy("round_robin"),
            cluster_strategy::round_robin);
  EXPECT_EQ(parse_cluster_strategy("random"), std::nullopt);
  EXPECT_EQ(parse_cluster_strategy(""), std::nullopt);
}

// -- choose_node
// ----------------------------------------------------------------------

node_status node(const char* id, uint32_t sessions,
                 const char* state = "active") {
  return node_status{id, state, sessions, 0, 0};
}

struct node_case {
  const char* name;
  std::vector<node_status> nodes;
  std::optional<size_t> expected;
};

TEST(ChooseNode, Table) {
  const std::vector<node_case> cases{
    {"fewest sessions", {node("n1", 3), node("n2", 1), node("n3", 2)}, 1},
    {"tie goes to the first", {node("n1", 1), node("n2", 1)}, 0},
    {"draining skipped", {node("n1", 0, "draining"), node("n2", 8)}, 1},
    {"failed skipped",
     {node("n1", 0, "failed"), node("n2", 8), node("n3", 9)},
     1},
    {"all unusable",
     {node("n1", 0, "failed"), node("n2", 0, "draining")},
     std::nullopt},
    {"empty", {}, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(choose_node(c.nodes), c.expected);
  }
}

} // namespace
} // namespace tether
