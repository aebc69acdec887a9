// The RocksDB store (storage/store.hpp): records survive close and reopen,
// job ids sort in creation order, the JSON encoding round-trips, and a
// database of another schema version is refused.
#include "storage/store.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

/// Reads or writes meta/<key> with RocksDB directly, behind the store's back
/// (the store must be closed). Returns the RocksDB status text, "" on success.
std::string raw_meta(const std::string& path, const std::string& key,
                     std::string* read, const std::string* write) {
  rocksdb::DBOptions opts;
  // Every family the database has must be opened; "default" (meta) is first.
  std::vector<std::string> names;
  auto s = rocksdb::DB::ListColumnFamilies(opts, path, &names);
  if (!s.ok())
    return s.ToString();
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names)
    families.emplace_back(name, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(opts, path, families, &handles, &raw);
  if (!s.ok())
    return s.ToString();
  if (names.empty() || names[0] != rocksdb::kDefaultColumnFamilyName) {
    for (auto* h : handles)
      raw->DestroyColumnFamilyHandle(h);
    delete raw;
    return "unexpected column family order";
  }
  if (read != nullptr)
    s = raw->Get(rocksdb::ReadOptions{}, handles[0], key, read);
  else
    s = raw->Put(rocksdb::WriteOptions{}, handles[0], key, *write);
  // Debian's RocksDB asserts: handles go before the DB.
  for (auto* h : handles)
    raw->DestroyColumnFamilyHandle(h);
  delete raw;
  return s.ok() ? std::string{} : s.ToString();
}

class StoreTest : public ::testing::Test {
protected:
  std::unique_ptr<store> open() {
    status st;
    auto db = store::open(dir.path() + "/db", st);
    EXPECT_TRUE(st.ok()) << st.message;
    EXPECT_NE(db, nullptr);
    return db;
  }

  /// Puts `terminals` (synced) in a store that is then closed, and loads
  /// them from the store opened again.
  std::vector<terminal_record>
  terminals_after_reopen(const std::vector<terminal_record>& terminals) {
    {
      auto db = open();
      if (db == nullptr)
        return {};
      db->set_sync(true);
      for (const auto& t : terminals)
        EXPECT_TRUE(db->put_terminal(t).ok());
    }
    auto db = open();
    if (db == nullptr)
      return {};
    status st;
    return db->load_terminals(st);
  }

  temp_dir dir;
};

terminal_record make_terminal(const std::string& id,
                              const std::string& cluster) {
  auto t = sample_terminal();
  t.terminal_id = id;
  t.cluster_id = cluster;
  return t;
}

job_record make_job(uint64_t seq, const std::string& terminal,
                    const std::string& status = "queued") {
  job_record j;
  j.job_id = store::job_id_for(seq);
  j.terminal_id = terminal;
  j.service = "print";
  j.payload_json = R"({"doc":"a \"quoted\" text","copies":2})";
  j.status = status;
  j.detail = status == "failed" ? "paper jam" : "";
  j.callback_url = "http://127.0.0.1:9/cb";
  j.ttl_s = 3600;
  j.created_at_ms = 1'763'900'000'000 + static_cast<int64_t>(seq);
  j.updated_at_ms = j.created_at_ms + 5;
  if (status != "queued") {
    j.delivered_at_ms = j.created_at_ms + 1;
    j.deliveries = 2;
  }
  if (is_final_status(status)) {
    j.acked_at_ms = j.created_at_ms + 2;
    j.finished_at_ms = j.created_at_ms + 3;
    j.callback_pending = true;
  }
  return j;
}

api_history make_history(const std::string& terminal, uint64_t calls) {
  api_history h;
  h.terminal_id = terminal;
  h.calls = calls;
  h.errors = calls / 2;
  h.window_start_ms = 1'763'900'000'000;
  h.window_calls = 3;
  h.window_errors = 1;
  h.previous_calls = 7;
  h.previous_errors = 2;
  return h;
}

// -- open
// -----------------------------------------------------------------------

