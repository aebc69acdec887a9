// The history retention sweep (store::sweep_calls in
// storage/call_history.cpp) against a model of its contract: after a pass,
// every terminal holds exactly its newest `max_per_terminal` records not
// older than `before_ms`, whatever budget a call had; a call never deletes
// one of a terminal's newest `max_per_terminal`, even while records are
// added between calls; a call looks at no more than its budget plus
// `max_per_terminal` keys.
#include "storage/store.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

constexpr int64_t t0 = 1'764'900'000'000; // a Unix time in ms

class HistorySweep : public ::testing::Test {
protected:
  void SetUp() override { fresh("db"); }
  /// A new, empty store (in its own folder `name`) and model.
  void fresh(const std::string& name) {
    db.reset();
    model.clear();
    status st;
    db = store::open(dir.path() + "/" + name, st);
    ASSERT_TRUE(st.ok()) << st.message;
  }
  /// Adds `n` records to `terminal`, one ms apart after its last.
  void add(const std::string& terminal, size_t n) {
    std::vector<call_record> calls;
    for (size_t i = 0; i < n; ++i) {
      call_record r;
      r.terminal_id = terminal;
      r.at_ms = t0 + static_cast<int64_t>(model[terminal].size());
      r.seq = seq++;
      r.event = "connect";
      model[terminal].push_back(r.seq);
      calls.push_back(std::move(r));
    }
    ASSERT_TRUE(db->put_batch({}, {}, {}, 0, {}, 0, calls).ok());
  }
  /// The seqs stored for `terminal`, oldest first.
  std::vector<uint32_t> stored(const std::string& terminal) {
    status st;
    auto p = db->load_calls(terminal, 0, "", 100'000, st);
    EXPECT_TRUE(st.ok()) << st.message;
    std::vector<uint32_t> out;
    for (auto& r : p.records)
      out.insert(out.begin(), r.seq);
    return out;
  }
  /// Sweeps until a pass ends; checks each call's bound and that none
  /// deleted one of a terminal's newest `keep`.
  store::sweep_result pass(int64_t before, size_t keep, size_t budget) {
    store::sweep_cursor at;
    for (int calls = 0; calls < 10'000; ++calls) {
      status st;
      auto r = db->sweep_calls(at, before, keep, budget, st);
      EXPECT_TRUE(st.ok()) << st.message;
      EXPECT_LE(r.examined, budget + keep);
      for (auto& [terminal, seqs] : model)
        expect_newest_kept(terminal, seqs, before, keep);
      if (r.wrapped)
        return r;
    }
    ADD_FAILURE() << "the pass never ended";
    return {};
  }
  void expect_newest_kept(const std::string& terminal,
                          const std::vector<uint32_t>& seqs, int64_t before,
                          size_t keep) {
    auto now = stored(terminal);
    for (size_t i = seqs.size() - std::min(seqs.size(), keep); i < seqs.size();
         ++i) {
      if (t0 + static_cast<int64_t>(i) >= before) {
        EXPECT_NE(std::find(now.begin(), now.end(), seqs[i]), now.end())
          << terminal << " lost seq " << seqs[i];
      }
    }
  }
  /// What the contract leaves of `terminal`.
  std::vector<uint32_t> expected(const std::string& terminal, int64_t before,
                                 size_t keep) {
    std::vector<uint32_t> out;
    auto& seqs = model[terminal];
    for (size_t i = seqs.size() - std::min(seqs.size(), keep); i < seqs.size();
         ++i)
      if (t0 + static_cast<int64_t>(i) >= before)
        out.push_back(seqs[i]);
    return out;
  }

  temp_dir dir;
  std::unique_ptr<store> db;
  std::map<std::string, std::vector<uint32_t>> model;
  uint32_t seq = 0;
};

TEST_F(HistorySweep, APassLeavesEveryTerminalItsNewestWhateverTheBudget) {
  std::mt19937 rng{12};
  for (size_t budget : {1u, 3u, 8u, 1000u}) {
    for (size_t keep : {1u, 5u}) {
      fresh("db-" + std::to_string(budget) + "-" + std::to_string(keep));
      for (int t = 0; t < 8; ++t)
        add("T" + std::to_string(t), rng() % 20);
      auto before = t0 + 3;
      auto r = pass(before, keep, budget);
      size_t kept = 0, most = 0;
      for (auto& [terminal, seqs] : model) {
        auto want = expected(terminal, before, keep);
        EXPECT_EQ(stored(terminal), want)
          << terminal << " budget " << budget << " keep " << keep;
        kept += want.size();
        most = std::max(most, want.size());
      }
      EXPECT_EQ(r.kept, kept);
      EXPECT_EQ(r.most_kept, most);
    }
  }
}

TEST_F(HistorySweep, RecordsAddedBetweenCallsNeverCostATerminalItsNewest) {
  add("A", 30);
  add("B", 3);
  add("C", 30);
  store::sweep_cursor at;
  for (int call = 0; call < 40; ++call) {
    status st;
    auto r = db->sweep_calls(at, 0, 4, 3, st);
    ASSERT_TRUE(st.ok()) << st.message;
    EXPECT_LE(r.examined, 3u + 4u);
    for (auto& [terminal, seqs] : model)
      expect_newest_kept(terminal, seqs, 0, 4);
    add(call % 2 ? "A" : "C", 2);
  }
  pass(0, 4, 3); // a last pass with nothing added: each holds its newest 4
  for (auto& [terminal, seqs] : model)
    EXPECT_EQ(stored(terminal), expected(terminal, 0, 4)) << terminal;
}

} // namespace
} // namespace tether::storage
