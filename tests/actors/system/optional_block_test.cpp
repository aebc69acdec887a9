#include "actors/system/optional_block.hpp"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using tether::optional_block;

TEST(OptionalBlock, HoldsABlockOnlyWhileNotEmpty) {
  optional_block<std::vector<std::string>> b;
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.allocated());
  EXPECT_EQ(b.size(), 0u);
  b = std::vector<std::string>{"u1", "u2"};
  EXPECT_TRUE(b.allocated());
  EXPECT_EQ(b.get(), (std::vector<std::string>{"u1", "u2"}));
  b = std::vector<std::string>{};
  EXPECT_FALSE(b.allocated()); // freed when emptied
  EXPECT_TRUE(b.get().empty());
}

TEST(OptionalBlock, CopiesAreDeepAndEditMakesTheBlock) {
  optional_block<std::map<std::string, std::string>> a;
  a.edit()["plan"] = "paid";
  auto b = a;
  b.edit()["plan"] = "free";
  EXPECT_EQ(a.get().at("plan"), "paid");
  EXPECT_EQ(b.get().at("plan"), "free");
  EXPECT_FALSE(a == b);
  b = a;
  EXPECT_TRUE(a == b);
  size_t n = 0;
  for (const auto& [k, v] : a) {
    EXPECT_EQ(k, "plan");
    ++n;
  }
  EXPECT_EQ(n, 1u);
}
