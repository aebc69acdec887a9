// store_service on a real RocksDB store under the deterministic fixture:
// group commit, answers after the write.
#include "actors/store/store_actor.hpp"
#include "actors/system/log.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/actors/support/real_store.hpp"
#include "tests/storage/record_checks.hpp"

namespace tether::actor_test {
namespace {

class StoreFlow : public OnRealStore {};

/// Job `seq` of terminal T1 in `status`.
job_record job_of_t1(uint32_t seq, const char* status = "queued") {
  job_record j;
  j.job_id = storage::store::job_id_for(seq);
  j.terminal_id = "T1";
  j.status = status;
  return j;
}

TEST_F(StoreFlow, RequestsAreAnsweredAfterOneGroupWrite) {
  ASSERT_NE(db, nullptr);
  terminal_record t;
  t.terminal_id = "T1";
  t.cluster_id = "C1";
  auto j = job_of_t1(1);
  api_history h;
  h.terminal_id = "T1";
  h.calls = 3;
  // Three requests in the mailbox before the store runs: one batch.
  auto a = ask<ok_atom>(store_h, put_atom::value, t);
  auto b = ask<ok_atom>(store_h, put_atom::value, std::vector<job_record>{j},
                        uint64_t{2});
  auto c = ask<ok_atom>(store_h, put_atom::value, std::vector<api_history>{h});
  run_lazy();
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
  auto j = job_of_t1(1);
  auto a = ask<ok_atom>(store_h, put_atom::value, std::vector<job_record>{j},
                        uint64_t{2});
  j.status = "acked";
  auto b = ask<ok_atom>(store_h, put_atom::value, states_atom::value,
                        std::vector<job_record>{j});
  run_lazy();
  ASSERT_TRUE(a->value && b->value);
  storage::status st;
  auto stored = db->get_job(j.job_id, st);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, "acked");
  EXPECT_EQ(db->next_job_seq(st), 2u) << "a states write does not lower it";
}

TEST_F(StoreFlow, AnUnchangedTerminalRecordCostsNoWrite) {
  ASSERT_NE(db, nullptr);
  terminal_record v1;
  v1.terminal_id = "T1";
  v1.cluster_id = "C1";
  v1.model = "GJ1";
  auto first = ask<ok_atom>(store_h, put_atom::value, v1);
  run_lazy();
  ASSERT_TRUE(first->value) << sys.render(first->error);
  EXPECT_EQ(store_writes(), 1);
  // The same record again: answered, nothing written.
  auto same = ask<ok_atom>(store_h, put_atom::value, v1);
  run_lazy();
  ASSERT_TRUE(same->value) << sys.render(same->error);
  EXPECT_EQ(store_writes(), 1);
  // A changed one is written.
  auto v2 = v1;
  v2.model = "GJ2";
  auto changed = ask<ok_atom>(store_h, put_atom::value, v2);
  run_lazy();
  ASSERT_TRUE(changed->value);
  EXPECT_EQ(store_writes(), 2);
  storage::status st;
  EXPECT_EQ(db->get_terminal("T1", st)->model, "GJ2");
}

TEST_F(StoreFlow, ARecordEqualToTheStoredOneIsWrittenAfterAPendingChange) {
  ASSERT_NE(db, nullptr);
  terminal_record v1;
  v1.terminal_id = "T1";
  v1.model = "GJ1";
  auto first = ask<ok_atom>(store_h, put_atom::value, v1);
  run_lazy();
  ASSERT_TRUE(first->value);
  // v2 waits in the batch when v1 comes again: v1 is the last word.
  auto v2 = v1;
  v2.model = "GJ2";
  auto a = ask<ok_atom>(store_h, put_atom::value, v2);
  auto b = ask<ok_atom>(store_h, put_atom::value, v1);
  run_lazy();
  ASSERT_TRUE(a->value && b->value);
  storage::status st;
  EXPECT_EQ(db->get_terminal("T1", st)->model, "GJ1");
}

} // namespace
} // namespace tether::actor_test

