// The control under the deterministic fixture.
//
//   RegisterFlow: control + the real selector and cluster_manager with a fake
//     store: register picks the matching cluster, persists before answering,
//     and answers `unavailable` when nothing matches or the store fails.
//   ControlFlow: control with fakes: a pushed job is stored before it is
//     answered and routed; a session's `open` gets the terminal's unfinished
//     jobs; the queue limit; service facts stored before the answer; TTL
//     expiry and its callback; API history flushed on the timer.
#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/control/control.hpp"
#include "actors/selector/selector.hpp"
#include "actors/system/close_codes.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

class RegisterFlow : public ActorFlow {
protected:
  RegisterFlow() {
    topo = default_topology();
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    selector_h = own(sys.spawn(selector, topo.label_items));
    manager = spawn_manager(topo, store_h);
    control_settings cs;
    cs.request_timeout = topo.timers.request_timeout;
    control_h = own(
      sys.spawn(control, cs, control_snapshot{}, selector_h, manager, store_h,
                http_poster_ptr{std::make_shared<fake_poster>()}));
    sched.run();
  }

  config::topology topo;
  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  store_actor store_h;
  selector_actor selector_h;
  cluster_manager_actor manager;
  control_actor control_h;
};

TEST_F(RegisterFlow, PicksTheMatchingClusterAndPersistsBeforeAnswering) {
  slog->mode = store_log::hold;
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T1", "GG1", "GJ2"));
  sched.run();
  // The assignment is being written; nobody has an answer yet.
  ASSERT_EQ(slog->terminals.size(), 1u);
  EXPECT_EQ(slog->terminals[0].terminal_id, "T1");
  EXPECT_EQ(slog->terminals[0].cluster_id, "C1");
  EXPECT_EQ(slog->terminals[0].model, "GJ2");
  EXPECT_FALSE(reg->done);
  auto early = ask<std::string>(manager, lookup_atom::value, std::string{"T1"});
  sched.run();
  ASSERT_TRUE(early->done);
  EXPECT_FALSE(early->value) << "mapped before it was stored";
  // Stored: now the answer comes.
  release(store_h);
  ASSERT_TRUE(reg->done);
  ASSERT_TRUE(reg->value) << sys.render(reg->error);
  EXPECT_EQ(reg->value->terminal_id, "T1");
  EXPECT_EQ(reg->value->cluster_id, "C1");
  EXPECT_EQ(reg->value->cluster_urls,
            std::vector<std::string>{"ws://127.0.0.1:9101/v1/connect"});
  EXPECT_EQ(reg->value->keepalive_s, 30u);
  auto lookup
    = ask<std::string>(manager, lookup_atom::value, std::string{"T1"});
  sched.run();
  ASSERT_TRUE(lookup->value);
  EXPECT_EQ(*lookup->value, "C1");
  // The control knows the terminal now.
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value) << sys.render(status->error);
  EXPECT_EQ(status->value->record.cluster_id, "C1");
  EXPECT_FALSE(status->value->connected);
}

TEST_F(RegisterFlow, OtherRegionGoesToTheOtherCluster) {
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T2", "GG2", "GJ7"));
  sched.run();
  ASSERT_TRUE(reg->value) << sys.render(reg->error);
  EXPECT_EQ(reg->value->cluster_id, "C2");
  EXPECT_EQ(reg->value->cluster_urls,
            std::vector<std::string>{"ws://127.0.0.1:9201/v1/connect"});
  ASSERT_EQ(slog->terminals.size(), 1u);
  EXPECT_EQ(slog->terminals[0].cluster_id, "C2");
  // Registering again keeps the cluster (and stores it again).
  reg = ask<destination>(control_h, register_atom::value,
                         device_facts("T2", "GG2", "GJ7"));
  sched.run();
  ASSERT_TRUE(reg->value);
  EXPECT_EQ(reg->value->cluster_id, "C2");
}

TEST_F(RegisterFlow, NoMatchingClusterIsUnavailable) {
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T3", "GG9", "GJ1"));
  sched.run();
  ASSERT_TRUE(reg->done);
  EXPECT_FALSE(reg->value);
  auto v = view(reg->error);
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_NE(v.message.find("region=GG9"), std::string::npos) << v.message;
  EXPECT_TRUE(slog->terminals.empty()) << "nothing to store";
  auto lookup
    = ask<std::string>(manager, lookup_atom::value, std::string{"T3"});
  sched.run();
  EXPECT_EQ(view(lookup->error).code, errc::not_found);
}