TEST_F(StoreTest, FreshDatabase) {
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  EXPECT_EQ(db->next_job_seq(st), 1u);
  EXPECT_TRUE(db->load_terminals(st).empty());
  EXPECT_TRUE(db->load_jobs(st).empty());
  EXPECT_TRUE(db->load_histories(st).empty());
  EXPECT_FALSE(db->get_terminal("T1", st));
  EXPECT_FALSE(db->get_job(store::job_id_for(1), st));
  EXPECT_TRUE(st.ok()) << st.message;
}

TEST_F(StoreTest, OpenFailsWhereNoDatabaseCanBe) {
  // A regular file where the directory should be.
  auto file = dir.path() + "/file";
  { std::ofstream{file} << "x"; }
  status st;
  auto db = store::open(file + "/db", st);
  EXPECT_EQ(db, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("cannot open database in " + file + "/db"),
            std::string::npos)
    << st.message;
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryFails) {
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  auto again = store::open(dir.path() + "/db", st);
  EXPECT_EQ(again, nullptr);
  EXPECT_FALSE(st.ok());
  // The message names the likely cause.
  EXPECT_NE(st.message.find("another tetherd is probably running"),
            std::string::npos)
    << st.message;
}

// -- terminals ----------------------------------------------------------------

TEST_F(StoreTest, PutGetLoadTerminals) {
  auto db = open();
  ASSERT_NE(db, nullptr);
  auto t1 = make_terminal("T1", "C1");
  auto t2 = make_terminal("T2", "C2");
  t2.attributes.clear();
  EXPECT_TRUE(db->put_terminal(t1).ok());
  EXPECT_TRUE(db->put_terminal(t2).ok());
  status st;
  auto got = db->get_terminal("T1", st);
  ASSERT_TRUE(got);
  expect_same(*got, t1);
  // A put replaces the record (reassignment).
  t1.cluster_id = "C2";
  EXPECT_TRUE(db->put_terminal(t1).ok());
  got = db->get_terminal("T1", st);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->cluster_id, "C2");
  auto all = db->load_terminals(st);
  EXPECT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(all.size(), 2u);
  expect_same(all[0], t1);
  expect_same(all[1], t2);
  EXPECT_FALSE(db->get_terminal("T3", st));
  EXPECT_TRUE(st.ok()) << st.message;
}

TEST_F(StoreTest, TerminalsSurviveReopen) {
  auto t1 = make_terminal("T1", "C1");
  auto all = terminals_after_reopen({t1});
  ASSERT_EQ(all.size(), 1u);
  expect_same(all[0], t1);
}

TEST_F(StoreTest, DeclaredServicesSurviveReopen) {
  auto t1 = make_terminal("T1", "C1");
  t1.services = {"print", "scan"};
  auto t2 = make_terminal("T2", "C1");
  t2.services.clear(); // declared none
  auto all = terminals_after_reopen({t1, t2});
  ASSERT_EQ(all.size(), 2u);
  expect_same(all[0], t1);
  expect_same(all[1], t2);
  EXPECT_TRUE(all[1].services.empty());
}

// -- admin changes
// ---------------------------------------------------------------

TEST_F(StoreTest, AdminChangesSurviveReopen) {
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    status st;
    auto fresh = db->load_admin(st);
    EXPECT_TRUE(st.ok()) << st.message;
    EXPECT_FALSE(fresh.has_label_items);
    EXPECT_TRUE(fresh.clusters.empty());
    EXPECT_TRUE(fresh.node_states.empty());
    ASSERT_TRUE(db->put_label_items({"model", "firmware"}).ok());
    cluster_settings c{"C2", {{"region", {"GG2", "GG3"}}}, "draining", 0};
    ASSERT_TRUE(db->put_cluster_settings(c).ok());
    c.weight = 7; // a later change replaces the earlier one
    ASSERT_TRUE(db->put_cluster_settings(c).ok());
    ASSERT_TRUE(db->put_node_state("C1-n2", "draining").ok());
    // Admin keys live beside the job sequence without disturbing it.
    ASSERT_TRUE(db->put_jobs({}, 42).ok());
  }
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  auto a = db->load_admin(st);
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_TRUE(a.has_label_items);
  EXPECT_EQ(a.label_items, (std::vector<std::string>{"model", "firmware"}));
  ASSERT_EQ(a.clusters.size(), 1u);
  EXPECT_EQ(a.clusters[0].cluster_id, "C2");
  EXPECT_EQ(a.clusters[0].state, "draining");
  EXPECT_EQ(a.clusters[0].weight, 7u);
  EXPECT_EQ(a.clusters[0].labels.at("region"),
            (std::vector<std::string>{"GG2", "GG3"}));
  EXPECT_EQ(a.node_states,
            (std::map<std::string, std::string>{{"C1-n2", "draining"}}));
  EXPECT_EQ(db->next_job_seq(st), 42u);
}

