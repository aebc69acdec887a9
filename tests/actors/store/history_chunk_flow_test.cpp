// The history records' chunk (defaults::history_chunk): what the control
// hands the store at once on the job path, and what the store writes at
// most in one batch, which is also a synced job write's. A job write must
// not wait for the memtable inserts of a big chunk (branch ptail22: 256 a
// chunk set the push's p99 at 2,000 jobs/s).
#include "actors/control/call_log.hpp"
#include "actors/store/store_actor.hpp"
#include "config/defaults.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/actors/support/real_store.hpp"

namespace tether::actor_test {
namespace {

class HistoryChunk : public OnRealStore {};

TEST(HistoryChunkSize, TheControlHandsOverOneStoreChunkAtATime) {
  call_log log; // as the control keeps it
  history_limits limits;
  EXPECT_EQ(log.handover_at, limits.calls_per_batch);
  EXPECT_LE(limits.calls_per_batch, 32u);
  EXPECT_LE(limits.histories_per_batch, 32u);
  for (size_t i = 0; i + 1 < defaults::history_chunk; ++i)
    log.add("T1", call_event::job_pushed, 100, "J" + std::to_string(i));
  EXPECT_FALSE(log.full());
  log.add("T1", call_event::job_acked, 101, "J0");
  EXPECT_TRUE(log.full()) << "32 records pending: one chunk to hand over";
}

TEST_F(HistoryChunk, AJobWriteBehindATicksRecordsWaitsForOneSmallChunk) {
  ASSERT_NE(db, nullptr);
  // The store as tetherd spawns it: the default limits.
  auto store = own(sys.spawn(store_service, db, std::chrono::milliseconds{0},
                             history_limits{}));
  sched.run();
  // A tick's 256 records of one terminal, then a job write, in the mailbox
  // together.
  std::vector<call_record> records;
  for (uint32_t i = 0; i < 256; ++i)
    records.push_back(call_record{"T1", 1000 + i, i, call_event::job_pushed,
                                  "J" + std::to_string(i), {}, {}, {}});
  auto put = ask<ok_atom>(store, put_atom::value, std::move(records));
  job_record j;
  j.job_id = storage::store::job_id_for(1);
  j.terminal_id = "T1";
  j.status = "queued";
  auto job = ask<ok_atom>(store, put_atom::value, std::vector<job_record>{j},
                          uint64_t{2});
  storage::status st;
  for (int i = 0; i < 100 && !db->get_job(j.job_id, st); ++i)
    if (!sched.try_run_once())
      break;
  ASSERT_TRUE(db->get_job(j.job_id, st));
  // The job's batch carried at most one small chunk of them.
  EXPECT_LE(db->load_calls("T1", 0, {}, 1000, st).records.size(),
            defaults::history_chunk);
  run_lazy();
  ASSERT_TRUE(job->value) << sys.render(job->error);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(db->load_calls("T1", 0, {}, 1000, st).records.size(), 256u);
}

} // namespace
} // namespace tether::actor_test
