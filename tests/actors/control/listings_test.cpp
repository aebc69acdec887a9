// listings without an actor: terminals by id prefix (id order, bounded),
// recent jobs (newest first, by terminal and status, bounded).
#include "actors/control/listings.hpp"

#include <gtest/gtest.h>

#include "actors/control/control.hpp"
#include "actors/policy/placement.hpp"
#include "tests/actors/control/test_jobs.hpp"

namespace tether {
namespace {

using test::add;
using test::push_request;

control_state with_terminals(std::vector<std::string> ids) {
  control_state st;
  std::vector<terminal_record> recs;
  for (auto& id : ids) {
    terminal_record r;
    r.terminal_id = id;
    r.cluster_id = "C1";
    recs.push_back(r);
  }
  st.terminals.load(std::move(recs));
  return st;
}

std::vector<std::string> ids_of(const std::vector<terminal_status>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts)
    out.push_back(t.record.terminal_id);
  return out;
}

TEST(Listings, TerminalsByPrefixInIdOrder) {
  auto st = with_terminals({"P-3", "P-1", "Q-1", "P-2", "P"});
  EXPECT_EQ(ids_of(terminals_by_prefix(st, "P-", 10, 0)),
            (std::vector<std::string>{"P-1", "P-2", "P-3"}));
  EXPECT_EQ(ids_of(terminals_by_prefix(st, "", 2, 0)),
            (std::vector<std::string>{"P", "P-1"}));
  EXPECT_TRUE(terminals_by_prefix(st, "X", 10, 0).empty());
  auto one = terminals_by_prefix(st, "Q", 10, 0);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].record.cluster_id, "C1");
  EXPECT_FALSE(one[0].connected);
}

// Found by a new user: GET /v1/terminals showed "label":{} for every
// terminal while GET /v1/terminals/{id} showed its label.
TEST(Listings, TerminalsCarryTheirLabelOfTheItemsInUse) {
  control_state st;
  terminal_record r;
  r.terminal_id = "P-1";
  r.cluster_id = "C1";
  r.model = "GJ1";
  r.region = "GG1";
  st.terminals.load({r});
  std::vector<std::string> items{"region", "model"};
  auto listed = terminals_by_prefix(st, "P-", 10, 0, &items);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].label.items, (std::map<std::string, std::string>{
                                     {"model", "GJ1"}, {"region", "GG1"}}));
  // The same label as the terminal's own view.
  auto one = st.placed_label(
    listed[0].record, select_label(st.label_facts(listed[0].record, 0), items));
  EXPECT_EQ(listed[0].label.items, one.items);
  EXPECT_TRUE(terminals_by_prefix(st, "P-", 10, 0)[0].label.items.empty())
    << "without items (the selector did not answer): no label";
}

TEST(Listings, RecentJobsNewestFirstFiltered) {
  job_book book;
  auto a = add(book, push_request("T1"), 1000);
  auto b = add(book, push_request("T2"), 2000);
  auto c = add(book, push_request("T1"), 3000);
  book.apply(job_update{a.job_id, "T1", "done", ""}, 3500);
  EXPECT_EQ(test::ids(recent_jobs(book, "", "", 10)),
            (std::vector<std::string>{c.job_id, b.job_id, a.job_id}));
  EXPECT_EQ(test::ids(recent_jobs(book, "T1", "", 10)),
            (std::vector<std::string>{c.job_id, a.job_id}));
  EXPECT_EQ(test::ids(recent_jobs(book, "", "done", 10)),
            (std::vector<std::string>{a.job_id}));
  EXPECT_EQ(test::ids(recent_jobs(book, "", "", 1)),
            (std::vector<std::string>{c.job_id}));
  EXPECT_TRUE(recent_jobs(book, "T9", "", 10).empty());
}

} // namespace
} // namespace tether
