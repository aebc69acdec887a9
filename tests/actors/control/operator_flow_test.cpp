// The control's operator changes under the deterministic fixture: a job
// canceled (DELETE /v1/jobs/{id}) and a terminal retired (DELETE
// /v1/terminals/{id}), each stored before it takes effect, and every
// refusal (404, 409, a store that fails) changing nothing.
#include <memory>
#include <string>
#include <vector>

#include "actors/control/control.hpp"
#include "actors/system/close_codes.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

class OperatorFlow : public ControlOnTwoTerminals {
protected:
  void start(std::vector<job_record> jobs) {
    ControlOnTwoTerminals::start(std::move(jobs), 10);
  }

  /// A session of T1 that the control knows as connected.
  std::shared_ptr<session_log> connect_t1() {
    auto sl = std::make_shared<session_log>();
    auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
    caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                   std::string{"C1-n1"}, s, std::string{}, uint64_t{1});
    sched.run();
    return sl;
  }

  std::shared_ptr<outcome<job_record>> cancel(uint64_t seq) {
    auto out = ask<job_record>(control_h, cancel_atom::value,
                               storage::store::job_id_for(seq));
    sched.run();
    return out;
  }

  std::string status_of(uint64_t seq) {
    auto got = ask<job_record>(control_h, get_atom::value, job_atom::value,
                               storage::store::job_id_for(seq));
    sched.run();
    return got->value ? got->value->status : caf::to_string(got->error);
  }

  static job_record with_callback(job_record j) {
    j.callback_url = "http://127.0.0.1:9/cb";
    return j;
  }
};

// -- DELETE /v1/jobs/{id} ----------------------------------------------------

TEST_F(OperatorFlow, ACancelIsStoredBeforeItIsAnsweredAndItsCallbackPosted) {
  start({with_callback(stored_job(1, "T1", "queued"))});
  slog->mode = store_log::hold;
  auto out = cancel(1);
  ASSERT_EQ(slog->job_puts.size(), 1u);
  EXPECT_EQ(slog->job_puts[0].first.at(0).status, "canceled");
  EXPECT_FALSE(out->done) << "answered before it was stored";
  EXPECT_EQ(status_of(1), "queued") << "applied before it was stored";
  EXPECT_TRUE(poster->calls.empty());
  release(store_h);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(out->value->status, "canceled");
  EXPECT_EQ(status_of(1), "canceled");
  ASSERT_EQ(poster->calls.size(), 1u) << "the callback of a final status";
  EXPECT_NE(poster->calls[0].body.find("\"canceled\""), std::string::npos);
}

TEST_F(OperatorFlow, TheConnectedSessionIsToldAndALateResultIgnored) {
  start({stored_job(1, "T1", "delivered")});
  auto sl = connect_t1();
  auto out = cancel(1);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  ASSERT_EQ(sl->canceled.size(), 1u);
  EXPECT_EQ(sl->canceled[0], storage::store::job_id_for(1));
  auto puts = slog->job_puts.size();
  caf::anon_send(control_h,
                 job_update{storage::store::job_id_for(1), "T1", "done", ""});
  sched.run();
  EXPECT_EQ(slog->job_puts.size(), puts) << "nothing stored for it";
  EXPECT_EQ(status_of(1), "canceled");
  // A new session of the terminal is not sent it.
  auto again = connect_t1();
  EXPECT_TRUE(again->delivered.empty());
}

TEST_F(OperatorFlow, AFinalJobIsAConflictNamingItsStatus) {
  start({stored_job(1, "T1", "done")});
  auto out = cancel(1);
  ASSERT_TRUE(out->done);
  auto v = view(out->error);
  EXPECT_EQ(v.code, errc::conflict);
  EXPECT_NE(v.message.find("already done"), std::string::npos) << v.message;
  EXPECT_TRUE(slog->job_puts.empty());
  EXPECT_EQ(status_of(1), "done");
}

TEST_F(OperatorFlow, AnUnknownJobIsNotFound) {
  start({});
  auto out = cancel(7);
  ASSERT_TRUE(out->done);
  EXPECT_EQ(view(out->error).code, errc::not_found);
  EXPECT_TRUE(slog->job_puts.empty());
}

TEST_F(OperatorFlow, ACancelThatCannotBeStoredChangesNothing) {
  start({stored_job(1, "T1", "queued")});
  slog->mode = store_log::fail;
  auto out = cancel(1);
  ASSERT_TRUE(out->done);
  EXPECT_EQ(view(out->error).code, errc::unavailable);
  EXPECT_EQ(status_of(1), "queued");
}

// -- DELETE /v1/terminals/{id} -----------------------------------------------

