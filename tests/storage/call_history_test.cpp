// The calls family of the store (storage/call_history.cpp): per-terminal
// history records keyed by terminal, time and seq; pages newest first with
// a cursor; the retention sweep, bounded per call.
#include "storage/store.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

constexpr int64_t t0 = 1'764'900'000'000; // a Unix time in ms

call_record rec(const std::string& terminal, int64_t at, uint32_t seq,
                const std::string& event = "connect") {
  call_record r;
  r.terminal_id = terminal;
  r.at_ms = at;
  r.seq = seq;
  r.event = event;
  return r;
}

class CallHistory : public ::testing::Test {
protected:
  void SetUp() override {
    status st;
    db = store::open(dir.path() + "/db", st);
    ASSERT_TRUE(st.ok()) << st.message;
  }
  void put(const std::vector<call_record>& calls) {
    ASSERT_TRUE(db->put_batch({}, {}, {}, 0, {}, 0, calls).ok());
  }
  /// Every record of `terminal`, newest first, read one page at a time.
  std::vector<call_record> all(const std::string& terminal, size_t page = 3) {
    std::vector<call_record> out;
    std::string cursor;
    for (int i = 0; i < 10'000; ++i) {
      status st;
      auto p = db->load_calls(terminal, 0, cursor, page, st);
      EXPECT_TRUE(st.ok()) << st.message;
      out.insert(out.end(), p.records.begin(), p.records.end());
      if (p.next.empty())
        break;
      cursor = p.next;
    }
    return out;
  }

  temp_dir dir;
  std::unique_ptr<store> db;
};

TEST(CallKey, OrdersByTerminalThenTimeThenSeq) {
  auto a = store::call_key(rec("T1", t0, 7));
  auto b = store::call_key(rec("T1", t0, 8));
  auto c = store::call_key(rec("T1", t0 + 1, 0));
  auto d = store::call_key(rec("T10", t0 - 5, 0));
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d); // "T1" + 0x00 sorts before "T10": terminals never mix
  EXPECT_EQ(a.size(), 2 + 1 + 8 + 4);
  EXPECT_EQ(a[2], '\0');
}

TEST(CallKey, ValueRoundTripsAndLeavesEmptyFieldsOut) {
  auto r = rec("T1", t0, 1, "disconnect");
  r.detail = "keepalive_lost";
  r.node = "C1-n1";
  r.address = "10.0.0.7";
  auto text = encode(r);
  EXPECT_EQ(text.find("\"j\""), std::string::npos);
  call_record back;
  ASSERT_TRUE(decode(text, back));
  EXPECT_EQ(back.event, "disconnect");
  EXPECT_EQ(back.detail, "keepalive_lost");
  EXPECT_EQ(back.node, "C1-n1");
  EXPECT_EQ(back.address, "10.0.0.7");
  EXPECT_LT(text.size(), 80u); // a record is a few dozen bytes
  EXPECT_FALSE(decode("{}", back));
  EXPECT_FALSE(decode("not json", back));
}

TEST_F(CallHistory, OneBatchWritesRecordsThatSurviveAReopen) {
  put({rec("T1", t0, 0), rec("T1", t0 + 10, 1, "job_pushed"),
       rec("T2", t0 + 5, 2)});
  db.reset();
  status st;
  db = store::open(dir.path() + "/db", st);
  ASSERT_TRUE(st.ok()) << st.message;
  auto t1 = all("T1");
  ASSERT_EQ(t1.size(), 2u);
  EXPECT_EQ(t1[0].event, "job_pushed"); // newest first
  EXPECT_EQ(t1[0].at_ms, t0 + 10);
  EXPECT_EQ(t1[1].event, "connect");
  EXPECT_EQ(t1[1].terminal_id, "T1");
  EXPECT_EQ(all("T2").size(), 1u);
  EXPECT_TRUE(all("T3").empty());
}

TEST_F(CallHistory, PagesGoNewestFirstWithACursorAndStopAtSince) {
  std::vector<call_record> calls;
  for (uint32_t i = 0; i < 10; ++i)
    calls.push_back(rec("T1", t0 + i / 2, i)); // two records per ms
  calls.push_back(rec("T0", t0 + 100, 50));    // neighbours in key order
  calls.push_back(rec("T2", t0 - 100, 51));
  put(calls);
  auto got = all("T1", 3);
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].seq, 9 - i) << i;
  status st;
  auto first = db->load_calls("T1", 0, {}, 10, st);
  EXPECT_EQ(first.records.size(), 10u);
  EXPECT_TRUE(first.next.empty()); // exactly all: no further page
  auto recent = db->load_calls("T1", t0 + 3, {}, 100, st);
  ASSERT_EQ(recent.records.size(), 4u); // t0+3 and t0+4, two each
  EXPECT_EQ(recent.records.back().at_ms, t0 + 3);
  EXPECT_TRUE(st.ok()) << st.message;
}

