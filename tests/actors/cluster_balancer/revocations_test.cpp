// The balancer's side of revocation without an actor system: the list it
// polls goes into the token verifier it shares with its listener, and the
// terminals whose generation went up are the ones to close; a list it
// already has changes nothing. Also the connection ids of hello.
#include <gtest/gtest.h>

#include "actors/cluster_balancer/cluster_balancer.hpp"

namespace tether {
namespace {

TEST(balancer_revocations, a_new_list_reaches_the_verifier) {
  cluster_balancer_state st;
  EXPECT_TRUE(st.take_revocations({5, {"T1"}, {1}}).empty()); // no verifier
  st.cfg.tokens = std::make_shared<auth::token_verifier>();
  auto raised = st.take_revocations({5, {"T1", "T2"}, {1, 2}});
  EXPECT_EQ(raised, (std::vector<std::string>{"T1", "T2"}));
  EXPECT_EQ(st.revocations_known, 5u);
  EXPECT_EQ(st.cfg.tokens->min_generation("T2"), 2u);
  // The same version again (an unchanged answer): nothing.
  EXPECT_TRUE(st.take_revocations({5, {}, {}}).empty());
  // A new version where only T2 went up: only T2 is closed.
  raised = st.take_revocations({6, {"T1", "T2"}, {1, 3}});
  EXPECT_EQ(raised, std::vector<std::string>{"T2"});
  EXPECT_EQ(st.cfg.tokens->min_generation("T1"), 1u);
}

TEST(balancer_revocations, every_balancer_of_a_process_closes_its_own) {
  // The balancers of one process share one verifier: the second to read
  // the list must still close its connection of the revoked terminal.
  auto shared = std::make_shared<auth::token_verifier>();
  cluster_balancer_state first;
  cluster_balancer_state second;
  first.cfg.tokens = shared;
  second.cfg.tokens = shared;
  EXPECT_EQ(first.take_revocations({5, {"T1"}, {1}}),
            std::vector<std::string>{"T1"});
  EXPECT_EQ(second.take_revocations({5, {"T1"}, {1}}),
            std::vector<std::string>{"T1"});
  EXPECT_TRUE(second.take_revocations({6, {"T1"}, {1}}).empty());
}

TEST(balancer_revocations, connection_ids_differ_per_connection) {
  cluster_balancer_state st;
  st.conn_prefix = "C1-b1-abc-";
  EXPECT_EQ(st.connection_id(7), "C1-b1-abc-7");
  EXPECT_NE(st.connection_id(7), st.connection_id(8));
}

} // namespace
} // namespace tether
