// started_retrying (tests/support/process.hpp): a start that throws is
// tried again on a newly made object, at most `attempts` times in all.
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

using tether::test::started_retrying;

namespace {

struct fake {
  int made = 0; // which make() built it (1-based)
  bool started = false;
};

/// make() counts in `made`; the start of the first `failures` throws.
auto run(int failures, int& made, int& starts, int attempts = 3) {
  return started_retrying([&] { return std::make_unique<fake>(fake{++made}); },
                          [&](fake& f) {
                            if (++starts <= failures)
                              throw std::runtime_error("port taken");
                            f.started = true;
                          },
                          attempts);
}

} // namespace

TEST(StartedRetrying, AFirstStartThatWorksMakesOne) {
  int made = 0, starts = 0;
  auto f = run(0, made, starts);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(starts, 1);
  EXPECT_TRUE(f->started);
}

TEST(StartedRetrying, AFailedStartGoesAgainOnANewOne) {
  int made = 0, starts = 0;
  auto f = run(2, made, starts);
  EXPECT_EQ(made, 3);
  EXPECT_EQ(f->made, 3);
  EXPECT_TRUE(f->started);
}

TEST(StartedRetrying, TheLastFailureIsThrownAfterAllAttempts) {
  int made = 0, starts = 0;
  EXPECT_THROW(run(3, made, starts), std::runtime_error);
  EXPECT_EQ(starts, 3);
  made = starts = 0;
  EXPECT_THROW(run(5, made, starts, 5), std::runtime_error);
  EXPECT_EQ(starts, 5);
}
