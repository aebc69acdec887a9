// call_backlog: a hand-over is written a chunk a batch, oldest first; what
// is left of one hand-over when the next arrives goes whole into the next
// batch; a read or retirement takes all.
#include "actors/store/record_backlog.hpp"

#include <string>

#include <gtest/gtest.h>

namespace tether {
namespace {

std::vector<storage::call_record> records(uint32_t from, uint32_t n) {
  std::vector<storage::call_record> out;
  for (uint32_t i = from; i < from + n; ++i) {
    storage::call_record r;
    r.terminal_id = "T1";
    r.at_ms = 1000;
    r.seq = i;
    r.event = "job_pushed";
    out.push_back(r);
  }
  return out;
}

std::vector<uint32_t> seqs(const std::vector<storage::call_record>& rs) {
  std::vector<uint32_t> out;
  for (const auto& r : rs)
    out.push_back(r.seq);
  return out;
}

TEST(CallBacklog, AHandOverIsWrittenAChunkABatchOldestFirst) {
  call_backlog b{3};
  std::vector<storage::call_record> batch;
  auto given = records(0, 7);
  b.hand_over(given, batch);
  EXPECT_TRUE(given.empty());
  EXPECT_TRUE(batch.empty()) << "nothing was left of an earlier hand-over";
  EXPECT_EQ(b.size(), 7u);
  b.fill(batch);
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{0, 1, 2}));
  batch.clear();
  b.fill(batch);
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{3, 4, 5}));
  batch.clear();
  b.fill(batch);
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{6}));
  EXPECT_TRUE(b.empty());
  batch.clear();
  b.fill(batch);
  EXPECT_TRUE(batch.empty());
}

TEST(CallBacklog, WhatIsLeftOfAnEarlierHandOverGoesWholeIntoTheNextBatch) {
  call_backlog b{2};
  std::vector<storage::call_record> batch;
  auto first = records(0, 5);
  b.hand_over(first, batch);
  b.fill(batch); // 0, 1 written
  batch.clear();
  auto second = records(5, 4);
  b.hand_over(second, batch);
  // 2, 3, 4 must not wait longer: at most one hand-over is ever unwritten.
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_EQ(b.size(), 4u);
  b.fill(batch);
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{2, 3, 4, 5, 6}));
}

TEST(CallBacklog, AllTakesEveryRecord) {
  call_backlog b{2};
  std::vector<storage::call_record> batch;
  auto given = records(0, 5);
  b.hand_over(given, batch);
  b.fill(batch, true);
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(b.empty());
}

TEST(CallBacklog, AChunkIsAtLeastOneRecord) {
  call_backlog b{0};
  EXPECT_EQ(b.per_batch(), 1u);
  std::vector<storage::call_record> batch;
  auto given = records(0, 2);
  b.hand_over(given, batch);
  b.fill(batch);
  EXPECT_EQ(seqs(batch), (std::vector<uint32_t>{0}));
}

} // namespace
} // namespace tether