TEST_F(RegisterFlow, StoreFailureIsUnavailableAndNothingIsMapped) {
  slog->mode = store_log::fail;
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T4", "GG1", "GJ1"));
  sched.run();
  ASSERT_TRUE(reg->done);
  EXPECT_FALSE(reg->value);
  auto v = view(reg->error);
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_NE(v.message.find("could not be stored"), std::string::npos)
    << v.message;
  auto lookup
    = ask<std::string>(manager, lookup_atom::value, std::string{"T4"});
  sched.run();
  EXPECT_EQ(view(lookup->error).code, errc::not_found);
  auto status = terminal_of(control_h, "T4");
  EXPECT_EQ(view(status->error).code, errc::not_found);
}

// GET /v1/terminals: each terminal with its label of the items in use (the
// selector's); a selector that is gone leaves the list without labels, not
// without terminals.
TEST_F(RegisterFlow, TheTerminalListCarriesLabelsAndOutlivesTheSelector) {
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T1", "GG1", "GJ2"));
  sched.run();
  ASSERT_TRUE(reg->value) << sys.render(reg->error);
  auto list = [&] {
    auto r = ask<std::vector<terminal_status>>(control_h, get_atom::value,
                                               terminal_atom::value,
                                               std::string{"T"}, uint32_t{10});
    sched.run();
    EXPECT_TRUE(r->value) << sys.render(r->error);
    return r->value.value_or(std::vector<terminal_status>{});
  };
  auto with_selector = list();
  ASSERT_EQ(with_selector.size(), 1u);
  EXPECT_EQ(with_selector[0].record.terminal_id, "T1");
  EXPECT_EQ(with_selector[0].label.items.at("region"), "GG1");
  caf::anon_send_exit(selector_h, caf::exit_reason::kill);
  sched.run();
  auto without = list();
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(without[0].record.terminal_id, "T1");
  EXPECT_TRUE(without[0].label.items.empty());
}

TEST_F(RegisterFlow, StoreThatNeverAnswersTimesOut) {
  // The store may block on a stalled disk: its writes keep their timer
  // even in the control's own process (store_then, timeout_to.hpp).
  slog->mode = store_log::hold;
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T5", "GG1", "GJ1"));
  sched.run();
  EXPECT_FALSE(reg->done);
  // The store stays silent past the request timeout (5 s by default).
  advance(topo.timers.request_timeout);
  ASSERT_TRUE(reg->done);
  EXPECT_FALSE(reg->value);
  EXPECT_EQ(view(reg->error).code, errc::unavailable);
}

TEST_F(RegisterFlow, AStoreThatIsGoneIsUnavailableAtOnce) {
  caf::anon_send_exit(store_h, caf::exit_reason::kill);
  sched.run();
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T5", "GG1", "GJ1"));
  sched.run();
  ASSERT_TRUE(reg->done) << "a write to a dead store never ended";
  EXPECT_EQ(view(reg->error).code, errc::unavailable);
  auto lookup
    = ask<std::string>(manager, lookup_atom::value, std::string{"T5"});
  sched.run();
  EXPECT_EQ(view(lookup->error).code, errc::not_found);
}

class ControlFlow : public ControlOnTwoTerminals {
protected:
  /// The control's timer period (control_state::tick_period).
  caf::timespan settings_tick = std::chrono::seconds{1};
};