TEST(Encoding, ClusterSettingsRoundTripAndRejects) {
  cluster_settings c{"C1", {{"model", {"GJ1"}}}, "active", 1'000'000};
  cluster_settings back;
  ASSERT_TRUE(decode(encode(c), back));
  EXPECT_EQ(back.cluster_id, "C1");
  EXPECT_EQ(back.labels, c.labels);
  EXPECT_EQ(back.state, "active");
  EXPECT_EQ(back.weight, 1'000'000u);
  EXPECT_FALSE(decode("[]", back));
  EXPECT_FALSE(decode(R"({"cluster_id":"C1","state":"sleeping"})", back));
  EXPECT_FALSE(decode(R"({"state":"active"})", back));
}

// -- jobs
// -------------------------------------------------------------------------

TEST_F(StoreTest, JobsAndSequenceSurviveReopen) {
  std::vector<job_record> jobs{make_job(1, "T1"), make_job(2, "T1", "done"),
                               make_job(3, "T2", "failed")};
  jobs[2].callback_pending = false;
  jobs[2].callback_outcome = "given_up";
  jobs[2].callback_attempts = 8;
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->put_jobs(jobs, 4).ok());
    status st;
    EXPECT_EQ(db->next_job_seq(st), 4u);
  }
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    status st;
    EXPECT_EQ(db->next_job_seq(st), 4u);
    auto loaded = db->load_jobs(st);
    EXPECT_TRUE(st.ok()) << st.message;
    ASSERT_EQ(loaded.size(), 3u);
    for (size_t i = 0; i < jobs.size(); ++i)
      expect_same(loaded[i], jobs[i]);
    // An update without a sequence leaves the sequence alone.
    jobs[0].status = "acked";
    ASSERT_TRUE(db->put_jobs({jobs[0]}, 0).ok());
    EXPECT_EQ(db->next_job_seq(st), 4u);
  }
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  auto one = db->get_job(jobs[0].job_id, st);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, "acked");
  EXPECT_EQ(db->load_jobs(st).size(), 3u);
  EXPECT_EQ(db->next_job_seq(st), 4u);
}

TEST_F(StoreTest, LoadJobsKeepsOpenAndPendingAndOnlyTheNewestOtherFinalOnes) {
  auto db = open();
  ASSERT_NE(db, nullptr);
  // 1..20: done without pending callback, except 3 (pending); 5 and 18 are
  // still open.
  std::vector<job_record> jobs;
  for (uint64_t s = 1; s <= 20; ++s) {
    auto j = make_job(s, "T1", s == 5 || s == 18 ? "queued" : "done");
    j.callback_pending = s == 3;
    jobs.push_back(j);
  }
  ASSERT_TRUE(db->put_jobs(jobs, 21).ok());
  status st;
  auto loaded = db->load_jobs(st, 4);
  EXPECT_TRUE(st.ok()) << st.message;
  std::vector<std::string> ids;
  for (auto& j : loaded)
    ids.push_back(j.job_id);
  std::vector<std::string> expected;
  for (uint64_t s : {3, 5, 16, 17, 18, 19, 20})
    expected.push_back(store::job_id_for(s));
  EXPECT_EQ(ids, expected);
  // None kept: only what is needed.
  EXPECT_EQ(db->load_jobs(st, 0).size(), 3u);
  // Without a bound, everything.
  EXPECT_EQ(db->load_jobs(st).size(), 20u);
  // The others are still on disk.
  EXPECT_TRUE(db->get_job(store::job_id_for(1), st));
}

