// insert_hints (storage/insert_hints.hpp): the calls family's memtable
// keeps a place per terminal; its keys' prefix is the terminal id and its
// 0x00, and records of many terminals written interleaved, in and out of
// time order, read back complete and in order.
#include "storage/insert_hints.hpp"
#include "storage/store.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

constexpr int64_t t0 = 1'764'900'000'000; // a Unix time in ms

call_record at(const std::string& terminal, int64_t ms, uint32_t seq) {
  call_record r;
  r.terminal_id = terminal;
  r.at_ms = ms;
  r.seq = seq;
  r.event = "job_delivered";
  r.job_id = "J" + std::to_string(seq);
  return r;
}

TEST(InsertHints, TheHintPrefixIsTheTerminalOfACallsKey) {
  auto hints = calls_insert_hints();
  const auto& p = *hints;
  auto key = store::call_key(at("T-17", t0, 3));
  ASSERT_TRUE(p.InDomain(key));
  EXPECT_EQ(p.Transform(key).ToString(), std::string("T-17\0", 5));
  // Keys of other families have no 0x00: no hint.
  EXPECT_FALSE(p.InDomain("J00000000000000010123456789abcdef"));
  EXPECT_FALSE(p.InDomain(""));
  // Nor the start of a retirement's range deletion (the bare id + 0x00),
  // nor a key with more or less than time and seq after its 0x00.
  EXPECT_FALSE(p.InDomain(std::string("T-17\0", 5)));
  EXPECT_FALSE(p.InDomain(key + "x"));
  EXPECT_FALSE(p.InDomain(key.substr(0, key.size() - 1)));
}

TEST(InsertHints, ARetirementAmongHintedWritesDeletesThatTerminalOnly) {
  temp_dir dir;
  status st;
  auto db = store::open(dir.path() + "/db", st);
  ASSERT_TRUE(st.ok()) << st.message;
  uint32_t seq = 0;
  for (int round = 0; round < 3; ++round) {
    std::vector<call_record> batch;
    for (const char* t : {"T1", "T10", "T"})
      batch.push_back(at(t, t0 + round, ++seq));
    ASSERT_TRUE(db->put_batch({}, {}, {}, 0, {}, 0, batch).ok());
    if (round == 1)
      ASSERT_TRUE(db->retire_terminal("T1", 4).ok());
  }
  auto count = [&](const std::string& t) {
    return db->load_calls(t, 0, {}, 100, st).records.size();
  };
  EXPECT_EQ(count("T1"), 1u); // the round after its retirement
  EXPECT_EQ(count("T10"), 3u);
  EXPECT_EQ(count("T"), 3u);
}

TEST(InsertHints, InterleavedTerminalsReadBackCompleteAndInOrder) {
  temp_dir dir;
  status st;
  auto db = store::open(dir.path() + "/db", st);
  ASSERT_TRUE(st.ok()) << st.message;
  // 20 terminals, 5 batches each of a record per terminal; the 4th batch
  // goes back in time (the hint's place is then on the wrong side).
  const std::vector<int64_t> times{t0 + 10, t0 + 20, t0 + 30, t0 + 5, t0 + 40};
  uint32_t seq = 0;
  for (auto ms : times) {
    std::vector<call_record> batch;
    for (int t = 0; t < 20; ++t)
      batch.push_back(at("T" + std::to_string(t), ms, ++seq));
    ASSERT_TRUE(db->put_batch({}, {}, {}, 0, {}, 0, batch).ok());
  }
  for (int t = 0; t < 20; ++t) {
    auto page = db->load_calls("T" + std::to_string(t), 0, {}, 100, st);
    ASSERT_TRUE(st.ok()) << st.message;
    ASSERT_EQ(page.records.size(), times.size()) << "terminal T" << t;
    std::vector<int64_t> got;
    for (const auto& r : page.records) {
      EXPECT_EQ(r.terminal_id, "T" + std::to_string(t));
      got.push_back(r.at_ms);
    }
    auto want = times;
    std::sort(want.rbegin(), want.rend()); // newest first
    EXPECT_EQ(got, want) << "terminal T" << t;
  }
}

TEST(InsertHints, TheJobsHintPrefixIsAGroupOf256Jobs) {
  auto hints = jobs_insert_hints();
  const auto& p = *hints;
  auto id = store::new_job_id(0x1234);
  ASSERT_TRUE(p.InDomain(id));
  EXPECT_EQ(p.Transform(id).ToString(), "J00000000000012");
  // Ids stored before the random part (job_id_for alone) take one too.
  ASSERT_TRUE(p.InDomain(store::job_id_for(0x1234)));
  EXPECT_EQ(p.Transform(store::job_id_for(0x12ff)).ToString(),
            "J00000000000012");
  EXPECT_NE(p.Transform(store::job_id_for(0x1300)).ToString(),
            "J00000000000012");
  // Anything shorter, or not a job id, takes none.
  EXPECT_FALSE(p.InDomain(""));
  EXPECT_FALSE(p.InDomain("J123"));
  EXPECT_FALSE(p.InDomain(std::string("T-17\0", 5) + "012345678901"));
}