TEST_F(ControlFlow, PushedJobIsStoredBeforeItIsAnswered) {
  start({}, 5);
  slog->mode = store_log::hold;
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), 1u);
  ASSERT_EQ(slog->job_puts[0].first.size(), 1u);
  const auto& written = slog->job_puts[0].first[0];
  // The sequence, then 16 random hex digits (unguessable ids).
  EXPECT_EQ(written.job_id.substr(0, 17), storage::store::job_id_for(5));
  EXPECT_EQ(written.job_id.size(), 33u);
  EXPECT_EQ(written.status, "queued");
  EXPECT_EQ(written.terminal_id, "T1");
  EXPECT_EQ(written.payload_json, R"({"doc":"x"})");
  EXPECT_EQ(slog->job_puts[0].second, 6u)
    << "the next sequence is stored with the job";
  EXPECT_FALSE(push->done) << "answered before the job was stored";
  EXPECT_TRUE(mlog->delivered.empty()) << "routed before the job was stored";
  release(store_h);
  ASSERT_TRUE(push->done);
  ASSERT_TRUE(push->value) << sys.render(push->error);
  EXPECT_EQ(push->value->job_id, written.job_id);
  EXPECT_EQ(push->value->status, "queued");
  ASSERT_EQ(mlog->delivered.size(), 1u);
  EXPECT_EQ(mlog->delivered[0].job_id, push->value->job_id);
  // The next push takes the next id.
  slog->mode = store_log::answer;
  auto next = ask<job_record>(control_h, push_atom::value, job_request("T2"));
  sched.run();
  ASSERT_TRUE(next->value);
  EXPECT_EQ(next->value->job_id.substr(0, 17), storage::store::job_id_for(6));
  EXPECT_NE(next->value->job_id.substr(17), push->value->job_id.substr(17));
  // And the job can be read back.
  auto got = ask<job_record>(control_h, get_atom::value, job_atom::value,
                             push->value->job_id);
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(got->value->terminal_id, "T1");
}

TEST_F(ControlFlow, PushForUnknownTerminalIsNotFound) {
  start();
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T9"));
  sched.run();
  ASSERT_TRUE(push->done);
  EXPECT_EQ(view(push->error).code, errc::not_found);
  EXPECT_TRUE(slog->job_puts.empty());
}

TEST_F(ControlFlow, PushThatCannotBeStoredIsUnavailableAndForgotten) {
  start();
  slog->mode = store_log::fail;
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_TRUE(push->done);
  // The control does not know the job (it asks the store, which does not).
  expect_not_stored(push->error);
  // And a session that opens does not get it.
  auto sl = std::make_shared<session_log>();
  auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s, std::string{}, uint64_t{1});
  sched.run();
  EXPECT_TRUE(sl->delivered.empty());
}

TEST_F(ControlFlow, ASessionMovedToAnotherNodeIsAHistoryRecord) {
  start();
  auto sl = std::make_shared<session_log>();
  auto s1 = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  auto s2 = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s1, std::string{"10.0.0.7"},
                 uint64_t{1});
  caf::anon_send(control_h, move_atom::value,
                 session_moved{"T1", "C1-n2", s2, 1, {}, {}});
  // Announced again after a control restart: not a new record.
  caf::anon_send(control_h, peer_atom::value, std::string{"T1"},
                 std::string{"C1-n2"}, s2, uint64_t{1});
  sched.run();
  advance(settings_tick);
  std::vector<std::string> got;
  for (const auto& c : slog->calls)
    got.push_back(c.event + "@" + c.node + "@" + c.address);
  EXPECT_EQ(got, (std::vector<std::string>{"connect@C1-n1@10.0.0.7",
                                           "moved@C1-n2@10.0.0.7"}));
}

// A graceful stop (net/ordered_stop.hpp) asks the control to flush: the
// disconnect a closing session reported goes to the store at once, not
// with the next tick.
TEST_F(ControlFlow, AFlushHandsThePendingRecordsToTheStoreAtOnce) {
  start();
  auto sl = std::make_shared<session_log>();
  auto s1 = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s1, std::string{"10.0.0.7"},
                 uint64_t{1});
  caf::anon_send(control_h, closed_atom::value, std::string{"T1"},
                 std::string{close_reason::shutdown}, s1);
  // T2's network dropped just before the stop: its disconnect event (GE)
  // is stored too (a tester's finding: a storm of the last second formed
  // no class after the restart).
  auto s2 = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T2"},
                 std::string{"C1-n1"}, s2, std::string{"10.0.0.8"},
                 uint64_t{1});
  caf::anon_send(control_h, closed_atom::value, std::string{"T2"},
                 std::string{"connection closed"}, s2);
  sched.run();
  ASSERT_TRUE(slog->calls.empty()) << "handed over before the tick";
  ASSERT_TRUE(slog->event_puts.empty());
  auto flushed = ask<ok_atom>(control_h, flush_atom::value);
  sched.run(); // no timer: the tick has not come
  ASSERT_TRUE(flushed->done);
  ASSERT_TRUE(flushed->value) << sys.render(flushed->error);
  std::vector<std::string> got;
  for (const auto& c : slog->calls)
    got.push_back(c.terminal_id + ":" + c.event + "@" + c.detail);
  EXPECT_EQ(got, (std::vector<std::string>{
                   "T1:connect@", "T1:disconnect@server shutting down",
                   "T2:connect@", "T2:disconnect@connection closed"}));
  // Only T2's: the stop's own disconnect is no event.
  ASSERT_EQ(slog->event_puts.size(), 1u);
  ASSERT_EQ(slog->event_puts[0].first.size(), 1u);
  EXPECT_EQ(slog->event_puts[0].first[0].terminal_id, "T2");
}

