#include "actors/control/compact_record.hpp"

#include <gtest/gtest.h>

#include "tests/storage/record_checks.hpp"

namespace tether {

// The control keeps records compact and gives them back whole: every field
// of the sample (each set, none at its default) survives the round trip.
TEST(CompactRecord, ExpandGivesBackEveryField) {
  auto rec = storage::sample_terminal();
  storage::expect_every_field_set(rec);
  compact_record c{rec};
  EXPECT_TRUE(c.registered);
  storage::expect_same(c.expand(rec.terminal_id), rec);
}

TEST(CompactRecord, EmptyListsHoldNoBlockAndTextsAreShared) {
  terminal_record rec;
  rec.terminal_id = "T1";
  rec.cluster_id = "cluster-with-a-long-enough-name";
  rec.model = "printer-model-9000-series";
  compact_record a{rec};
  rec.terminal_id = "T2";
  compact_record b{rec};
  EXPECT_FALSE(a.attributes.allocated());
  EXPECT_FALSE(a.users.allocated());
  EXPECT_FALSE(a.services.allocated());
  EXPECT_EQ(&a.cluster_id.str(), &b.cluster_id.str());
  EXPECT_EQ(&a.model.str(), &b.model.str());
  EXPECT_EQ(b.expand("T2").model, "printer-model-9000-series");
  EXPECT_LE(sizeof(compact_record), 80u);
}

TEST(CompactRecord, FactOfAnItemReadsFieldsThenAttributes) {
  auto rec = storage::sample_terminal();
  compact_record c{rec};
  EXPECT_EQ(c.fact("region"), rec.region);
  EXPECT_EQ(c.fact("model"), rec.model);
  EXPECT_EQ(c.fact("firmware"), rec.firmware);
  EXPECT_EQ(c.fact("plan"), "paid");
  EXPECT_EQ(c.fact("nothing"), "");
}

} // namespace tether
