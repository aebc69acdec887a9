// revocations and the revocation parts of terminal_table without running
// the control: the list a balancer polls (only when it changed), and how
// revoking, lifting and registering treat a terminal's token generation.
#include "actors/control/revocations.hpp"

#include <gtest/gtest.h>

#include "actors/control/terminal_table.hpp"
#include "actors/system/errors.hpp"

namespace tether {
namespace {

terminal_record rec(std::string id, uint64_t generation = 0) {
  terminal_record r;
  r.terminal_id = std::move(id);
  r.token_generation = generation;
  return r;
}

TEST(revocations, a_balancer_gets_the_list_only_when_it_changed) {
  revocations r;
  r.load(std::vector<terminal_record>{rec("A", 2), rec("B")}, 1000);
  auto first = r.since(0);
  EXPECT_EQ(first.version, 1'000'000u); // from the clock: never 0
  ASSERT_EQ(first.terminal_ids, std::vector<std::string>{"A"});
  EXPECT_EQ(first.generations, std::vector<uint64_t>{2});
  auto same = r.since(first.version);
  EXPECT_EQ(same.version, first.version);
  EXPECT_TRUE(same.terminal_ids.empty());
  r.set("B", 1);
  auto next = r.since(first.version);
  EXPECT_GT(next.version, first.version);
  EXPECT_EQ(next.terminal_ids, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(next.generations, (std::vector<uint64_t>{2, 1}));
  r.set("B", 1); // nothing new: same version
  EXPECT_EQ(r.version(), next.version);
  r.set("A", 1); // never down
  EXPECT_EQ(r.version(), next.version);
  EXPECT_EQ(r.size(), 2u);
}

TEST(revocations, revoke_raises_the_generation_and_lift_keeps_it) {
  terminal_table t;
  t.load({rec("T")});
  EXPECT_FALSE(t.may_register("T", 0));
  auto revoked = t.with_revoked("T", true);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->token_generation, 1u);
  EXPECT_TRUE(revoked->revoked);
  t.apply_change(*revoked);
  auto refused = t.may_register("T", 0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(view(refused).code, errc::forbidden);
  auto lifted = t.with_revoked("T", false);
  ASSERT_TRUE(lifted);
  EXPECT_EQ(lifted->token_generation, 1u);
  EXPECT_FALSE(lifted->revoked);
  t.apply_change(*lifted);
  EXPECT_FALSE(t.may_register("T", 0));
  EXPECT_FALSE(t.with_revoked("nobody", true));
}

TEST(revocations, registration_keeps_the_generation) {
  terminal_table t;
  t.load({rec("T", 3)});
  auto facts = rec("T"); // what the device sends: no generation
  auto keys = t.prepare_registration(facts, 5);
  EXPECT_EQ(facts.token_generation, 3u);
  // A revocation stored while the registration ran stays.
  t.apply_change(*t.with_revoked("T", true));
  auto merged = t.complete_registration(facts, keys, "C1");
  ASSERT_TRUE(merged); // stored again with the newer generation
  EXPECT_EQ(merged->token_generation, 4u);
  EXPECT_TRUE(merged->revoked);
  // A change read before the revocation does not lower it.
  auto old = rec("T", 3);
  EXPECT_EQ(t.apply_change(old).token_generation, 4u);
}

TEST(revocations, max_terminals_refuses_only_new_terminals) {
  terminal_table t;
  t.load({rec("A"), rec("B")});
  EXPECT_FALSE(t.may_register("A", 2)); // registered: always again
  auto refused = t.may_register("C", 2);
  ASSERT_TRUE(refused);
  EXPECT_EQ(view(refused).code, errc::forbidden);
  EXPECT_NE(view(refused).message.find("max_terminals"), std::string::npos);
  EXPECT_FALSE(t.may_register("C", 3));
  EXPECT_FALSE(t.may_register("C", 0)); // 0: no limit
}

} // namespace
} // namespace tether
