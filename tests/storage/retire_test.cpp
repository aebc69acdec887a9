// Retiring a terminal in the store (DELETE /v1/terminals/{id}): its record
// and history go, its token generation stays (meta "retired/" + id) across
// a reopen, and other terminals are untouched.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "storage/store.hpp"
#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

std::unique_ptr<store> open_in(const temp_dir& dir) {
  status st;
  auto db = store::open(dir.path() + "/db", st);
  EXPECT_TRUE(st.ok()) << st.message;
  return db;
}

TEST(StoreRetire, RecordAndHistoryGoTheGenerationStays) {
  temp_dir dir;
  {
    auto db = open_in(dir);
    ASSERT_NE(db, nullptr);
    auto t1 = sample_terminal();
    t1.terminal_id = "T1";
    auto t2 = sample_terminal();
    t2.terminal_id = "T2";
    auto h1 = sample_history();
    h1.terminal_id = "T1";
    ASSERT_TRUE(db->put_batch({t1, t2}, {}, {h1}, 0).ok());
    ASSERT_TRUE(db->retire_terminal("T1", 3).ok());
  }
  auto db = open_in(dir);
  ASSERT_NE(db, nullptr);
  status st;
  auto terminals = db->load_terminals(st);
  ASSERT_EQ(terminals.size(), 1u);
  EXPECT_EQ(terminals[0].terminal_id, "T2");
  EXPECT_TRUE(db->load_histories(st).empty());
  auto retired = db->load_retired(st);
  EXPECT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(retired.size(), 1u);
  EXPECT_EQ(retired.at("T1"), 3u);
}

TEST(StoreRetire, AnUnknownTerminalIsRetiredToo) {
  temp_dir dir;
  auto db = open_in(dir);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->retire_terminal("T9", 1).ok());
  status st;
  EXPECT_EQ(db->load_retired(st).at("T9"), 1u);
}

} // namespace
} // namespace tether::storage
