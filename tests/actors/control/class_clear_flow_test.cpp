// The control clears a GE class (DELETE /v1/admin/classes/{name}) under the
// deterministic fixture, with a fake store: exactly the members' stored
// disconnect events are deleted (another terminal's event from the same
// span stays: no range up to the class's last event), before the answer;
// a store that cannot delete them answers unavailable.
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

class ClassClearFlow : public ControlOnTwoTerminals {
protected:
  /// T1 is in GE class `ge`; T2 dropped just before T1 but is in none.
  void start_with_class() {
    auto now = now_ms();
    ge = "ge-" + std::to_string(now / 1000);
    t2_event = {now - 3'000, "T2", "10.0.0.2"};
    t1_event = {now - 2'000, "T1", "10.0.0.1"};
    api_history h;
    h.terminal_id = "T1";
    h.disconnect_class = ge;
    snapshot_extra.histories = {h};
    snapshot_extra.disconnects = {t2_event, t1_event};
    start({}, 5, snapshot_extra);
  }

  std::shared_ptr<outcome<uint64_t>> clear() {
    auto out
      = ask<uint64_t>(control_h, retire_atom::value, label_atom::value, ge);
    sched.run();
    return out;
  }

  control_snapshot snapshot_extra;
  std::string ge;
  disconnect_event t1_event;
  disconnect_event t2_event;
};

TEST_F(ClassClearFlow, OnlyTheMembersEventsAreDeletedBeforeTheAnswer) {
  start_with_class();
  slog->mode = store_log::hold;
  auto out = clear();
  EXPECT_FALSE(out->done) << "answered before the events were deleted";
  ASSERT_EQ(slog->event_deletes.size(), 1u);
  ASSERT_EQ(slog->event_deletes[0].size(), 1u);
  EXPECT_EQ(slog->event_deletes[0][0].terminal_id, "T1");
  EXPECT_EQ(slog->event_deletes[0][0].at_ms, t1_event.at_ms);
  release(store_h); // the deletion, then the memberships
  release(store_h);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, 1u);
  // No range deletion reaches T2's event.
  for (const auto& [events, drop_before] : slog->event_puts)
    EXPECT_LE(drop_before, t2_event.at_ms);
  // Unknown now: nothing more is deleted.
  slog->mode = store_log::answer;
  EXPECT_EQ(view(clear()->error).code, errc::not_found);
  EXPECT_EQ(slog->event_deletes.size(), 1u);
}

TEST_F(ClassClearFlow, AStoreThatCannotDeleteAnswersUnavailable) {
  start_with_class();
  slog->mode = store_log::fail;
  auto v = view(clear()->error);
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_EQ(slog->event_deletes.size(), 1u);
}

} // namespace
} // namespace tether::actor_test
