// Registering again (issue 12 item 3): a device that re-registers with
// unchanged facts is placed again and answered, and costs no synced write.
// The real control, selector, cluster manager and store (RocksDB in a
// temporary directory) under the deterministic fixture; the store's writes
// are counted by its tether_store_writes_total.
#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/control/control.hpp"
#include "actors/selector/selector.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/actors/support/real_store.hpp"

namespace tether::actor_test {
namespace {

class ReRegisterFlow : public OnRealStore {
protected:
  ReRegisterFlow() {
    auto topo = default_topology();
    auto selector_h = own(sys.spawn(selector, topo.label_items));
    control_settings cs;
    cs.request_timeout = topo.timers.request_timeout;
    control_h = own(sys.spawn(
      control, cs, control_snapshot{}, selector_h, spawn_manager(topo, store_h),
      store_h, http_poster_ptr{std::make_shared<fake_poster>()}));
    sched.run();
  }

  /// Registers `facts`; returns the cluster it was given ("" on error).
  std::string register_once(const terminal_record& facts) {
    auto reg = ask<destination>(control_h, register_atom::value, facts);
    sched.run();
    EXPECT_TRUE(reg->value) << sys.render(reg->error);
    return reg->value ? reg->value->cluster_id : std::string{};
  }

  control_actor control_h;
};

TEST_F(ReRegisterFlow, UnchangedFactsCostNoWrite) {
  ASSERT_NE(db, nullptr);
  auto facts = device_facts("T1", "GG1", "GJ1");
  facts.attributes = {{"plan", "paid"}};
  EXPECT_EQ(register_once(facts), "C1");
  auto after_first = store_writes();
  EXPECT_GE(after_first, 1) << "a new terminal is stored";
  // The same facts again, twice: placed and answered, nothing written.
  EXPECT_EQ(register_once(facts), "C1");
  EXPECT_EQ(register_once(facts), "C1");
  EXPECT_EQ(store_writes(), after_first);
  // A changed fact is stored (and stays in its matching cluster).
  facts.model = "GJ2";
  EXPECT_EQ(register_once(facts), "C1");
  EXPECT_EQ(store_writes(), after_first + 1);
  storage::status st;
  auto stored = db->get_terminal("T1", st);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->model, "GJ2");
  EXPECT_EQ(stored->attributes.at("plan"), "paid");
}

} // namespace
} // namespace tether::actor_test
