// The cluster manager's part of services and quality classes, under the
// deterministic fixture: a destination says its cluster's keepalive (its
// quality class, else [timers]'); GET /v1/admin/clusters shows the class;
// an admission carries the services the terminal declared, also after a
// restart (from the stored records).
#include "actors/cluster_manager/cluster_manager.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

class QualityFlow : public ActorFlow {
protected:
  QualityFlow() {
    topo = default_topology();
    for (auto& c : topo.clusters)
      if (c.id == "C2") {
        c.keepalive_s = 5;
        c.keepalive_misses = 4;
        c.max_sessions_per_node = 3;
      }
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    manager = spawn_manager(topo, store_h, nullptr);
    sched.run();
  }

  std::shared_ptr<outcome<destination>> assign(terminal_record facts,
                                               const std::string& region) {
    auto label = assigned_label{{{"region", region}, {"model", facts.model}}};
    auto out = ask<destination>(manager, assign_atom::value, facts, label);
    sched.run();
    return out;
  }

  config::topology topo;
  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  store_actor store_h;
  cluster_manager_actor manager;
};

TEST_F(QualityFlow, DestinationsAndStatusCarryTheClustersClass) {
  auto c2 = assign(device_facts("T1", "GG2", "GJ7"), "GG2");
  ASSERT_TRUE(c2->value) << sys.render(c2->error);
  EXPECT_EQ(c2->value->cluster_id, "C2");
  EXPECT_EQ(c2->value->keepalive_s, 5u);
  auto c1 = assign(device_facts("T2", "GG1", "GJ1"), "GG1");
  ASSERT_TRUE(c1->value) << sys.render(c1->error);
  EXPECT_EQ(c1->value->cluster_id, "C1");
  EXPECT_EQ(c1->value->keepalive_s, 30u); // [timers] keepalive
  auto status = ask<std::vector<cluster_status>>(manager, status_atom::value);
  sched.run();
  ASSERT_TRUE(status->value) << sys.render(status->error);
  for (const auto& c : *status->value) {
    bool two = c.cluster_id == "C2";
    EXPECT_EQ(c.keepalive_s, two ? 5u : 30u);
    EXPECT_EQ(c.keepalive_misses, two ? 4u : topo.timers.keepalive_misses);
    EXPECT_EQ(c.max_sessions_per_node, two ? 3u : 0u);
  }
}

TEST_F(QualityFlow, AdmissionCarriesDeclaredServicesAlsoAfterARestart) {
  auto facts = device_facts("T1", "GG2", "GJ7");
  facts.services = {"print", "scan"};
  ASSERT_TRUE(assign(facts, "GG2")->value);
  ASSERT_TRUE(assign(device_facts("T2", "GG2", "GJ7"), "GG2")->value);
  auto admit = [&](const cluster_manager_actor& m, const std::string& t) {
    auto a = ask<admission>(m, admit_atom::value, t, false);
    sched.run();
    EXPECT_TRUE(a->value) << sys.render(a->error);
    return a->value ? a->value->services : std::vector<std::string>{"?"};
  };
  EXPECT_EQ(admit(manager, "T1"), (std::vector<std::string>{"print", "scan"}));
  EXPECT_TRUE(admit(manager, "T2").empty()); // none declared: the default
  // A manager started from the stored records knows them too.
  ASSERT_EQ(slog->terminals.size(), 2u);
  auto again = own(sys.spawn(cluster_manager, topo, slog->terminals, store_h,
                             storage::admin_settings{}));
  sched.run();
  EXPECT_EQ(admit(again, "T1"), (std::vector<std::string>{"print", "scan"}));
}

} // namespace
} // namespace tether::actor_test