TEST_F(StoreTest, LoadJobsInCreationOrder) {
  auto db = open();
  ASSERT_NE(db, nullptr);
  // Written out of order, across a hex digit boundary (0xf -> 0x10) and
  // beyond 32 bits.
  std::vector<uint64_t> seqs{0x100000000ULL, 16, 2, 15, 255, 256, 1};
  std::vector<job_record> jobs;
  for (auto s : seqs)
    jobs.push_back(make_job(s, "T1"));
  ASSERT_TRUE(db->put_jobs(jobs, 0x100000001ULL).ok());
  status st;
  auto loaded = db->load_jobs(st);
  ASSERT_EQ(loaded.size(), seqs.size());
  std::sort(seqs.begin(), seqs.end());
  for (size_t i = 0; i < seqs.size(); ++i)
    EXPECT_EQ(loaded[i].job_id, store::job_id_for(seqs[i]));
  EXPECT_EQ(db->next_job_seq(st), 0x100000001ULL);
}

TEST_F(StoreTest, PurgeDeletesOnlyOldFinishedJobsWithoutPendingCallback) {
  auto old_done = make_job(1, "T1", "done");
  old_done.callback_pending = false;
  auto old_pending = make_job(2, "T1", "failed"); // callback still pending
  auto open_job = make_job(3, "T1");              // queued, never final
  auto recent = make_job(4, "T2", "expired");
  recent.callback_pending = false;
  recent.finished_at_ms = old_done.finished_at_ms + 10'000;
  auto unfinished = make_job(5, "T2", "acked");
  auto cutoff = old_done.finished_at_ms + 1;
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
      db->put_jobs({old_done, old_pending, open_job, recent, unfinished}, 6)
        .ok());
    status st;
    EXPECT_EQ(db->purge_jobs(cutoff, st), 1u);
    EXPECT_TRUE(st.ok()) << st.message;
    EXPECT_FALSE(db->get_job(old_done.job_id, st));
    for (const auto& j : {old_pending, open_job, recent, unfinished})
      EXPECT_TRUE(db->get_job(j.job_id, st)) << j.job_id;
    EXPECT_EQ(db->purge_jobs(cutoff, st), 0u); // nothing more to delete
    // Later, the recent one goes too.
    EXPECT_EQ(db->purge_jobs(recent.finished_at_ms + 1, st), 1u);
  }
  // The deletions survive a reopen; the rest is intact.
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  auto left = db->load_jobs(st);
  ASSERT_EQ(left.size(), 3u);
  expect_same(left[0], old_pending);
  expect_same(left[1], open_job);
  expect_same(left[2], unfinished);
}

TEST_F(StoreTest, PutBatchWritesEveryKindTogether) {
  std::vector<terminal_record> terminals{make_terminal("T1", "C1"),
                                         make_terminal("T2", "C2")};
  std::vector<job_record> jobs{make_job(1, "T1"), make_job(2, "T2", "done")};
  std::vector<api_history> histories{make_history("T2", 9),
                                     make_history("T1", 4)};
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->put_batch(terminals, jobs, histories, 3).ok());
    // Nothing but a sequence: only the sequence moves.
    ASSERT_TRUE(db->put_batch({}, {}, {}, 5).ok());
    // Updates replace; a zero sequence leaves it alone.
    histories[1].calls = 40;
    jobs[0].status = "acked";
    ASSERT_TRUE(db->put_batch({}, {jobs[0]}, {histories[1]}, 0).ok());
  }
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  EXPECT_EQ(db->next_job_seq(st), 5u);
  auto t = db->load_terminals(st);
  ASSERT_EQ(t.size(), 2u);
  expect_same(t[0], terminals[0]);
  expect_same(t[1], terminals[1]);
  auto j = db->load_jobs(st);
  ASSERT_EQ(j.size(), 2u);
  expect_same(j[0], jobs[0]);
  expect_same(j[1], jobs[1]);
  auto h = db->load_histories(st);
  EXPECT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(h.size(), 2u); // in key (terminal id) order
  expect_same(h[0], histories[1]);
  EXPECT_EQ(h[0].calls, 40u);
  expect_same(h[1], histories[0]);
}