namespace tether::actor_test {
namespace {

call_record call(const std::string& terminal, int64_t at, uint32_t seq,
                 const std::string& event) {
  call_record r;
  r.terminal_id = terminal;
  r.at_ms = at;
  r.seq = seq;
  r.event = event;
  return r;
}

TEST_F(StoreFlow, AHistoryReadSeesTheRecordsGivenBeforeIt) {
  ASSERT_NE(db, nullptr);
  // Put and read in the mailbox together: the read writes the batch first.
  auto put
    = ask<ok_atom>(store_h, put_atom::value,
                   std::vector<call_record>{call("T1", 10, 0, "connect"),
                                            call("T1", 20, 1, "disconnect"),
                                            call("T2", 15, 2, "connect")});
  auto page
    = ask<call_page>(store_h, get_atom::value, history_atom::value,
                     std::string{"T1"}, int64_t{0}, std::string{}, uint32_t{1});
  run_lazy();
  ASSERT_TRUE(put->value) << sys.render(put->error);
  ASSERT_TRUE(page->value) << sys.render(page->error);
  ASSERT_EQ(page->value->records.size(), 1u);
  EXPECT_EQ(page->value->records[0].event, "disconnect");
  EXPECT_EQ(page->value->next, "20.1");
  auto rest = ask<call_page>(store_h, get_atom::value, history_atom::value,
                             std::string{"T1"}, int64_t{0}, std::string{"20.1"},
                             uint32_t{10});
  auto bad = ask<call_page>(store_h, get_atom::value, history_atom::value,
                            std::string{"T1"}, int64_t{0}, std::string{"x"},
                            uint32_t{10});
  sched.run();
  ASSERT_TRUE(rest->value) << sys.render(rest->error);
  ASSERT_EQ(rest->value->records.size(), 1u);
  EXPECT_EQ(rest->value->records[0].event, "connect");
  EXPECT_TRUE(rest->value->next.empty());
  EXPECT_EQ(view(bad->error).code, errc::bad_request);
}

TEST_F(StoreFlow, TheHistoryTickSweepsABoundedNumberOfRecords) {
  ASSERT_NE(db, nullptr);
  history_limits limits;
  limits.max_per_terminal = 1;
  limits.sweep_per_tick = 20; // 2 a step
  auto swept
    = own(sys.spawn(store_service, db, std::chrono::milliseconds{0}, limits));
  auto put
    = ask<ok_atom>(swept, put_atom::value,
                   std::vector<call_record>{call("T1", now_ms(), 0, "a"),
                                            call("T1", now_ms(), 1, "b"),
                                            call("T1", now_ms(), 2, "c"),
                                            call("T1", now_ms(), 3, "d")});
  run_lazy();
  ASSERT_TRUE(put->value);
  auto count = [&] {
    storage::status st;
    return db->load_calls("T1", 0, {}, 100, st).records.size();
  };
  caf::anon_send(swept, history_atom::value, tick_atom::value);
  sched.run();
  // Read forward 2 + max_per_terminal keys (a, b, c): a and b have a newer
  // one read after them and go; c waits for the next step.
  EXPECT_EQ(count(), 2u);
  caf::anon_send(swept, history_atom::value, tick_atom::value);
  sched.run();
  EXPECT_EQ(count(), 1u); // c, older than d
}

TEST(SweepSteps, ATicksKeysAreWalkedInTenSmallerSteps) {
  history_limits h; // 10,000 keys a second
  EXPECT_EQ(sweep_step_keys(h), 1'000u);
  EXPECT_EQ(sweep_step_period(h), std::chrono::milliseconds{100});
  h.sweep_per_tick = 3;
  h.sweep_period = std::chrono::milliseconds{5};
  EXPECT_EQ(sweep_step_keys(h), 1u);
  EXPECT_EQ(sweep_step_period(h), std::chrono::milliseconds{1});
}

TEST_F(StoreFlow, NothingDueMeansNoWalk) {
  ASSERT_NE(db, nullptr);
  history_limits limits;
  limits.max_per_terminal = 3;
  auto swept
    = own(sys.spawn(store_service, db, std::chrono::milliseconds{0}, limits));
  auto put
    = ask<ok_atom>(swept, put_atom::value,
                   std::vector<call_record>{call("T1", now_ms(), 0, "a"),
                                            call("T1", now_ms(), 1, "b")});
  run_lazy();
  ASSERT_TRUE(put->value);
  caf::anon_send(swept, history_atom::value, tick_atom::value);
  sched.run();
  EXPECT_EQ(db->keys_swept(), 2u); // the pass at start
  for (int i = 0; i < 3; ++i) {
    caf::anon_send(swept, history_atom::value, tick_atom::value);
    sched.run();
  }
  EXPECT_EQ(db->keys_swept(), 2u); // nothing due: not one key read
  // Records written since the pass began reach max_per_terminal: due.
  put = ask<ok_atom>(swept, put_atom::value,
                     std::vector<call_record>{call("T1", now_ms(), 2, "c"),
                                              call("T1", now_ms(), 3, "d"),
                                              call("T1", now_ms(), 4, "e")});
  run_lazy();
  ASSERT_TRUE(put->value);
  caf::anon_send(swept, history_atom::value, tick_atom::value);
  sched.run();
  EXPECT_EQ(db->keys_swept(), 7u);
  storage::status st;
  EXPECT_EQ(db->load_calls("T1", 0, {}, 100, st).records.size(), 3u);
}

TEST_F(StoreFlow, TheSweepGoesAfterTheWritesWaitingForTheirBatch) {
  ASSERT_NE(db, nullptr);
  history_limits limits;
  limits.max_per_terminal = 1;
  auto swept
    = own(sys.spawn(store_service, db, std::chrono::milliseconds{0}, limits));
  // The tick is in the mailbox before the batch's flush: the records are
  // written first, then swept.
  caf::anon_send(swept, put_atom::value,
                 std::vector<call_record>{call("T1", now_ms(), 0, "a"),
                                          call("T1", now_ms(), 1, "b"),
                                          call("T1", now_ms(), 2, "c")});
  caf::anon_send(swept, history_atom::value, tick_atom::value);
  sched.run();
  storage::status st;
  auto left = db->load_calls("T1", 0, {}, 100, st).records;
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].event, "c");
}

// -- the history backlog: a chunk a batch -------------------------------------

/// `n` records of T1 from seq `from`, one a millisecond.
std::vector<call_record> calls_of_t1(uint32_t from, uint32_t n) {
  std::vector<call_record> out;
  for (uint32_t i = from; i < from + n; ++i)
    out.push_back(call("T1", 1000 + i, i, "job_pushed"));
  return out;
}

class StoreBacklog : public StoreFlow {
protected:
  StoreBacklog() {
    history_limits limits;
    limits.calls_per_batch = 10;
    limits.histories_per_batch = 10;
    chunked
      = own(sys.spawn(store_service, db, std::chrono::milliseconds{0}, limits));
    sched.run();
  }

