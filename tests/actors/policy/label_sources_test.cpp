// Where label items come from (docs/LABELS.md): computed items no sender may
// set, GG from the server's mapping, null labels per model.
#include <gtest/gtest.h>

#include "actors/policy/placement.hpp"

namespace tether {
namespace {

TEST(ForbiddenAttribute, ComputedItemsFromAnyone) {
  for (const auto& name : computed_item_names()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(forbidden_attribute({{"plan", "paid"}, {name, "high"}}, false),
              name);
    EXPECT_EQ(forbidden_attribute({{name, "high"}}, true), name);
  }
}

TEST(ForbiddenAttribute, ServiceOnlyFromTheServiceSide) {
  EXPECT_EQ(forbidden_attribute({{"service", "print"}}, true), "service");
  EXPECT_EQ(forbidden_attribute({{"service", "print"}}, false), "");
  EXPECT_EQ(forbidden_attribute({{"plan", "paid"}, {"a", "1"}}, true), "");
  EXPECT_EQ(forbidden_attribute({}, true), "");
}

config::region_config mapping(bool device_claim = true) {
  config::region_config c;
  c.map
    = {{"JP-", "", "GG1"}, {"", "10.2.0.0/16", "GG2"}, {"", "fd00::/8", "GG3"}};
  c.device_claim = device_claim;
  return c;
}

TEST(DerivedRegion, MappingWinsOverTheClaim) {
  auto c = mapping();
  EXPECT_EQ(derived_region(c, "JP-7", "", "GG9"), "GG1");
  EXPECT_EQ(derived_region(c, "X-1", "10.2.3.4", "GG9"), "GG2");
  EXPECT_EQ(derived_region(c, "X-1", "fd00::1", "GG9"), "GG3");
  // First rule wins: the id prefix comes before the range.
  EXPECT_EQ(derived_region(c, "JP-7", "10.2.3.4", ""), "GG1");
}

TEST(DerivedRegion, ClaimAsFallbackUnlessForbidden) {
  EXPECT_EQ(derived_region(mapping(), "X-1", "10.3.0.1", "GG9"), "GG9");
  EXPECT_EQ(derived_region(mapping(), "X-1", "", "GG9"), "GG9");
  EXPECT_EQ(derived_region(mapping(false), "X-1", "10.3.0.1", "GG9"), "");
  EXPECT_EQ(derived_region(mapping(false), "X-1", "10.2.0.1", "GG9"), "GG2");
  EXPECT_EQ(derived_region(config::region_config{}, "X", "1.2.3.4", "GG4"),
            "GG4");
  // An address that does not parse matches no range.
  EXPECT_EQ(derived_region(mapping(false), "X-1", "not-an-ip", "GG9"), "");
}

TEST(NullLabel, PerModel) {
  config::label_rules rules;
  EXPECT_FALSE(null_label_model(rules, "GJ9"));
  rules.null_label_models = {"GJ9", "GJ8"};
  EXPECT_TRUE(null_label_model(rules, "GJ9"));
  EXPECT_TRUE(null_label_model(rules, "GJ8"));
  EXPECT_FALSE(null_label_model(rules, "GJ1"));
  EXPECT_FALSE(null_label_model(rules, ""));
}

} // namespace
} // namespace tether