TEST_F(StoreTest, PutJobsIsABatchOfJobs) {
  auto db = open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->put_jobs({make_job(1, "T1")}, 2).ok());
  status st;
  EXPECT_EQ(db->load_jobs(st).size(), 1u);
  EXPECT_TRUE(db->load_terminals(st).empty());
  EXPECT_TRUE(db->load_histories(st).empty());
  EXPECT_EQ(db->next_job_seq(st), 2u);
}

/// The window figures of `h`: its start, then calls and errors in the
/// current and the previous window.
void expect_windows(const api_history& h, int64_t start, uint64_t calls,
                    uint64_t errors, uint64_t previous_calls,
                    uint64_t previous_errors) {
  EXPECT_EQ(h.window_start_ms, start);
  EXPECT_EQ(h.window_calls, calls);
  EXPECT_EQ(h.window_errors, errors);
  EXPECT_EQ(h.previous_calls, previous_calls);
  EXPECT_EQ(h.previous_errors, previous_errors);
}

TEST(ApiHistory, CountsInWindows) {
  const int64_t window = 1000;
  api_history h;
  h.count(false, 5000, window);
  EXPECT_EQ(h.window_start_ms, 5000);
  h.count(true, 5999, window);
  EXPECT_EQ(h.calls, 2u);
  EXPECT_EQ(h.errors, 1u);
  expect_windows(h, 5000, 2, 1, 0, 0);
  // The next window: the last one becomes the previous one.
  h.count(false, 6000, window);
  expect_windows(h, 6000, 1, 0, 2, 1);
  // A silent window in between: the previous window had no calls. The
  // window start stays on the grid.
  h.count(true, 8500, window);
  expect_windows(h, 8000, 1, 1, 0, 0);
  // Totals never reset.
  EXPECT_EQ(h.calls, 4u);
  EXPECT_EQ(h.errors, 2u);
}

TEST(JobId, Format) {
  EXPECT_EQ(store::job_id_for(0), "J0000000000000000");
  EXPECT_EQ(store::job_id_for(1), "J0000000000000001");
  EXPECT_EQ(store::job_id_for(0xabcdef), "J0000000000abcdef");
  EXPECT_EQ(store::job_id_for(UINT64_MAX), "Jffffffffffffffff");
  EXPECT_EQ(store::job_id_for(42).size(), 17u);
}

TEST(JobId, ByteOrderIsNumericOrder) {
  std::vector<uint64_t> seqs{
    0,    1,    9,     10,         15,         16,         255,       256,
    4095, 4096, 65535, 1ULL << 32, 1ULL << 40, 1ULL << 63, UINT64_MAX};
  for (size_t i = 0; i < seqs.size(); ++i)
    for (size_t j = 0; j < seqs.size(); ++j)
      EXPECT_EQ(seqs[i] < seqs[j],
                store::job_id_for(seqs[i]) < store::job_id_for(seqs[j]))
        << seqs[i] << " vs " << seqs[j];
}

// -- encoding
// -----------------------------------------------------------------------

// The samples set every field (record_checks.hpp checks it), so their
// round trips check every field's encoding.
TEST(Encoding, SamplesSetEveryFieldAndRoundTrip) {
  auto round_trip = [](const auto& sample) {
    expect_every_field_set(sample);
    std::decay_t<decltype(sample)> back;
    ASSERT_TRUE(decode(encode(sample), back));
    expect_same(back, sample);
  };
  round_trip(sample_terminal());
  round_trip(sample_job());
  round_trip(sample_history());
}

TEST(Encoding, TerminalRoundTrip) {
  auto t = make_terminal("T:1.a_b-c", "C1");
  t.attributes["unicode"] = "caf\xc3\xa9";
  t.attributes["empty"] = "";
  terminal_record back;
  ASSERT_TRUE(decode(encode(t), back));
  expect_same(back, t);
  // A minimal record.
  terminal_record min;
  min.terminal_id = "T2";
  ASSERT_TRUE(decode(encode(min), back));
  expect_same(back, min); // also clears the earlier attributes
}

