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
  terminal_prefix p;
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

} // namespace
} // namespace tether::storage
