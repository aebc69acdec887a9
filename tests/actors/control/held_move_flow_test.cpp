// The control re-allocates a connected terminal (a cluster drained, or a
// better label class) under the deterministic fixture: while the terminal
// has a job delivered and not yet acknowledged, its move (the `reassign`
// the cluster manager sends) waits; once the device acknowledges it, the
// move goes at its next slot. [drain] job_wait 0 waits for nothing.
#include "storage/store.hpp"
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

using namespace std::chrono_literals;

class HeldMoveFlow : public ControlOnTwoTerminals {
protected:
  void start_busy(std::chrono::milliseconds job_wait) {
    settings.reallocation.window = 0ms;
    settings.reallocation.max_rate = 1000;
    settings.drain_job_wait = job_wait;
    start({stored_job(1, "T1", "delivered")}, 2);
    session = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
    caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                   std::string{"C1-n1"}, session, std::string{}, uint64_t{1});
    sched.run();
  }

  std::shared_ptr<outcome<realloc_summary>> reallocate() {
    auto out
      = ask<realloc_summary>(control_h, realloc_atom::value, std::string{},
                             std::vector<std::string>{"T1"});
    sched.run();
    return out;
  }

  std::shared_ptr<session_log> sl = std::make_shared<session_log>();
  terminal_session_actor session;
};

TEST_F(HeldMoveFlow, MoveWaitsUntilTheDeliveredJobIsAcknowledged) {
  start_busy(600s);
  auto summary = reallocate();
  ASSERT_TRUE(summary->value) << sys.render(summary->error);
  EXPECT_EQ(summary->value->moving, 1u);
  EXPECT_EQ(summary->value->connected, 1u);
  for (int i = 0; i < 5; ++i)
    advance(100ms);
  EXPECT_TRUE(mlog->moves.empty()) << "its job is in flight";
  caf::anon_send(control_h,
                 job_update{storage::store::job_id_for(1), "T1", "acked", ""});
  sched.run();
  advance(100ms);
  advance(100ms);
  EXPECT_EQ(mlog->moves, (std::vector<std::string>{"T1"}));
}

TEST_F(HeldMoveFlow, ZeroJobWaitMovesAtOnce) {
  start_busy(0ms);
  auto summary = reallocate();
  ASSERT_TRUE(summary->value) << sys.render(summary->error);
  advance(100ms);
  EXPECT_EQ(mlog->moves, (std::vector<std::string>{"T1"}));
}

} // namespace
} // namespace tether::actor_test