TEST_F(CallHistory, AMalformedCursorIsReported) {
  put({rec("T1", t0, 0)});
  for (const char* bad : {"x", "1.", ".1", "1.2.3", "1.99999999999"}) {
    status st;
    auto p = db->load_calls("T1", 0, bad, 10, st);
    EXPECT_EQ(st.message, "malformed cursor") << bad;
    EXPECT_TRUE(p.records.empty());
  }
}

TEST_F(CallHistory, SweepDeletesOldRecordsAndKeepsTheNewestPerTerminal) {
  std::vector<call_record> calls;
  for (uint32_t i = 0; i < 8; ++i)
    calls.push_back(rec("A", t0 + i, i));
  for (uint32_t i = 0; i < 3; ++i)
    calls.push_back(rec("B", t0 + 1000 + i, 100 + i));
  put(calls);
  store::sweep_cursor at;
  status st;
  // Older than t0 + 2 goes (A's first two), and at most 5 per terminal.
  auto r = db->sweep_calls(at, t0 + 2, 5, 1000, st);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(r.examined, 11u);
  EXPECT_EQ(r.deleted, 3u);
  EXPECT_TRUE(r.wrapped);
  auto a = all("A");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a.front().seq, 7u);
  EXPECT_EQ(a.back().seq, 3u);
  EXPECT_EQ(all("B").size(), 3u);
}

TEST_F(CallHistory,
       SweepLooksAtItsBudgetPlusATerminalsBoundAndGoesOnWhereItStopped) {
  std::vector<call_record> calls;
  for (uint32_t i = 0; i < 10; ++i)
    calls.push_back(rec("A", t0 + i, i));
  for (uint32_t i = 0; i < 10; ++i)
    calls.push_back(rec("B", t0 + i, 10 + i));
  put(calls);
  store::sweep_cursor at;
  status st;
  // Keep 2 per terminal, a budget of 4 keys a call: the first call reads
  // A's oldest 4 + 2 keys; the 4 with at least 2 newer read after them go.
  auto r1 = db->sweep_calls(at, 0, 2, 4, st);
  EXPECT_EQ(r1.examined, 6u);
  EXPECT_EQ(r1.deleted, 4u);
  EXPECT_FALSE(r1.wrapped);
  EXPECT_EQ(all("A").size(), 6u);
  EXPECT_EQ(all("A").back().seq, 4u); // the oldest left
  size_t calls_made = 1;
  bool wrapped = false;
  while (!wrapped && calls_made < 100) {
    auto r = db->sweep_calls(at, 0, 2, 4, st);
    EXPECT_LE(r.examined, 4u + 2u);
    wrapped = r.wrapped;
    ++calls_made;
  }
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(calls_made, 4u); // A in two calls, then B in two
  auto b = all("B");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].seq, 19u);
  auto a = all("A");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].seq, 9u);
  // A new pass starts again from the start.
  EXPECT_TRUE(at.key.empty());
  auto again = db->sweep_calls(at, 0, 2, 100, st);
  EXPECT_EQ(again.examined, 4u);
  EXPECT_EQ(again.deleted, 0u);
}

TEST_F(CallHistory, APassReportsWhatItKeptAndCountsTheKeysItRead) {
  std::vector<call_record> calls;
  for (uint32_t i = 0; i < 4; ++i)
    calls.push_back(rec("A", t0 + i, i));
  for (uint32_t i = 0; i < 2; ++i)
    calls.push_back(rec("B", t0 + 10 + i, 10 + i));
  put(calls);
  store::sweep_cursor at;
  status st;
  // A budget of 3: the first call finishes the terminal it is on (A's 4).
  auto r1 = db->sweep_calls(at, t0 + 1, 3, 3, st);
  EXPECT_FALSE(r1.wrapped);
  EXPECT_EQ(db->keys_swept(), 4u);
  auto r2 = db->sweep_calls(at, t0 + 1, 3, 3, st);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_TRUE(r2.wrapped);
  EXPECT_EQ(db->keys_swept(), 6u);
  // A keeps 3 (t0+1..t0+3; t0 is too old and the 4th), B keeps 2.
  EXPECT_EQ(r2.kept, 5u);
  EXPECT_EQ(r2.most_kept, 3u);
  EXPECT_EQ(r2.oldest_kept_ms, t0 + 1);
  // An empty family: nothing kept.
  db->sweep_calls(at, t0 + 100, 3, 100, st);
  auto empty = db->sweep_calls(at, 0, 3, 100, st);
  EXPECT_TRUE(empty.wrapped);
  EXPECT_EQ(empty.kept, 0u);
  EXPECT_EQ(empty.oldest_kept_ms, INT64_MAX);
}

TEST_F(CallHistory, RetiringATerminalDeletesItsRecordsOnly) {
  put({rec("T1", t0, 0), rec("T1", t0 + 1, 1), rec("T10", t0, 2),
       rec("T", t0, 3)});
  ASSERT_TRUE(db->retire_terminal("T1", 4).ok());
  EXPECT_TRUE(all("T1").empty());
  EXPECT_EQ(all("T10").size(), 1u);
  EXPECT_EQ(all("T").size(), 1u);
  status st;
  EXPECT_EQ(db->load_retired(st).at("T1"), 4u);
}

} // namespace
} // namespace tether::storage
