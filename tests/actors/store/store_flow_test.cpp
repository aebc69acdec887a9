// store_service on a real RocksDB store under the deterministic fixture:
// group commit, answers after the write.
#include "actors/store/store_actor.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/storage/record_checks.hpp"

namespace tether::actor_test {
namespace {

class StoreFlow : public ActorFlow {
protected:
  StoreFlow() {
    storage::status st;
    db = std::shared_ptr<storage::store>(
      storage::store::open(dir.path() + "/db", st));
    EXPECT_TRUE(st.ok()) << st.message;
    store_h = own(sys.spawn(store_service, db, std::chrono::milliseconds{0}));
    sched.run();
  }

  ~StoreFlow() override {
    // The store closes before its directory goes.
    stop_owned();
    store_h = nullptr;
    db.reset();
  }

  storage::temp_dir dir;
  std::shared_ptr<storage::store> db;
  store_actor store_h;
};

TEST_F(StoreFlow, RequestsAreAnsweredAfterOneGroupWrite) {
  ASSERT_NE(db, nullptr);
  terminal_record t;
  t.terminal_id = "T1";
  t.cluster_id = "C1";
  job_record j;
  j.job_id = storage::store::job_id_for(1);
  j.terminal_id = "T1";
  j.status = "queued";
  api_history h;
  h.terminal_id = "T1";
  h.calls = 3;
  // Three requests in the mailbox before the store runs: one batch.
  auto a = ask<ok_atom>(store_h, put_atom::value, t);
  auto b = ask<ok_atom>(store_h, put_atom::value, std::vector<job_record>{j},
                        uint64_t{2});
  auto c = ask<ok_atom>(store_h, put_atom::value, std::vector<api_history>{h});
  sched.run();
  ASSERT_TRUE(a->value) << sys.render(a->error);
  ASSERT_TRUE(b->value) << sys.render(b->error);
  ASSERT_TRUE(c->value) << sys.render(c->error);
  // Answered means written.
  storage::status st;
  auto t1 = db->get_terminal("T1", st);
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->cluster_id, "C1");
  auto j1 = db->get_job(j.job_id, st);
  ASSERT_TRUE(j1);
  EXPECT_EQ(j1->status, "queued");
  EXPECT_EQ(db->next_job_seq(st), 2u);
  auto hs = db->load_histories(st);
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].calls, 3u);
  // Reads go to the database.
  auto got
    = ask<job_record>(store_h, get_atom::value, job_atom::value, j.job_id);
  auto missing = ask<job_record>(store_h, get_atom::value, job_atom::value,
                                 storage::store::job_id_for(9));
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(got->value->terminal_id, "T1");
  EXPECT_EQ(view(missing->error).code, errc::not_found);
}

TEST_F(StoreFlow, LaterUpdatesInOneBatchWin) {
  ASSERT_NE(db, nullptr);
  job_record j;
  j.job_id = storage::store::job_id_for(1);
  j.terminal_id = "T1";
  j.status = "queued";
  auto a = ask<ok_atom>(store_h, put_atom::value, std::vector<job_record>{j},
                        uint64_t{2});
  j.status = "acked";
  auto b = ask<ok_atom>(store_h, put_atom::value, std::vector<job_record>{j},
                        uint64_t{0});
  sched.run();
  ASSERT_TRUE(a->value && b->value);
  storage::status st;
  auto stored = db->get_job(j.job_id, st);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, "acked");
  EXPECT_EQ(db->next_job_seq(st), 2u) << "a zero sequence does not lower it";
}

} // namespace
} // namespace tether::actor_test