TEST_F(OperatorFlow, RetiringClosesCancelsAndForgets) {
  start({stored_job(1, "T1", "queued"), stored_job(2, "T1", "delivered"),
         stored_job(3, "T1", "done"), stored_job(4, "T2", "queued")});
  auto sl = connect_t1();
  slog->mode = store_log::hold;
  auto out
    = ask<terminal_status>(control_h, retire_atom::value, std::string{"T1"});
  sched.run();
  ASSERT_EQ(slog->retired.size(), 1u);
  EXPECT_EQ(slog->retired[0], (std::pair<std::string, uint64_t>{"T1", 1}));
  EXPECT_FALSE(out->done) << "answered before it was stored";
  EXPECT_TRUE(sl->closes.empty()) << "closed before it was stored";
  slog->mode = store_log::answer;
  release(store_h);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(out->value->record.terminal_id, "T1");
  EXPECT_EQ(out->value->open_jobs, 2u) << "the terminal as it was";
  ASSERT_EQ(sl->closes.size(), 1u);
  EXPECT_EQ(sl->closes[0].first, close_code::retired);
  EXPECT_EQ(mlog->retired, std::vector<std::string>{"T1"});
  EXPECT_EQ(status_of(1), "canceled");
  EXPECT_EQ(status_of(2), "canceled");
  EXPECT_EQ(status_of(3), "done");
  EXPECT_EQ(status_of(4), "queued") << "another terminal's job";
  // The detail says why (a new user read "canceled by an operator").
  auto j1 = ask<job_record>(control_h, get_atom::value, job_atom::value,
                            storage::store::job_id_for(1));
  sched.run();
  ASSERT_TRUE(j1->value);
  EXPECT_EQ(j1->value->detail, "canceled: its terminal was retired");
  EXPECT_EQ(view(terminal_of(control_h, "T1")->error).code, errc::not_found);
  // Its old tokens are refused: generation 1 and above only.
  auto list = ask<revocation_list>(control_h, get_atom::value,
                                   revoke_atom::value, uint64_t{0});
  sched.run();
  ASSERT_TRUE(list->value);
  ASSERT_EQ(list->value->terminal_ids, std::vector<std::string>{"T1"});
  EXPECT_EQ(list->value->generations, std::vector<uint64_t>{1});
  // Registering it again starts afresh, above its old tokens.
  auto reg = ask<destination>(control_h, register_atom::value,
                              device_facts("T1", "GG1", "GJ1"));
  sched.run();
  ASSERT_TRUE(reg->value) << sys.render(reg->error);
  EXPECT_TRUE(reg->value->created);
  EXPECT_EQ(reg->value->token_generation, 1u);
  EXPECT_EQ(terminal_of(control_h, "T1")->value->open_jobs, 0u);
}

TEST_F(OperatorFlow, RetiringAnUnknownTerminalIsNotFound) {
  start({});
  auto out
    = ask<terminal_status>(control_h, retire_atom::value, std::string{"T9"});
  sched.run();
  ASSERT_TRUE(out->done);
  EXPECT_EQ(view(out->error).code, errc::not_found);
  EXPECT_TRUE(slog->retired.empty());
  EXPECT_TRUE(mlog->retired.empty());
}

TEST_F(OperatorFlow, ASessionThatOpensAfterItsTerminalRetiredIsClosed) {
  start({});
  auto out
    = ask<terminal_status>(control_h, retire_atom::value, std::string{"T1"});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  // Its balancer had checked the token before the retirement was known.
  auto sl = std::make_shared<session_log>();
  auto s = own(spawn_fake<terminal_session_actor>(sys, fake_session, sl));
  caf::anon_send(control_h, open_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s, std::string{"10.0.0.7"}, uint64_t{1});
  caf::anon_send(control_h, peer_atom::value, std::string{"T1"},
                 std::string{"C1-n1"}, s, uint64_t{1});
  sched.run();
  ASSERT_EQ(sl->closes.size(), 2u);
  EXPECT_EQ(sl->closes[0].first, close_code::retired);
  EXPECT_EQ(view(terminal_of(control_h, "T1")->error).code, errc::not_found)
    << "a session brought the retired terminal back";
}

TEST_F(OperatorFlow, ARetirementThatCannotBeStoredChangesNothing) {
  start({stored_job(1, "T1", "queued")});
  auto sl = connect_t1();
  slog->mode = store_log::fail;
  auto out
    = ask<terminal_status>(control_h, retire_atom::value, std::string{"T1"});
  sched.run();
  ASSERT_TRUE(out->done);
  EXPECT_EQ(view(out->error).code, errc::unavailable);
  EXPECT_TRUE(sl->closes.empty());
  EXPECT_TRUE(mlog->retired.empty());
  EXPECT_EQ(status_of(1), "queued");
  EXPECT_TRUE(terminal_of(control_h, "T1")->value.has_value());
}

} // namespace
} // namespace tether::actor_test
