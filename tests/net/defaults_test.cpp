// Defaults that a crash test cannot show (issue 15, item 7): kill -9 keeps
// what RocksDB wrote without a WAL sync, so only the setting itself shows
// that tetherd syncs; and the callback attempts docs/API.md promises.
#include <gtest/gtest.h>

#include "actors/control/control.hpp"
#include "net/deployment.hpp"

TEST(defaults, tetherd_syncs_the_wal_on_every_write) {
  // tetherd_main.cpp starts the deployment with default options.
  EXPECT_TRUE(tether::net::deployment_options{}.sync_writes);
}

TEST(defaults, a_callback_is_tried_eight_times) {
  tether::control_settings s;
  EXPECT_EQ(s.callbacks.max_attempts, 8u);
  EXPECT_EQ(s.callbacks.first_backoff, std::chrono::seconds{1});
  EXPECT_EQ(s.callbacks.max_backoff, std::chrono::seconds{60});
}
