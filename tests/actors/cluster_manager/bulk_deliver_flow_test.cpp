// The cluster manager's bulk deliver (actors/cluster_manager/bulk_deliver.hpp)
// under the deterministic fixture, with fake balancers: a bulk's jobs reach
// each cluster's balancer in one message, and the answer says per job, in
// order, whether a balancer handed it to a session ('1') or it waits for the
// terminal to connect ('0': not connected, or not known), as the single
// deliver's true and false.
#include "actors/cluster_manager/bulk_deliver.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

class BulkDeliverFlow : public ActorFlow {
protected:
  BulkDeliverFlow() {
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    manager = spawn_manager(default_topology(), store_h, &blogs);
    sched.run();
  }

  /// Maps `id` to the cluster of its region (GG1: C1, GG2: C2).
  void assign(const std::string& id, const std::string& region) {
    auto label = assigned_label{{{"region", region}, {"model", "GJ1"}}};
    auto dest = ask<destination>(manager, assign_atom::value,
                                 device_facts(id, region, "GJ1"), label);
    sched.run();
    ASSERT_TRUE(dest->value) << sys.render(dest->error);
  }

  static job_record job(const std::string& id, const std::string& terminal) {
    auto j = job_request(terminal);
    j.job_id = id;
    return j;
  }

  std::shared_ptr<outcome<std::string>> deliver(std::vector<job_record> jobs) {
    auto out = ask<std::string>(manager, deliver_atom::value, std::move(jobs));
    sched.run();
    return out;
  }

  static std::vector<std::string> ids(const std::vector<job_record>& jobs) {
    std::vector<std::string> out;
    for (const auto& j : jobs)
      out.push_back(j.job_id);
    return out;
  }

  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  std::map<std::string, std::shared_ptr<balancer_log>> blogs;
  store_actor store_h;
  cluster_manager_actor manager;
};

TEST_F(BulkDeliverFlow, AnswersPerJobInOrderWithOneMessagePerBalancer) {
  assign("T1", "GG1"); // C1: its balancer holds T1's connection
  assign("T2", "GG2"); // C2: its balancer does not (not connected)
  blogs["C2"]->deliver_answer = false;
  auto out = deliver({job("J1", "T1"), job("J2", "T3"), job("J3", "T2"),
                      job("J4", "T1"), job("J5", "T2")});
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, "10010");
  EXPECT_EQ(blogs["C1"]->bulk_delivers, 1u);
  EXPECT_EQ(ids(blogs["C1"]->delivered),
            (std::vector<std::string>{"J1", "J4"}));
  EXPECT_EQ(blogs["C2"]->bulk_delivers, 1u);
  EXPECT_EQ(ids(blogs["C2"]->delivered),
            (std::vector<std::string>{"J3", "J5"}));
  // The unknown terminal's job went to no balancer.
}

TEST_F(BulkDeliverFlow, ASecondBalancerThatHoldsTheTerminalCounts) {
  assign("T1", "GG1");
  blogs["C1"]->deliver_answer = false;
  auto second = std::make_shared<balancer_log>();
  auto b = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, second));
  caf::anon_send(
    manager, join_atom::value,
    balancer_info{"C1-b2", "C1", "ws://127.0.0.1:9102/v1/connect", b});
  sched.run();
  auto out = deliver({job("J1", "T1"), job("J2", "T1")});
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, "11") << "handed if any balancer handed it";
  EXPECT_EQ(second->bulk_delivers, 1u);
  EXPECT_EQ(blogs["C1"]->bulk_delivers, 1u);
}

TEST_F(BulkDeliverFlow, OnlyUnknownTerminalsAnswerAtOnceAndAskNoBalancer) {
  auto out = deliver({job("J1", "T8"), job("J2", "T9")});
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, "00");
  EXPECT_EQ(blogs["C1"]->bulk_delivers + blogs["C2"]->bulk_delivers, 0u);
  auto none = deliver({});
  ASSERT_TRUE(none->value) << sys.render(none->error);
  EXPECT_EQ(*none->value, "");
}

TEST_F(BulkDeliverFlow, ABalancerThatDoesNotAnswerIsWaitedForUntilTheTimeout) {
  assign("T1", "GG1");
  assign("T2", "GG2");
  // A second balancer of C2 that never answers: its request times out, the
  // other balancers' answers still count.
  auto mute = own(sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](deliver_atom, const std::vector<job_record>&) {
      return caf::delegated<std::string>{}; // never answered
    }};
  }));
  caf::anon_send(manager, join_atom::value,
                 balancer_info{"C2-b2", "C2", "ws://127.0.0.1:9202/v1/connect",
                               caf::actor_cast<cluster_balancer_actor>(mute)});
  sched.run();
  blogs["C2"]->deliver_answer = false;
  auto out = deliver({job("J1", "T2"), job("J2", "T1")});
  EXPECT_FALSE(out->done) << "waits for the mute balancer";
  advance(std::chrono::seconds{6}); // past the manager's request timeout
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, "01");
  EXPECT_EQ(blogs["C2"]->bulk_delivers, 1u);
}

TEST(BulkDelivery, MergeMarksHandedJobsAtTheirPositions) {
  bulk_delivery::cluster_group g;
  g.positions = {1, 3};
  std::string out = "0000";
  bulk_delivery::merge(out, g,
                       {std::nullopt, std::string{"01"}, std::string{"1"}});
  EXPECT_EQ(out, "0101");
  bulk_delivery::merge(out, g, {std::string{"0"}}); // nothing is unmarked
  EXPECT_EQ(out, "0101");
}

} // namespace
} // namespace tether::actor_test
