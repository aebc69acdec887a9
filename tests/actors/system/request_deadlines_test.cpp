// request_deadlines: an actor's own queue of request deadlines (the timer
// that sweeps it is tested with the gateway, the balancer and the manager).
#include "actors/system/request_deadlines.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

using namespace std::chrono_literals;

caf::message_id request(uint64_t n) {
  return caf::make_message_id(n);
}

class RequestDeadlines : public ::testing::Test {
protected:
  request_deadlines book{100ms};
  request_deadlines::time_point t0{};

  /// The ids `expire` gives at `now`, as request numbers.
  std::vector<uint64_t> expired(request_deadlines::time_point now) {
    std::vector<uint64_t> out;
    book.expire(now, [&](caf::message_id id) {
      out.push_back(id.request_id().integer_value());
    });
    return out;
  }
};

TEST_F(RequestDeadlines, OnlyTheFirstOfAnIdleBookArmsTheTimer) {
  EXPECT_TRUE(book.add(request(1), t0));
  EXPECT_FALSE(book.add(request(2), t0 + 10ms));
  book.done(request(1));
  book.done(request(2));
  EXPECT_EQ(book.waiting(), 0u);
  EXPECT_TRUE(book.add(request(3), t0 + 20ms));
}

TEST_F(RequestDeadlines, ExpiresWhatIsDueAndStillWaitingOldestFirst) {
  book.add(request(1), t0);
  book.add(request(2), t0 + 10ms);
  book.add(request(3), t0 + 20ms);
  book.add(request(4), t0 + 30ms);
  book.done(request(2));
  EXPECT_EQ(expired(t0 + 99ms), std::vector<uint64_t>{});
  EXPECT_EQ(expired(t0 + 120ms), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(book.waiting(), 1u);
  ASSERT_TRUE(book.next_due());
  EXPECT_EQ(*book.next_due(), t0 + 130ms);
  EXPECT_EQ(expired(t0 + 1s), std::vector<uint64_t>{4});
  EXPECT_FALSE(book.next_due());
}

TEST_F(RequestDeadlines, TheNextDueIsTheOldestWaitingRequest) {
  book.add(request(1), t0);
  book.add(request(2), t0 + 10ms);
  book.add(request(3), t0 + 20ms);
  EXPECT_EQ(*book.next_due(), t0 + 100ms);
  book.done(request(1));
  EXPECT_EQ(*book.next_due(), t0 + 110ms);
  book.done(request(3)); // answered out of order: 2 still waits
  EXPECT_EQ(*book.next_due(), t0 + 110ms);
  book.done(request(2));
  EXPECT_FALSE(book.next_due());
}

TEST_F(RequestDeadlines, UnknownRepeatedAndExpiredIdsAreIgnored) {
  book.add(request(5), t0);
  book.add(request(6), t0 + 10ms);
  book.done(request(4)); // never added
  book.done(request(5));
  book.done(request(5)); // twice
  EXPECT_EQ(book.waiting(), 1u);
  EXPECT_EQ(expired(t0 + 200ms), std::vector<uint64_t>{6});
  book.done(request(6)); // its answer after it expired
  EXPECT_EQ(book.waiting(), 0u);
  EXPECT_EQ(expired(t0 + 10s), std::vector<uint64_t>{});
}

TEST_F(RequestDeadlines, GivesBackTheResponseIdsItWasGiven) {
  // A response_handle's id is the answer's (the response flag set): the
  // timeout must be delivered under that id.
  auto id = caf::make_message_id(7).response_id();
  book.add(id, t0);
  book.add(caf::make_message_id(8).response_id(), t0 + 1ms);
  book.done(caf::make_message_id(8).response_id());
  std::vector<caf::message_id> out;
  book.expire(t0 + 1s, [&](caf::message_id x) { out.push_back(x); });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], id);
  EXPECT_TRUE(out[0].is_response());
}

} // namespace
} // namespace tether
