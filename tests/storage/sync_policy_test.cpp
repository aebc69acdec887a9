// Which store writes wait for the disk (storage/store.hpp, put_batch): the
// ones an answer waits for (terminal records, jobs, the job sequence); a
// batch of history records, connection histories and disconnect events
// alone reaches the OS unsynced, and reads back like any other write.
#include "storage/store.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

class SyncPolicy : public ::testing::Test {
protected:
  void SetUp() override { open(); }
  void open() {
    db.reset();
    status st;
    db = store::open(dir.path() + "/db", st);
    ASSERT_TRUE(st.ok()) << st.message;
    db->set_sync(true);
  }
  static call_record call(const std::string& terminal) {
    call_record r;
    r.terminal_id = terminal;
    r.at_ms = 1'764'900'000'000;
    r.seq = 1;
    r.event = "connect";
    return r;
  }
  static api_history history(const std::string& terminal) {
    api_history h;
    h.terminal_id = terminal;
    h.connects = 3;
    return h;
  }
  static job_record job(const std::string& id) {
    job_record j;
    j.job_id = id;
    j.terminal_id = "T1";
    j.status = "queued";
    return j;
  }
  temp_dir dir;
  std::unique_ptr<store> db;
};

TEST_F(SyncPolicy, HistoryRecordsAloneDoNotWaitForTheDisk) {
  ASSERT_TRUE(db->put_batch({}, {}, {history("T1")}, 0,
                            {{1'000, "T1", "10.0.0.1"}}, 0, {call("T1")})
                .ok());
  EXPECT_EQ(db->synced_writes(), 0u);
  open(); // written all the same: read back after reopening
  status st;
  auto histories = db->load_histories(st);
  ASSERT_EQ(histories.size(), 1u);
  EXPECT_EQ(histories[0].connects, 3u);
  EXPECT_EQ(db->load_events(st).size(), 1u);
  EXPECT_EQ(db->load_calls("T1", 0, "", 10, st).records.size(), 1u);
  EXPECT_TRUE(st.ok()) << st.message;
}

TEST_F(SyncPolicy, WritesAnAnswerWaitsForAreSynced) {
  terminal_record t;
  t.terminal_id = "T1";
  ASSERT_TRUE(db->put_batch({t}, {}, {}, 0).ok());
  EXPECT_EQ(db->synced_writes(), 1u);
  ASSERT_TRUE(db->put_batch({}, {job("J1")}, {history("T1")}, 0).ok());
  EXPECT_EQ(db->synced_writes(), 2u); // a job with history records: synced
  ASSERT_TRUE(db->put_batch({}, {}, {}, 7).ok());
  EXPECT_EQ(db->synced_writes(), 3u); // the job sequence alone
}

TEST_F(SyncPolicy, NothingIsSyncedWithSyncOff) {
  db->set_sync(false);
  ASSERT_TRUE(db->put_batch({}, {job("J1")}, {}, 1).ok());
  EXPECT_EQ(db->synced_writes(), 0u);
}

} // namespace
} // namespace tether::storage