TEST_F(ControlFlow, TheJobPathHandsHistoryRecordsOverOnceAChunkIsPending) {
  start({}, 5);
  for (int i = 0; i < 300; ++i)
    ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  // No tick yet: the first 256 job_pushed records went with the job
  // writes, the rest wait for the tick.
  ASSERT_EQ(slog->calls.size(), 256u);
  for (size_t i = 0; i < slog->calls.size(); ++i) {
    EXPECT_EQ(slog->calls[i].event, "job_pushed");
    if (i > 0) { // in the order they were made
      EXPECT_EQ(slog->calls[i].seq, slog->calls[i - 1].seq + 1);
    }
  }
  advance(settings_tick);
  EXPECT_EQ(slog->calls.size(), 300u);
}

TEST_F(ControlFlow, AJobWriteWaitsForTheLocalStoreWithoutATimeout) {
  // The store is in the control's process: the job path's writes carry no
  // timer (docs/ARCHITECTURE.md), so a slow write is still a stored job.
  start({}, 5);
  slog->mode = store_log::hold;
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), 1u);
  advance(settings.request_timeout * 2);
  EXPECT_FALSE(push->done) << "the control gave up on a write in progress";
  release(store_h);
  ASSERT_TRUE(push->done);
  ASSERT_TRUE(push->value) << sys.render(push->error);
  ASSERT_EQ(mlog->delivered.size(), 1u);
  EXPECT_EQ(mlog->delivered[0].job_id, push->value->job_id);
}

TEST_F(ControlFlow, AJobWriteToAStoreThatIsGoneIsUnavailable) {
  start({}, 5);
  caf::anon_send_exit(store_h, caf::exit_reason::kill);
  sched.run();
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_TRUE(push->done) << "a write to a dead store never ended";
  EXPECT_EQ(view(push->error).code, errc::unavailable);
  EXPECT_NE(view(push->error).message.find("could not be stored"),
            std::string::npos)
    << view(push->error).message;
  EXPECT_TRUE(mlog->delivered.empty());
  // Nothing was kept of it: the next push takes the same sequence number.
  EXPECT_TRUE(slog->job_puts.empty());
}

TEST_F(ControlFlow, OpenGetsTheUnfinishedJobs) {
  start({stored_job(1, "T1", "queued"), stored_job(2, "T1", "delivered"),
         stored_job(3, "T1", "acked"), stored_job(4, "T1", "done"),
         stored_job(5, "T2", "queued"), stored_job(6, "T1", "queued")},
        7);
  auto sl = std::make_shared<session_log>();
  auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n2"}, s, std::string{}, uint64_t{2});
  sched.run();
  std::vector<std::string> got;
  for (const auto& j : sl->delivered)
    got.push_back(j.job_id);
  // Every open job, acknowledged ones too (their result may have been lost
  // with the old session), oldest first; not the finished one, not T2's.
  EXPECT_EQ(got, (std::vector<std::string>{storage::store::job_id_for(1),
                                           storage::store::job_id_for(2),
                                           storage::store::job_id_for(3),
                                           storage::store::job_id_for(6)}));
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_TRUE(status->value->connected);
  EXPECT_EQ(status->value->node_id, "C1-n2");
  EXPECT_EQ(status->value->connects, 1u);
  EXPECT_EQ(status->value->open_jobs, 4u);
}

