// A session that ended without the control hearing of it (its "closed"
// message lost with its process, or overtaken) must not keep its terminal
// "connected": the control's stuck-job sweep watches the sessions it hands
// jobs to, and a watched session that is gone disconnects its terminal, so
// the jobs wait for the device's next connect instead of being handed to
// nowhere every few seconds (the chaos run of seed 2918001849).
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

using namespace std::chrono_literals;

class SessionProbeFlow : public ControlOnTwoTerminals {
protected:
  SessionProbeFlow() {
    settings.stuck_after = 0ms; // the sweep hands jobs over at each tick
    start({}, 5);
  }

  /// A session of `terminal` that announced itself.
  terminal_session_actor open_session(const std::string& terminal,
                                      uint64_t generation) {
    auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, log));
    caf::anon_send(control_h, open_atom::value, terminal, std::string{"C1-n1"},
                   s, std::string{}, generation);
    sched.run();
    return s;
  }

  /// A job for `terminal` whose route went nowhere (the fake manager keeps
  /// it): it stays queued.
  void push_stuck_job(const std::string& terminal) {
    auto push
      = ask<job_record>(control_h, push_atom::value, job_request(terminal));
    sched.run();
    ASSERT_TRUE(push->value) << sys.render(push->error);
  }

  bool connected(const std::string& terminal) {
    auto status = terminal_of(control_h, terminal);
    return status->value && status->value->connected;
  }

  std::shared_ptr<session_log> log = std::make_shared<session_log>();
  caf::timespan tick = 1s; // control_state::tick_period
};

TEST_F(SessionProbeFlow, ASessionGoneUnseenDisconnectsItsTerminal) {
  auto s = open_session("T1", 3);
  push_stuck_job("T1");
  caf::anon_send_exit(s, caf::exit_reason::kill); // no "closed" is sent
  sched.run();
  ASSERT_TRUE(connected("T1")) << "the control has not heard of it yet";
  advance(tick); // the sweep hands the job over and watches the session
  sched.run();
  EXPECT_TRUE(connected("T1")) << "a closed sent first may still come";
  advance(tick); // the next tick: still its current session, so gone
  sched.run();
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_FALSE(status->value->connected);
  EXPECT_EQ(status->value->disconnects, 1u);
  // Its job waits for the next connect, which gets it.
  auto next_log = std::make_shared<session_log>();
  auto next
    = own(spawn_fake<terminal_session_actor>(sys, fake_session, next_log));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n2"}, next, std::string{}, uint64_t{4});
  sched.run();
  EXPECT_EQ(next_log->delivered.size(), 1u);
}

TEST_F(SessionProbeFlow,
       AWatchedSessionReplacedOrClosedChangesNothingWhenItEnds) {
  auto old_s = open_session("T1", 3);
  push_stuck_job("T1");
  advance(tick); // handed over: old_s is watched
  sched.run();
  ASSERT_FALSE(log->delivered.empty());
  open_session("T1", 4); // the device connected again
  caf::anon_send_exit(old_s, caf::exit_reason::kill);
  sched.run();
  EXPECT_TRUE(connected("T1")) << "the current session is another one";
  // A watched session whose down message overtook its "closed": the
  // closed counts as what it was, once.
  push_stuck_job("T2");
  auto t2 = open_session("T2", 5);
  advance(tick);
  sched.run();
  caf::anon_send_exit(t2, caf::exit_reason::kill);
  sched.run();
  caf::anon_send(control_h, closed_atom::value, std::string{"T2"},
                 std::string{"keepalive lost"}, t2);
  sched.run();
  advance(tick);
  sched.run();
  auto status = terminal_of(control_h, "T2");
  ASSERT_TRUE(status->value);
  EXPECT_FALSE(status->value->connected);
  EXPECT_EQ(status->value->disconnects, 1u);
  EXPECT_EQ(status->value->keepalive_failures, 1u);
}

} // namespace
} // namespace tether::actor_test