  size_t stored(const std::string& terminal = "T1") {
    storage::status st;
    return db->load_calls(terminal, 0, {}, 1000, st).records.size();
  }

  /// Runs one message at a time until `done` (bounded).
  template <class Done>
  void step_until(Done done) {
    for (int i = 0; i < 1000 && !done(); ++i)
      if (!sched.try_run_once())
        break;
  }

  store_actor chunked;
};

TEST_F(StoreBacklog, AJobWriteDoesNotWaitBehindABigHandOver) {
  ASSERT_NE(db, nullptr);
  auto j = job_of_t1(1);
  // A tick's 35 records, then a job write, in the mailbox together.
  auto put = ask<ok_atom>(chunked, put_atom::value, calls_of_t1(0, 35));
  auto job = ask<ok_atom>(chunked, put_atom::value, std::vector<job_record>{j},
                          uint64_t{2});
  storage::status st;
  step_until([&] { return db->get_job(j.job_id, st).has_value(); });
  ASSERT_TRUE(db->get_job(j.job_id, st));
  // The job's batch carried one chunk of the hand-over, not all of it.
  EXPECT_EQ(stored(), 10u) << "the job waited behind the whole hand-over";
  EXPECT_FALSE(put->done) << "the hand-over is answered once all is written";
  run_lazy();
  ASSERT_TRUE(job->done);
  ASSERT_TRUE(job->value) << sys.render(job->error);
  ASSERT_TRUE(put->done);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  auto page = db->load_calls("T1", 0, {}, 1000, st).records;
  ASSERT_EQ(page.size(), 35u);
  for (size_t i = 0; i < page.size(); ++i) // newest first, none lost
    EXPECT_EQ(page[i].seq, 34 - i);
}

TEST_F(StoreBacklog, TheBacklogIsWrittenWithoutOtherWrites) {
  ASSERT_NE(db, nullptr);
  auto put = ask<ok_atom>(chunked, put_atom::value, calls_of_t1(0, 25));
  run_lazy();
  ASSERT_TRUE(put->done);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(stored(), 25u);
}

TEST_F(StoreBacklog, TheNextHandOverFindsAtMostOneChunkWritten) {
  ASSERT_NE(db, nullptr);
  // Two ticks' hand-overs in the mailbox together: the first batch carries
  // all of the first (at most one hand-over is ever unwritten) and one
  // chunk of the second.
  auto first = ask<ok_atom>(chunked, put_atom::value, calls_of_t1(0, 25));
  auto second = ask<ok_atom>(chunked, put_atom::value, calls_of_t1(25, 25));
  sched.run();
  EXPECT_EQ(stored(), 0u) << "lazy writes went before their wait";
  advance(lazy_write_wait); // the first batch
  EXPECT_EQ(stored(), 35u);
  run_lazy();
  ASSERT_TRUE(first->value) << sys.render(first->error);
  ASSERT_TRUE(second->value) << sys.render(second->error);
  EXPECT_EQ(stored(), 50u);
}

TEST_F(StoreBacklog, AReadSeesTheWholeBacklog) {
  ASSERT_NE(db, nullptr);
  auto put = ask<ok_atom>(chunked, put_atom::value, calls_of_t1(0, 25));
  auto page = ask<call_page>(chunked, get_atom::value, history_atom::value,
                             std::string{"T1"}, int64_t{0}, std::string{},
                             uint32_t{100});
  run_lazy();
  ASSERT_TRUE(page->value) << sys.render(page->error);
  EXPECT_EQ(page->value->records.size(), 25u);
  ASSERT_TRUE(put->value) << sys.render(put->error);
}

TEST_F(StoreBacklog, ARetiredTerminalsBackloggedRecordsDoNotComeBack) {
  ASSERT_NE(db, nullptr);
  auto put = ask<ok_atom>(chunked, put_atom::value, calls_of_t1(0, 25));
  auto retired
    = ask<ok_atom>(chunked, retire_atom::value, std::string{"T1"}, uint64_t{1});
  run_lazy();
  ASSERT_TRUE(retired->value) << sys.render(retired->error);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(stored(), 0u);
}

// -- lazy writes: job states ride with the next write that is waited on ----

class StoreLazy : public StoreFlow {
protected:
  /// A job write an API answer waits on (a push, with the next sequence).
  std::shared_ptr<outcome<ok_atom>> put_job(uint32_t seq, const char* status,
                                            uint64_t next_seq) {
    return ask<ok_atom>(store_h, put_atom::value,
                        std::vector<job_record>{job_of_t1(seq, status)},
                        next_seq);
  }