TEST_F(ControlFlow, QueuedJobOfAConnectedTerminalReachesItsSession) {
  // The route through the cluster manager is not there (a manager that
  // restarted and whose balancers have not joined again): the fake manager
  // takes the job and hands it to no one. The terminal is connected, so the
  // control's sweep hands the job to its session directly.
  settings.stuck_after = 0ms; // the sweep's wait, made 0 for this test
  start({}, 5);
  auto sl = std::make_shared<session_log>();
  auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s, std::string{}, uint64_t{3});
  sched.run();
  ASSERT_TRUE(sl->delivered.empty());
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_TRUE(push->value) << sys.render(push->error);
  ASSERT_EQ(mlog->delivered.size(), 1u);
  EXPECT_TRUE(sl->delivered.empty()) << "the route went nowhere";
  advance(settings_tick);
  ASSERT_EQ(sl->delivered.size(), 1u);
  EXPECT_EQ(sl->delivered[0].job_id, push->value->job_id);
  // Once the device has it, it is not handed over again.
  caf::anon_send(control_h,
                 job_update{push->value->job_id, "T1", "delivered", ""});
  sched.run();
  advance(settings_tick);
  advance(settings_tick);
  EXPECT_EQ(sl->delivered.size(), 1u);
}

TEST_F(ControlFlow, StaleSessionAnnouncingFirstDoesNotWinAfterARestart) {
  // A node was frozen, its balancer moved the session elsewhere (a larger
  // generation), then the control restarted. Both sessions announce
  // themselves to the new control, the stale one first.
  start({stored_job(1, "T1", "queued")}, 2);
  auto stale_log = std::make_shared<session_log>();
  auto stale
    = own(spawn_fake<terminal_session_actor>(sys, fake_session, stale_log));
  auto current_log = std::make_shared<session_log>();
  auto current
    = own(spawn_fake<terminal_session_actor>(sys, fake_session, current_log));
  caf::anon_send(control_h, peer_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, stale, uint64_t{100});
  sched.run();
  caf::anon_send(control_h, peer_atom::value, std::string{"T1"},
                 std::string{"C1-n2"}, current, uint64_t{200});
  sched.run();
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_TRUE(status->value->connected);
  EXPECT_EQ(status->value->node_id, "C1-n2");
  EXPECT_EQ(status->value->connects, 0u) << "announcing again is no connect";
  // The current session got the open job; the stale one is told to end.
  ASSERT_EQ(current_log->delivered.size(), 1u);
  EXPECT_EQ(stale_log->closed,
            (std::vector<std::string>{"superseded by a newer session"}));
  // The other order: the stale one announcing last is refused at once.
  caf::anon_send(control_h, peer_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, stale, uint64_t{100});
  sched.run();
  status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_EQ(status->value->node_id, "C1-n2");
  EXPECT_EQ(current_log->delivered.size(), 1u);
  EXPECT_EQ(stale_log->closed.size(), 2u);
  // The stale session's close changes nothing.
  caf::anon_send(control_h, closed_atom::value, std::string{"T1"},
                 std::string{"superseded by a newer session"}, stale);
  sched.run();
  status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_TRUE(status->value->connected);
}

TEST_F(ControlFlow, JobUpdatesArePersistedOnlyWhenTheyMoveForward) {
  start({stored_job(1, "T1", "queued"), stored_job(3, "T1", "acked")}, 4);
  caf::anon_send(control_h,
                 job_update{storage::store::job_id_for(1), "T1", "acked", ""});
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), 1u);
  ASSERT_EQ(slog->job_puts[0].first.size(), 1u);
  EXPECT_EQ(slog->job_puts[0].first[0].job_id, storage::store::job_id_for(1));
  EXPECT_EQ(slog->job_puts[0].first[0].status, "acked");
  EXPECT_EQ(slog->job_puts[0].second, 0u)
    << "an update does not move the sequence";
  // Backwards, and from another terminal's session: nothing to store.
  caf::anon_send(control_h,
                 job_update{storage::store::job_id_for(3), "T1", "queued", ""});
  caf::anon_send(control_h,
                 job_update{storage::store::job_id_for(3), "T2", "done", ""});
  sched.run();
  EXPECT_EQ(slog->job_puts.size(), 1u);
  // A redelivery is counted and stored, but the status stays.
  caf::anon_send(control_h, job_update{storage::store::job_id_for(3), "T1",
                                       "delivered", ""});
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), 2u);
  EXPECT_EQ(slog->job_puts[1].first[0].status, "acked");
  EXPECT_EQ(slog->job_puts[1].first[0].deliveries, 1u);
  auto got = ask<job_record>(control_h, get_atom::value, job_atom::value,
                             storage::store::job_id_for(3));
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(got->value->status, "acked");
}