job_record job(const std::string& id, const std::string& status) {
  job_record j;
  j.job_id = id;
  j.terminal_id = "T" + id.substr(id.size() - 2);
  j.status = status;
  j.payload_json = R"({"url":"x"})";
  return j;
}

TEST(InsertHints, JobsWrittenAcrossGroupsAndOutOfOrderReadBackLatest) {
  temp_dir dir;
  status st;
  auto db = store::open(dir.path() + "/db", st);
  ASSERT_TRUE(st.ok()) << st.message;
  // 600 jobs (three hint groups), ids as old builds (sequence only) and
  // new ones wrote them; each batch creates 50 and moves the states of
  // older ones, newest first and oldest first in turn.
  std::vector<std::string> ids;
  for (uint64_t seq = 200; seq < 800; ++seq)
    ids.push_back(seq % 3 == 0 ? store::job_id_for(seq)
                               : store::new_job_id(seq));
  const std::vector<std::string> steps{"delivered", "acked", "done"};
  for (size_t first = 0; first < ids.size(); first += 50) {
    std::vector<job_record> batch;
    for (size_t i = first; i < first + 50; ++i)
      batch.push_back(job(ids[i], "queued"));
    for (size_t back = 1; back <= 3 && back * 50 <= first; ++back) {
      std::vector<job_record> states;
      for (size_t i = first - back * 50; i < first - (back - 1) * 50; ++i)
        states.push_back(job(ids[i], steps[back - 1]));
      if (back % 2 == 0)
        std::reverse(states.begin(), states.end());
      batch.insert(batch.end(), states.begin(), states.end());
    }
    ASSERT_TRUE(db->put_jobs(batch, 0).ok());
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto got = db->get_job(ids[i], st);
    ASSERT_TRUE(got) << ids[i];
    size_t done_before = ids.size() - 150;
    auto want = i < done_before      ? "done"
              : i < ids.size() - 100 ? "acked"
              : i < ids.size() - 50  ? "delivered"
                                     : "queued";
    EXPECT_EQ(got->status, want) << ids[i];
  }
  EXPECT_EQ(db->load_jobs(st, ids.size()).size(), ids.size());
}

TEST(InsertHints, OnlyTheCallsJobsAndHistoryFamiliesHaveHints) {
  EXPECT_NE(insert_hints_for("calls"), nullptr);
  EXPECT_NE(insert_hints_for("jobs"), nullptr);
  EXPECT_NE(insert_hints_for("history"), nullptr);
  EXPECT_EQ(insert_hints_for("terminals"), nullptr);
  EXPECT_EQ(insert_hints_for("events"), nullptr);
  EXPECT_EQ(insert_hints_for("default"), nullptr);
}

TEST(InsertHints, InKeyOrderKeepsTheOrderOfOneKeysRecords) {
  std::vector<job_record> records{job("J2", "queued"), job("J1", "queued"),
                                  job("J2", "acked"), job("J0", "done"),
                                  job("J1", "delivered")};
  auto sorted
    = in_key_order(records, [](const job_record& r) -> const std::string& {
        return r.job_id;
      });
  std::vector<std::string> got;
  for (const auto* r : sorted)
    got.push_back(r->job_id + ":" + r->status);
  EXPECT_EQ(got,
            (std::vector<std::string>{"J0:done", "J1:queued", "J1:delivered",
                                      "J2:queued", "J2:acked"}));
}

TEST(InsertHints, HistoriesWrittenInAnyOrderReadBackTheLastOfEach) {
  temp_dir dir;
  status st;
  auto db = store::open(dir.path() + "/db", st);
  ASSERT_TRUE(st.ok()) << st.message;
  // 300 terminals, 20 batches of 100 of them in a shuffled order, a
  // terminal sometimes twice in one batch (its later record counts).
  std::vector<uint64_t> last(300, 0);
  uint32_t rng = 12345;
  for (uint64_t round = 1; round <= 20; ++round) {
    std::vector<api_history> batch;
    for (int i = 0; i < 100; ++i) {
      rng = rng * 1'103'515'245u + 12'345u;
      auto t = (rng >> 8) % 300;
      api_history h;
      h.terminal_id = "T" + std::to_string(t);
      h.calls = round * 1000 + static_cast<uint64_t>(i);
      last[t] = h.calls;
      batch.push_back(h);
    }
    ASSERT_TRUE(db->put_batch({}, {}, batch, 0).ok());
  }
  auto stored = db->load_histories(st);
  ASSERT_TRUE(st.ok()) << st.message;
  std::vector<uint64_t> got(300, 0);
  for (const auto& h : stored)
    got[std::stoul(h.terminal_id.substr(1))] = h.calls;
  EXPECT_EQ(got, last);
}

} // namespace
} // namespace tether::storage