  /// The control's batch of job states (lazy).
  std::shared_ptr<outcome<ok_atom>> put_state(uint32_t seq,
                                              const char* status) {
    return ask<ok_atom>(store_h, put_atom::value, states_atom::value,
                        std::vector<job_record>{job_of_t1(seq, status)});
  }
};

TEST_F(StoreLazy, JobStatesWaitForTheNextPushAndShareItsSync) {
  ASSERT_NE(db, nullptr);
  auto before = store_writes();
  auto states = put_state(1, "done");
  sched.run();
  EXPECT_FALSE(states->done) << "a lazy write synced on its own at once";
  auto push = put_job(2, "queued", 3);
  sched.run();
  ASSERT_TRUE(push->done);
  ASSERT_TRUE(push->value) << sys.render(push->error);
  ASSERT_TRUE(states->done) << "the states did not ride with the push";
  ASSERT_TRUE(states->value) << sys.render(states->error);
  EXPECT_EQ(store_writes() - before, 1.0) << "one synced batch for both";
  storage::status st;
  EXPECT_EQ(db->get_job(storage::store::job_id_for(1), st)->status, "done");
}

TEST_F(StoreLazy, AWaitedOnJobWriteIsSyncedAtOnceWhateverItsSequence) {
  ASSERT_NE(db, nullptr);
  // A zero sequence once meant "lazy": it no longer does.
  auto write = put_job(1, "cancelled", 0);
  sched.run();
  ASSERT_TRUE(write->done) << "a waited-on write waited for the lazy timer";
  ASSERT_TRUE(write->value) << sys.render(write->error);
}

TEST_F(StoreLazy, JobStatesAloneAreWrittenAfterTheLazyWait) {
  ASSERT_NE(db, nullptr);
  auto states = put_state(1, "acked");
  sched.run();
  EXPECT_FALSE(states->done);
  advance(lazy_write_wait);
  ASSERT_TRUE(states->done) << "not written within lazy_write_wait";
  ASSERT_TRUE(states->value) << sys.render(states->error);
  // A read of a job finds a lazy write that is still waiting.
  put_state(1, "done");
  auto got = ask<job_record>(store_h, get_atom::value, job_atom::value,
                             storage::store::job_id_for(1));
  sched.run();
  ASSERT_TRUE(got->value) << sys.render(got->error);
  EXPECT_EQ(got->value->status, "done");
}

TEST_F(StoreLazy, AGracefulStopWritesTheLazyStatesFirst) {
  ASSERT_NE(db, nullptr);
  auto states = put_state(1, "done");
  sched.run();
  EXPECT_FALSE(states->done);
  // The deployment's stop: an exit message, no time for the lazy wait.
  caf::anon_send_exit(store_h, caf::exit_reason::user_shutdown);
  sched.run();
  storage::status st;
  auto stored = db->get_job(storage::store::job_id_for(1), st);
  ASSERT_TRUE(stored) << "a lazy job state was lost on a graceful stop";
  EXPECT_EQ(stored->status, "done");
}

// -- the API histories: a chunk a batch as well
// --------------------------------

/// The API histories of terminals H<from>..H<from + n - 1>, `calls` each.
std::vector<api_history> histories(uint32_t from, uint32_t n, uint64_t calls) {
  std::vector<api_history> out;
  for (uint32_t i = from; i < from + n; ++i) {
    api_history h;
    h.terminal_id = "H" + std::to_string(i);
    h.calls = calls;
    out.push_back(h);
  }
  return out;
}

TEST_F(StoreBacklog, AJobWriteDoesNotWaitBehindAllTheTicksHistories) {
  ASSERT_NE(db, nullptr);
  auto j = job_of_t1(1);
  // A tick's 35 changed histories, then a job write, in the mailbox.
  auto put = ask<ok_atom>(chunked, put_atom::value, histories(0, 35, 1));
  auto job = ask<ok_atom>(chunked, put_atom::value, std::vector<job_record>{j},
                          uint64_t{2});
  storage::status st;
  step_until([&] { return db->get_job(j.job_id, st).has_value(); });
  ASSERT_TRUE(db->get_job(j.job_id, st));
  EXPECT_EQ(db->load_histories(st).size(), 10u)
    << "the job waited behind every history of the tick";
  EXPECT_FALSE(put->done) << "the hand-over is answered once all is written";
  run_lazy();
  ASSERT_TRUE(job->value) << sys.render(job->error);
  ASSERT_TRUE(put->done);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(db->load_histories(st).size(), 35u);
}

TEST_F(StoreBacklog, ATerminalsLaterHistoryWinsOverItsBackloggedOne) {
  ASSERT_NE(db, nullptr);
  // Two ticks' hand-overs in the mailbox together, H0..H24 in both: the
  // second tick's counts must be the ones stored.
  auto first = ask<ok_atom>(chunked, put_atom::value, histories(0, 25, 1));
  auto second = ask<ok_atom>(chunked, put_atom::value, histories(0, 25, 2));
  run_lazy();
  ASSERT_TRUE(first->value) << sys.render(first->error);
  ASSERT_TRUE(second->value) << sys.render(second->error);
  storage::status st;
  auto stored = db->load_histories(st);
  ASSERT_EQ(stored.size(), 25u);
  for (const auto& h : stored)
    EXPECT_EQ(h.calls, 2u) << h.terminal_id;
}

TEST_F(StoreBacklog, ARetiredTerminalsBackloggedHistoryDoesNotComeBack) {
  ASSERT_NE(db, nullptr);
  auto put = ask<ok_atom>(chunked, put_atom::value, histories(0, 25, 1));
  auto retired = ask<ok_atom>(chunked, retire_atom::value, std::string{"H24"},
                              uint64_t{1});
  run_lazy();
  ASSERT_TRUE(retired->value) << sys.render(retired->error);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  storage::status st;
  auto stored = db->load_histories(st);
  EXPECT_EQ(stored.size(), 24u);
  for (const auto& h : stored)
    EXPECT_NE(h.terminal_id, "H24");
}

} // namespace
} // namespace tether::actor_test
