// notifier with a fake http_poster under the deterministic fixture:
// callbacks, retries with backoff, giving up, the in-flight bound.
#include "actors/notifier/notifier.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

class NotifierFlow : public ActorFlow {
protected:
  NotifierFlow() {
    control_h = own(spawn_fake<control_actor>(sys, fake_control, clog));
  }

  void start(notifier_settings cfg) {
    notify = own(sys.spawn(notifier, cfg, http_poster_ptr{poster}, control_h));
    sched.run();
  }

  static job_record finished(const std::string& id) {
    job_record j;
    j.job_id = id;
    j.terminal_id = "T1";
    j.service = "print";
    j.status = "done";
    j.callback_url = "http://127.0.0.1:9/cb/" + id;
    j.callback_pending = true;
    return j;
  }

  void answer(size_t call, bool ok) {
    poster->calls.at(call).done(ok, ok ? "HTTP 200" : "HTTP 503");
    sched.run();
  }

  std::shared_ptr<control_log> clog = std::make_shared<control_log>();
  std::shared_ptr<fake_poster> poster = std::make_shared<fake_poster>();
  control_actor control_h;
  notifier_actor notify;
};

TEST_F(NotifierFlow, AcceptedCallbackIsReported) {
  start({});
  caf::anon_send(notify, callback_atom::value, finished("J1"));
  sched.run();
  ASSERT_EQ(poster->calls.size(), 1u);
  EXPECT_EQ(poster->calls[0].url, "http://127.0.0.1:9/cb/J1");
  auto body = parse(poster->calls[0].body);
  EXPECT_EQ(body.at("job_id"), "J1"); // the body of GET /v1/jobs/{id}
  EXPECT_EQ(body.at("status"), "done");
  EXPECT_TRUE(clog->callbacks.empty());
  answer(0, true);
  ASSERT_EQ(clog->callbacks.size(), 1u);
  EXPECT_EQ(clog->callbacks[0], std::make_pair(std::string{"J1"}, true));
  // Once accepted, it is not posted again.
  advance(10min);
  EXPECT_EQ(poster->calls.size(), 1u);
}

TEST_F(NotifierFlow, RetriesWithBackoffThenGivesUp) {
  notifier_settings cfg;
  cfg.max_attempts = 4;
  cfg.first_backoff = 1s;
  cfg.max_backoff = 3s;
  start(cfg);
  caf::anon_send(notify, callback_atom::value, finished("J1"));
  sched.run();
  ASSERT_EQ(poster->calls.size(), 1u);
  answer(0, false);
  // Attempt 2 after 1 s.
  advance(999ms);
  EXPECT_EQ(poster->calls.size(), 1u);
  advance(1ms);
  ASSERT_EQ(poster->calls.size(), 2u);
  answer(1, false);
  // Attempt 3 after 2 s.
  advance(1999ms);
  EXPECT_EQ(poster->calls.size(), 2u);
  advance(1ms);
  ASSERT_EQ(poster->calls.size(), 3u);
  answer(2, false);
  // Attempt 4 after 3 s (4 s capped at max_backoff).
  advance(2999ms);
  EXPECT_EQ(poster->calls.size(), 3u);
  advance(1ms);
  ASSERT_EQ(poster->calls.size(), 4u);
  EXPECT_TRUE(clog->callbacks.empty());
  answer(3, false);
  // The last attempt failed: given up, and the control is told.
  ASSERT_EQ(clog->callbacks.size(), 1u);
  EXPECT_EQ(clog->callbacks[0], std::make_pair(std::string{"J1"}, false));
  EXPECT_EQ(clog->callback_posts, std::vector<uint32_t>{4});
  advance(1h);
  EXPECT_EQ(poster->calls.size(), 4u);
}

// A refused address (the poster's guard: e.g. the gateway itself) is given
// up at once, and the attempt it refused made no POST: attempts 0, not 1.
TEST_F(NotifierFlow, ARefusedAddressIsGivenUpAtOnceWithNoPostCounted) {
  start({});
  caf::anon_send(notify, callback_atom::value, finished("J1"));
  sched.run();
  ASSERT_EQ(poster->calls.size(), 1u);
  poster->calls.at(0).done(false, std::string{http_poster::refused}
                                    + "127.0.0.1 is this deployment's own "
                                      "HTTP gateway");
  sched.run();
  ASSERT_EQ(clog->callbacks.size(), 1u);
  EXPECT_EQ(clog->callbacks[0], std::make_pair(std::string{"J1"}, false));
  EXPECT_EQ(clog->callback_posts, std::vector<uint32_t>{0});
  advance(1h);
  EXPECT_EQ(poster->calls.size(), 1u) << "never tried again";
}

TEST_F(NotifierFlow, SucceedsOnARetry) {
  start({});
  caf::anon_send(notify, callback_atom::value, finished("J1"));
  sched.run();
  answer(0, false);
  advance(1s);
  ASSERT_EQ(poster->calls.size(), 2u);
  answer(1, true);
  ASSERT_EQ(clog->callbacks.size(), 1u);
  EXPECT_TRUE(clog->callbacks[0].second);
}

TEST_F(NotifierFlow, BoundsPostsInFlightAndIgnoresDuplicates) {
  notifier_settings cfg;
  cfg.max_in_flight = 2;
  start(cfg);
  for (const char* id : {"J1", "J2", "J3", "J1"})
    caf::anon_send(notify, callback_atom::value, finished(id));
  sched.run();
  ASSERT_EQ(poster->calls.size(), 2u) << "at most two posts at once";
  answer(0, true);
  ASSERT_EQ(poster->calls.size(), 3u) << "the third starts when one ends";
  EXPECT_EQ(parse(poster->calls[2].body).at("job_id"), "J3");
  answer(1, true);
  answer(2, true);
  EXPECT_EQ(poster->calls.size(), 3u) << "the duplicate J1 was not posted";
  EXPECT_EQ(clog->callbacks.size(), 3u);
}

TEST(NotifierBackoff, DoublesUpToTheCap) {
  notifier_state st;
  st.cfg.first_backoff = 1s;
  st.cfg.max_backoff = 60s;
  EXPECT_EQ(st.backoff(2), 1s);
  EXPECT_EQ(st.backoff(3), 2s);
  EXPECT_EQ(st.backoff(4), 4s);
  EXPECT_EQ(st.backoff(8), 60s);
  EXPECT_EQ(st.backoff(1000), 60s);
}

} // namespace
} // namespace tether::actor_test
