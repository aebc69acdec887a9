// OnRealStore: the fixture of flow tests that run on the real store
// (store_service over RocksDB in a temporary directory) and count its
// writes (tests/actors/store/store_flow_test.cpp,
// tests/actors/control/reregister_flow_test.cpp).
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "actors/store/store_actor.hpp"
#include "actors/system/metric_set.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/storage/record_checks.hpp"

namespace tether::actor_test {

class OnRealStore : public ActorFlow {
protected:
  OnRealStore() {
    storage::status st;
    db = std::shared_ptr<storage::store>(
      storage::store::open(dir.path() + "/db", st));
    EXPECT_TRUE(st.ok()) << st.message;
    store_h = own(sys.spawn(store_service, db, std::chrono::milliseconds{0},
                            history_limits{}));
    sched.run();
  }

  ~OnRealStore() override {
    // The store closes before its directory goes.
    stop_owned();
    store_h = nullptr;
    db.reset();
  }

  /// Batches the store has written so far: the sum of its
  /// tether_store_writes_total series (-1 without an answer).
  double store_writes() {
    auto got = ask<std::vector<metric_series>>(store_h, get_atom::value,
                                               metrics_atom::value);
    sched.run();
    EXPECT_TRUE(got->value) << "the store did not say its writes";
    double n = got->value ? 0 : -1;
    if (got->value)
      for (const auto& m : *got->value)
        if (m.name == "tether_store_writes_total")
          n += m.value;
    return n;
  }

  /// Runs what the mailboxes hold, then lets the store's lazy writes
  /// (job states, history records, API histories: lazy_write_wait) go,
  /// `rounds` times (each writes one chunk of a backlog). 12 ms of test
  /// time at the defaults, under the sweep's 100 ms step.
  void run_lazy(int rounds = 6) {
    sched.run();
    for (int i = 0; i < rounds; ++i)
      advance(lazy_write_wait);
  }

  storage::temp_dir dir;
  std::shared_ptr<storage::store> db;
  store_actor store_h;
};

} // namespace tether::actor_test