// A terminal record exactly as main (before services) wrote it still loads,
// with no services (the default list applies); a record without services
// is written in main's format, so main reads it back too.
TEST(Encoding, TerminalRecordsOfMainStillLoad) {
  const std::string mains
    = R"({"terminal_id":"T1","cluster_id":"C1","model":"GJ1",)"
      R"("firmware":"1.4.2","region":"GG1","attributes":{"plan":"paid"},)"
      R"("users":["u1"],"registered_at_ms":1763897008123,)"
      R"("token_generation":2,"revoked":false})";
  terminal_record t;
  ASSERT_TRUE(decode(mains, t));
  EXPECT_EQ(t.terminal_id, "T1");
  EXPECT_EQ(t.attributes.at("plan"), "paid");
  EXPECT_EQ(t.token_generation, 2u);
  EXPECT_TRUE(t.services.empty());
  EXPECT_EQ(encode(t), mains);
  t.services = {"print", "scan"};
  auto text = encode(t);
  EXPECT_NE(text.find(R"("services":["print","scan"])"), std::string::npos);
  terminal_record back;
  ASSERT_TRUE(decode(text, back));
  expect_same(back, t);
  // A mistyped list is ignored, not fatal (as other fields).
  ASSERT_TRUE(decode(R"({"terminal_id":"T1","services":"print"})", back));
  EXPECT_TRUE(back.services.empty());
}

TEST(Encoding, JobRoundTrip) {
  auto j = make_job(7, "T1", "failed");
  j.detail = "line1\nline2 \"quoted\"";
  job_record back;
  ASSERT_TRUE(decode(encode(j), back));
  expect_same(back, j);
  job_record min;
  min.job_id = "J1";
  ASSERT_TRUE(decode(encode(min), back));
  expect_same(back, min);
}

// The payload is stored as the client wrote it and read back byte for byte
// (it is delivered without being parsed again: frames::job). A payload an
// older build stored as `Infinity` (not JSON) reads {} as it always did.
TEST(Encoding, JobPayloadsReadBackAsWrittenAndUnreadableOnesAsEmpty) {
  auto j = make_job(8, "T1");
  j.payload_json = R"({"x":1e400, "y":0.1,"n":123456789012345678901234567890})";
  job_record back;
  ASSERT_TRUE(decode(encode(j), back));
  EXPECT_EQ(back.payload_json, j.payload_json);
  j.payload_json = R"({"x":Infinity,"y":2})";
  ASSERT_TRUE(decode(encode(j), back));
  EXPECT_EQ(back.payload_json, "{}");
  j.payload_json = R"({"x":NaN})";
  ASSERT_TRUE(decode(encode(j), back));
  EXPECT_EQ(back.payload_json, "{}");
  j.payload_json = R"({"Name":"INFO"})"; // those letters in valid JSON
  ASSERT_TRUE(decode(encode(j), back));
  EXPECT_EQ(back.payload_json, j.payload_json);
}

TEST(Encoding, JobsStoredAsCancelledReadCanceled) {
  // Stores of releases before 2026-12-06 spell the status `cancelled`.
  job_record old;
  ASSERT_TRUE(decode(R"({"job_id":"J1","status":"cancelled"})", old));
  EXPECT_EQ(old.status, "canceled");
  EXPECT_TRUE(is_final_status(old.status));
  job_record other;
  ASSERT_TRUE(decode(R"({"job_id":"J2","status":"done"})", other));
  EXPECT_EQ(other.status, "done");
}

TEST(Encoding, HistoryRoundTrip) {
  auto h = make_history("T1", 12345678901234ULL);
  api_history back;
  ASSERT_TRUE(decode(encode(h), back));
  expect_same(back, h);
  EXPECT_FALSE(decode("{}", back));
  EXPECT_FALSE(decode("[]", back));
  EXPECT_FALSE(decode(R"({"calls":1})", back));
}

TEST(Encoding, DecodeRejects) {
  terminal_record t;
  job_record j;
  for (const char* bad :
       {"", "not json", "[1,2]", "\"text\"", "{", "{}", R"({"terminal_id":""})",
        R"({"job_id":""})", R"({"terminal_id":5,"job_id":5})"}) {
    EXPECT_FALSE(decode(bad, t)) << bad;
    EXPECT_FALSE(decode(bad, j)) << bad;
  }
  // Each kind needs its own id field.
  EXPECT_FALSE(decode(R"({"job_id":"J1"})", t));
  EXPECT_FALSE(decode(R"({"terminal_id":"T1"})", j));
}