TEST_F(ControlFlow, StaleSessionsCloseDoesNotDisconnect) {
  start();
  auto old_log = std::make_shared<session_log>();
  auto new_log = std::make_shared<session_log>();
  auto old_s
    = own(spawn_fake<terminal_session_actor>(sys, fake_session, old_log));
  auto new_s
    = own(spawn_fake<terminal_session_actor>(sys, fake_session, new_log));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, old_s, std::string{}, uint64_t{4});
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n2"}, new_s, std::string{}, uint64_t{5});
  caf::anon_send(control_h, closed_atom::value, std::string{"T1"},
                 std::string{"replaced by a newer connection"}, old_s);
  sched.run();
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_TRUE(status->value->connected);
  EXPECT_EQ(status->value->node_id, "C1-n2");
  EXPECT_EQ(status->value->disconnects, 0u);
  caf::anon_send(control_h, closed_atom::value, std::string{"T1"},
                 std::string{"keepalive lost"}, new_s);
  sched.run();
  status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_FALSE(status->value->connected);
  EXPECT_EQ(status->value->disconnects, 1u);
  EXPECT_EQ(status->value->keepalive_failures, 1u);
}

TEST_F(ControlFlow, QueueLimitIsTooManyRequests) {
  settings.max_queue_per_terminal = 2;
  start();
  std::string first;
  for (int i = 0; i < 2; ++i) {
    auto ok = ask<job_record>(control_h, push_atom::value, job_request("T1"));
    sched.run();
    ASSERT_TRUE(ok->value) << sys.render(ok->error);
    if (first.empty())
      first = ok->value->job_id;
  }
  auto third = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_TRUE(third->done);
  auto v = view(third->error);
  EXPECT_EQ(v.code, errc::too_many_requests);
  EXPECT_NE(v.message.find("2 open jobs"), std::string::npos) << v.message;
  EXPECT_EQ(slog->job_puts.size(), 2u) << "a refused job is not stored";
  // Another terminal has its own queue.
  auto other = ask<job_record>(control_h, push_atom::value, job_request("T2"));
  sched.run();
  EXPECT_TRUE(other->value);
  // A finished job makes room.
  caf::anon_send(control_h, job_update{first, "T1", "done", ""});
  sched.run();
  auto again = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  EXPECT_TRUE(again->value) << sys.render(again->error);
}

TEST_F(ControlFlow, AttributesAreStoredBeforeTheAnswer) {
  start();
  slog->mode = store_log::hold;
  auto put = ask<terminal_status>(
    control_h, put_atom::value, attrs_atom::value, std::string{"T1"},
    std::map<std::string, std::string>{{"service", "print"}, {"plan", "free"}});
  sched.run();
  ASSERT_EQ(slog->terminals.size(), 1u);
  EXPECT_EQ(slog->terminals[0].attributes,
            (std::map<std::string, std::string>{{"plan", "free"},
                                                {"service", "print"}}));
  EXPECT_FALSE(put->done);
  release(store_h);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(put->value->record.attributes.at("service"), "print");
  EXPECT_EQ(put->value->record.attributes.at("plan"), "free");
  // Unknown terminal.
  auto unknown = ask<terminal_status>(
    control_h, put_atom::value, attrs_atom::value, std::string{"T9"},
    std::map<std::string, std::string>{{"a", "b"}});
  sched.run();
  EXPECT_EQ(view(unknown->error).code, errc::not_found);
}

