// ControlOnTwoTerminals: the fixture of the control's flow tests
// (tests/actors/control/*_flow_test.cpp). A real control that knows two
// registered terminals, T1 and T2 of cluster C1 (plan=paid, user u1), with a
// fake store, selector and cluster manager (what they receive is in `slog`
// and `mlog`) and a fake callback poster.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "actors/control/control.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {

class ControlOnTwoTerminals : public ActorFlow {
protected:
  /// Spawns the control with `settings`, the two terminals, `jobs` and the
  /// next job sequence number (over what else `snap` holds), and dispatches
  /// its start.
  void start(std::vector<job_record> jobs = {}, uint64_t next_seq = 5,
             control_snapshot snap = {}) {
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    auto sel = own(spawn_fake<selector_actor>(
      sys, fake_selector, assigned_label{{{"region", "GG1"}}}));
    manager = own(spawn_fake<cluster_manager_actor>(sys, fake_manager, mlog));
    terminal_record t1;
    t1.terminal_id = "T1";
    t1.cluster_id = "C1";
    t1.registered_at_ms = 1;
    t1.attributes = {{"plan", "paid"}};
    t1.users = {"u1"};
    terminal_record t2 = t1;
    t2.terminal_id = "T2";
    snap.terminals = {t1, t2};
    snap.jobs = std::move(jobs);
    snap.next_job_seq = next_seq;
    control_h = own(sys.spawn(control, settings, std::move(snap), sel, manager,
                              store_h, http_poster_ptr{poster}));
    sched.run();
  }

  /// The answer `err` to a push the store refused: unavailable, "could
  /// not be stored"; nothing was delivered and the control does not know
  /// the job (sequence 5, the first of start()).
  void expect_not_stored(const caf::error& err) {
    auto v = view(err);
    EXPECT_EQ(v.code, errc::unavailable);
    EXPECT_NE(v.message.find("could not be stored"), std::string::npos)
      << v.message;
    EXPECT_TRUE(mlog->delivered.empty());
    auto got = ask<job_record>(control_h, get_atom::value, job_atom::value,
                               storage::store::job_id_for(5));
    sched.run();
    EXPECT_EQ(view(got->error).code, errc::not_found);
  }

  control_settings settings;
  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  std::shared_ptr<manager_log> mlog = std::make_shared<manager_log>();
  std::shared_ptr<fake_poster> poster = std::make_shared<fake_poster>();
  store_actor store_h;
  cluster_manager_actor manager;
  control_actor control_h;
};

} // namespace tether::actor_test