TEST(Encoding, DecodeToleratesMissingAndMistypedFields) {
  terminal_record t;
  ASSERT_TRUE(decode(
    R"({"terminal_id":"T1","model":5,"attributes":{"a":"x","b":1}})", t));
  EXPECT_EQ(t.terminal_id, "T1");
  EXPECT_EQ(t.model, "");
  EXPECT_EQ(t.attributes, (std::map<std::string, std::string>{{"a", "x"}}));
  EXPECT_EQ(t.registered_at_ms, 0);
}

// -- schema version
// -------------------------------------------------------------------

TEST_F(StoreTest, SchemaVersionIsWritten) {
  { auto db = open(); }
  std::string version;
  ASSERT_EQ(raw_meta(dir.path() + "/db", "schema_version", &version, nullptr),
            "");
  EXPECT_EQ(version, std::to_string(store::schema_version));
}

TEST_F(StoreTest, OtherSchemaVersionIsRefusedNamingIt) {
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->put_terminal(make_terminal("T1", "C1")).ok());
  }
  const std::string seven = "7";
  ASSERT_EQ(raw_meta(dir.path() + "/db", "schema_version", nullptr, &seven),
            "");
  status st;
  auto db = store::open(dir.path() + "/db", st);
  EXPECT_EQ(db, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("schema version 7"), std::string::npos)
    << st.message;
  EXPECT_NE(st.message.find("reads version 1"), std::string::npos)
    << st.message;
  EXPECT_NE(st.message.find(dir.path() + "/db"), std::string::npos)
    << st.message;
  // The refused open released the database: with the right version back, the
  // data is still there.
  const std::string one = "1";
  ASSERT_EQ(raw_meta(dir.path() + "/db", "schema_version", nullptr, &one), "");
  auto again = open();
  ASSERT_NE(again, nullptr);
  status st2;
  EXPECT_TRUE(again->get_terminal("T1", st2));
}

} // namespace
} // namespace tether::storage