// A change over the attribute limit, or one the store does not take, leaves
// the terminal's attributes as they were (applied only once stored).
TEST_F(ControlFlow, RefusedOrUnstoredAttributesChangeNothing) {
  start();
  std::map<std::string, std::string> many;
  for (int i = 0; i < 64; ++i)
    many["k" + std::to_string(i)] = "v"; // 64 new + "plan" = 65
  auto put = ask<terminal_status>(control_h, put_atom::value, attrs_atom::value,
                                  std::string{"T1"}, many);
  sched.run();
  EXPECT_EQ(view(put->error).code, errc::bad_request);
  slog->mode = store_log::fail;
  put = ask<terminal_status>(
    control_h, put_atom::value, attrs_atom::value, std::string{"T1"},
    std::map<std::string, std::string>{{"plan", "free"}});
  sched.run();
  EXPECT_EQ(view(put->error).code, errc::unavailable);
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_EQ(status->value->record.attributes,
            (std::map<std::string, std::string>{{"plan", "paid"}}));
}

TEST_F(ControlFlow, UserLinksAreStoredOnce) {
  start();
  for (int i = 0; i < 2; ++i) {
    auto put
      = ask<terminal_status>(control_h, put_atom::value, user_atom::value,
                             std::string{"u2"}, std::string{"T1"});
    sched.run();
    ASSERT_TRUE(put->value) << sys.render(put->error);
    EXPECT_EQ(put->value->record.users, (std::vector<std::string>{"u1", "u2"}));
  }
  ASSERT_EQ(slog->terminals.size(), 2u);
  EXPECT_EQ(slog->terminals[1].users, (std::vector<std::string>{"u1", "u2"}));
}

TEST_F(ControlFlow, RegistrationKeepsWhatServicesSet) {
  start();
  terminal_record facts;
  facts.terminal_id = "T1";
  facts.region = "GG1";
  facts.attributes = {{"colour", "mono"}}; // "service" is the services'
  auto reg = ask<destination>(control_h, register_atom::value, facts);
  sched.run();
  ASSERT_TRUE(reg->value) << sys.render(reg->error);
  ASSERT_EQ(mlog->assigned.size(), 1u);
  const auto& rec = mlog->assigned[0];
  EXPECT_EQ(rec.attributes, (std::map<std::string, std::string>{
                              {"colour", "mono"}, {"plan", "paid"}}));
  EXPECT_EQ(rec.users, std::vector<std::string>{"u1"});
  EXPECT_EQ(rec.registered_at_ms, 1) << "the first registration time stays";
}

TEST_F(ControlFlow, ExpiredJobIsStoredThenItsCallbackPosted) {
  // Created a minute ago with a ttl of 1 s: the first timer tick expires it.
  auto job = stored_job(1, "T1", "queued");
  job.ttl_s = 1;
  job.created_at_ms = now_ms() - 60'000;
  job.callback_url = "http://127.0.0.1:9/cb";
  start({job}, 2);
  ASSERT_FALSE(slog->job_puts.empty());
  const auto& put = slog->job_puts.back();
  ASSERT_EQ(put.first.size(), 1u);
  EXPECT_EQ(put.first[0].job_id, job.job_id);
  EXPECT_EQ(put.first[0].status, "expired");
  EXPECT_TRUE(put.first[0].callback_pending);
  EXPECT_EQ(put.second, 0u);
  // Stored, so the notifier posts the job body to its callback URL.
  ASSERT_EQ(poster->calls.size(), 1u);
  EXPECT_EQ(poster->calls[0].url, "http://127.0.0.1:9/cb");
  auto body = parse(poster->calls[0].body);
  EXPECT_EQ(json::value_to<std::string>(body.at("job_id")), job.job_id);
  EXPECT_EQ(body.at("status"), "expired");
  // The callback is accepted: that is stored too (no second callback after a
  // restart).
  auto puts = slog->job_puts.size();
  poster->calls[0].done(true, "HTTP 200");
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), puts + 1);
  EXPECT_FALSE(slog->job_puts.back().first[0].callback_pending);
  auto got
    = ask<job_record>(control_h, get_atom::value, job_atom::value, job.job_id);
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(got->value->status, "expired");
  EXPECT_FALSE(got->value->callback_pending);
  EXPECT_EQ(got->value->callback_outcome, "accepted");
  EXPECT_EQ(got->value->callback_attempts, 1u);
  EXPECT_EQ(slog->job_puts.back().first[0].callback_outcome, "accepted");
}

