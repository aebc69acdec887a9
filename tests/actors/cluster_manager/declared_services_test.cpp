// declared_services: the cluster manager remembers only declared service
// lists (the admission carries them to the balancer, which makes hello's
// connection ids).
#include "actors/cluster_manager/declared_services.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(DeclaredServices, OnlyDeclaredListsAreKept) {
  declared_services d;
  storage::terminal_record printer;
  printer.terminal_id = "T1";
  d.remember(printer);
  EXPECT_EQ(d.size(), 0u); // the default list costs nothing
  EXPECT_TRUE(d.of("T1").empty());
  storage::terminal_record scanner;
  scanner.terminal_id = "T2";
  scanner.services = {"print", "scan"};
  d.remember(scanner);
  EXPECT_EQ(d.of("T2"), (std::vector<std::string>{"print", "scan"}));
  // Registering again without a list forgets it.
  scanner.services.clear();
  d.remember(scanner);
  EXPECT_TRUE(d.of("T2").empty());
  EXPECT_EQ(d.size(), 0u);
  EXPECT_TRUE(d.of("unknown").empty());
}

} // namespace
} // namespace tether