namespace tether::storage {
namespace {

TEST_F(StoreTest, DisconnectEventsInTimeOrderSurviveReopenAndAreDroppedByTime) {
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    // Written out of order, over two batches; the same terminal twice.
    ASSERT_TRUE(
      db->put_batch({}, {}, {}, 0,
                    {{3'000, "T2", "10.0.0.2"}, {1'000, "T1", "10.0.0.1"}})
        .ok());
    ASSERT_TRUE(db->put_batch({}, {}, {}, 0,
                              {{2'000, "T1", "10.0.0.1"}, {5'000, "T3", ""}})
                  .ok());
  }
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    status st;
    auto es = db->load_events(st);
    ASSERT_TRUE(st.ok()) << st.message;
    ASSERT_EQ(es.size(), 4u);
    EXPECT_EQ(es[0].at_ms, 1'000);
    EXPECT_EQ(es[0].terminal_id, "T1");
    EXPECT_EQ(es[0].address, "10.0.0.1");
    EXPECT_EQ(es[1].at_ms, 2'000);
    EXPECT_EQ(es[2].terminal_id, "T2");
    EXPECT_EQ(es[3].address, "");
    // Dropping everything before 3000 keeps 3000 and later, in the same
    // batch as a new event.
    ASSERT_TRUE(
      db->put_batch({}, {}, {}, 0, {{6'000, "T4", "10.0.0.4"}}, 3'000).ok());
  }
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  auto es = db->load_events(st);
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].at_ms, 3'000);
  EXPECT_EQ(es[1].at_ms, 5'000);
  EXPECT_EQ(es[2].terminal_id, "T4");
}

TEST_F(StoreTest, DeletingEventsDeletesExactlyThoseAcrossAReopen) {
  {
    auto db = open();
    ASSERT_NE(db, nullptr);
    // T1's events around T2's: deleting T2's leaves T1's, older and newer.
    ASSERT_TRUE(db->put_batch({}, {}, {}, 0,
                              {{1'000, "T1", "10.0.0.1"},
                               {2'000, "T2", "10.0.0.2"},
                               {3'000, "T1", "10.0.0.1"},
                               {4'000, "T2", "10.0.0.2"}})
                  .ok());
    ASSERT_TRUE(db->delete_events({{2'000, "T2", "10.0.0.2"},
                                   {4'000, "T2", ""},   // the key decides
                                   {9'000, "T9", "x"}}) // absent: no error
                  .ok());
    ASSERT_TRUE(db->delete_events({}).ok());
  }
  auto db = open();
  ASSERT_NE(db, nullptr);
  status st;
  auto es = db->load_events(st);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].at_ms, 1'000);
  EXPECT_EQ(es[0].terminal_id, "T1");
  EXPECT_EQ(es[1].at_ms, 3'000);
  EXPECT_EQ(es[1].terminal_id, "T1");
}

TEST(Encoding, HistoryCountersRoundTripAndOldRecordsDecode) {
  api_history h;
  h.terminal_id = "T1";
  h.calls = 5;
  h.window_start_ms = 9;
  h.window_prints = 3;
  h.pages = 41;
  h.previous_prints = 4;
  h.window_jobs = 6;
  h.previous_jobs = 7;
  api_history back;
  ASSERT_TRUE(decode(encode(h), back));
  EXPECT_EQ(back.window_prints, 3u);
  EXPECT_EQ(back.pages, 41u);
  EXPECT_EQ(back.previous_prints, 4u);
  EXPECT_EQ(back.window_jobs, 6u);
  EXPECT_EQ(back.previous_jobs, 7u);
  // A record written before the print/job counters existed.
  api_history old;
  ASSERT_TRUE(
    decode(R"({"terminal_id":"T1","calls":2,"window_calls":1})", old));
  EXPECT_EQ(old.calls, 2u);
  EXPECT_EQ(old.window_prints, 0u);
  EXPECT_EQ(old.window_jobs, 0u);
  EXPECT_EQ(old.disconnect_class, ""); // no GE/GF class
  EXPECT_EQ(old.failure_class, "");
  // The GE/GF classes round-trip.
  h.disconnect_class = "ge-1700000000";
  h.failure_class = "GG1";
  ASSERT_TRUE(decode(encode(h), back));
  EXPECT_EQ(back.disconnect_class, "ge-1700000000");
  EXPECT_EQ(back.failure_class, "GG1");
}

TEST(JobId, NewIdsCarryRandomBitsAfterTheSequence) {
  auto a = store::new_job_id(7);
  auto b = store::new_job_id(8);
  EXPECT_EQ(a.size(), 33u);
  EXPECT_EQ(a.substr(0, 17), store::job_id_for(7));
  EXPECT_EQ(b.substr(0, 17), store::job_id_for(8));
  EXPECT_NE(a.substr(17), b.substr(17));
  EXPECT_NE(store::new_job_id(7), a) << "not a function of the sequence";
  // Still creation order next to ids stored before (no random part).
  EXPECT_LT(store::job_id_for(6), a);
  EXPECT_LT(a, store::job_id_for(8));
}

// -- API keys ---------------------------------------------------------------

TEST_F(StoreTest, ApiKeysSurviveReopenAndAreDeleted) {
  api_key_record k{
    "k1", "billing", {"jobs:write", "jobs:read"}, 1234, std::string(64, 'a')};
  {
    auto db = open();
    ASSERT_TRUE(db->put_api_key(k).ok());
    ASSERT_TRUE(
      db->put_api_key({"k2", "ops", {"admin"}, 5, std::string(64, 'b')}).ok());
  }
  auto db = open();
  status st;
  auto keys = db->load_api_keys(st);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].key_id, "k1");
  EXPECT_EQ(keys[0].name, "billing");
  EXPECT_EQ(keys[0].scopes, k.scopes);
  EXPECT_EQ(keys[0].created_at_ms, 1234);
  EXPECT_EQ(keys[0].hash, k.hash);
  bool found = false;
  ASSERT_TRUE(db->delete_api_key("k1", found).ok());
  EXPECT_TRUE(found);
  ASSERT_TRUE(db->delete_api_key("k1", found).ok());
  EXPECT_FALSE(found);
  keys = db->load_api_keys(st);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key_id, "k2");
  // Admin settings do not see them.
  auto admin = db->load_admin(st);
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_TRUE(admin.clusters.empty());
}

} // namespace
} // namespace tether::storage