TEST_F(ControlFlow, PendingCallbacksResumeAtStart) {
  auto job = stored_job(1, "T1", "done");
  job.callback_url = "http://127.0.0.1:9/cb";
  job.callback_pending = true;
  start({job}, 2);
  ASSERT_EQ(poster->calls.size(), 1u);
  EXPECT_EQ(
    json::value_to<std::string>(parse(poster->calls[0].body).at("job_id")),
    job.job_id);
}

TEST_F(ControlFlow,
       DisconnectsAreRecordedWithTheSourceAddressAndStoredOnTheTimer) {
  start();
  auto sl = std::make_shared<session_log>();
  auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s, std::string{"10.0.0.9"}, uint64_t{6});
  sched.run();
  EXPECT_TRUE(slog->event_puts.empty());
  caf::anon_send(control_h, closed_atom::value, std::string{"T1"},
                 std::string{"gone"}, s);
  sched.run();
  EXPECT_TRUE(slog->event_puts.empty())
    << "written by the timer, not per event";
  advance(1s);
  ASSERT_EQ(slog->event_puts.size(), 1u);
  ASSERT_EQ(slog->event_puts[0].first.size(), 1u);
  EXPECT_EQ(slog->event_puts[0].first[0].terminal_id, "T1");
  EXPECT_EQ(slog->event_puts[0].first[0].address, "10.0.0.9");
  EXPECT_GT(slog->event_puts[0].first[0].at_ms, 0);
  // A close of a session that is not the current one records nothing.
  auto other = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, closed_atom::value, std::string{"T1"},
                 std::string{"gone"}, other);
  sched.run();
  advance(1s);
  EXPECT_EQ(slog->event_puts.size(), 1u);
}

TEST_F(ControlFlow, DonePrintJobsCountForPrintAndUsageFrequency) {
  auto print = stored_job(1, "T1", "acked");
  auto scan = stored_job(2, "T1", "acked");
  scan.service = "scan";
  auto failed = stored_job(3, "T1", "acked");
  start({print, scan, failed}, 4);
  caf::anon_send(control_h, job_update{print.job_id, "T1", "done", ""});
  caf::anon_send(control_h, job_update{scan.job_id, "T1", "done", ""});
  caf::anon_send(control_h, job_update{failed.job_id, "T1", "failed", "jam"});
  sched.run();
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_EQ(status->value->api.window_prints, 1u); // the print job only
  EXPECT_EQ(status->value->api.window_jobs,
            2u); // done, any service; not failed
  advance(1s);
  ASSERT_FALSE(slog->history_puts.empty());
  EXPECT_EQ(slog->history_puts.back()[0].window_prints, 1u);
}

// A push counts in its terminal's API calls (GC) once it is stored, and
// only then: one the store failed, or on an unknown terminal, counts nowhere.
TEST_F(ControlFlow, ApiHistoryIsFlushedOnTheTimer) {
  start();
  for (int i = 0; i < 2; ++i)
    ask<job_record>(control_h, push_atom::value, job_request("T1"));
  ask<job_record>(control_h, push_atom::value, job_request("T9"));
  sched.run();
  slog->mode = store_log::fail;
  auto failed = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_TRUE(failed->done);
  ASSERT_FALSE(failed->value) << "the store refused it";
  slog->mode = store_log::answer;
  EXPECT_TRUE(slog->history_puts.empty())
    << "written by the timer, not per call";
  advance(1s);
  ASSERT_EQ(slog->history_puts.size(), 1u);
  ASSERT_EQ(slog->history_puts[0].size(), 1u);
  EXPECT_EQ(slog->history_puts[0][0].terminal_id, "T1");
  EXPECT_EQ(slog->history_puts[0][0].calls, 2u);
  EXPECT_EQ(slog->history_puts[0][0].errors, 0u); // GD: not API errors
  // Nothing new: nothing written.
  advance(1s);
  EXPECT_EQ(slog->history_puts.size(), 1u);
  auto status = terminal_of(control_h, "T1");
  ASSERT_TRUE(status->value);
  EXPECT_EQ(status->value->api.calls, 2u);
}

} // namespace
} // namespace tether::actor_test
