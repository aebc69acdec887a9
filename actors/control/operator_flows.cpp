#include "actors/control/operator_flows.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/close_codes.hpp"
#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"
#include "actors/system/store_then.hpp"

namespace tether {

namespace {

/// 409 for a job that is final already, naming its status.
caf::error already_final(const job_record& job) {
  return make_error(errc::conflict, "job " + job.job_id + " is already "
                                      + job.status
                                      + ": only a queued, delivered or "
                                        "acked job can be canceled");
}

/// A stored cancellation takes effect in memory: counted by final status,
/// its callback posted; `tell_session`: the terminal's session (if
/// connected) drops it and tells the device. Returns the job (nullptr:
/// it became final meanwhile).
const job_record* canceled_now(control_self self, const control_peers& p,
                               const job_record& stored, bool tell_session) {
  auto& st = self->state;
  const auto* job = st.jobs.cancel(stored);
  if (job == nullptr)
    return nullptr;
  st.job_figures.finished(*job);
  if (job->callback_pending)
    self->send(p.notify, callback_atom::value, *job);
  const auto* t = st.terminals.find(job->terminal_id);
  if (tell_session && t != nullptr && t->connected && t->session)
    self->send(t->session, cancel_atom::value, job->job_id);
  logger("control")->info("job {} of {} canceled", job->job_id,
                          job->terminal_id);
  return job;
}

/// A job not in memory: a final one the store holds (409) or none (404).
caf::result<job_record> cancel_stored(control_self self, const control_peers& p,
                                      const std::string& job_id) {
  auto rp = self->make_response_promise<job_record>();
  self
    ->request(p.store, self->state.request_timeout, get_atom::value,
              job_atom::value, job_id)
    .then([rp](job_record& job) mutable { rp.deliver(already_final(job)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Cancels the retired terminal's open jobs: each stored as `canceled`
/// (persist_job posts its callback once stored). Returns how many.
size_t cancel_open_jobs(control_self self, const control_peers& p,
                        const std::string& terminal, int64_t now) {
  auto& st = self->state;
  auto i = st.jobs.open_jobs.find(terminal);
  if (i == st.jobs.open_jobs.end())
    return 0;
  auto ids = i->second; // cancel() changes open_jobs
  size_t n = 0;
  for (const auto& id : ids) {
    auto copy = st.jobs.canceled(id, now);
    if (!copy || !*copy)
      continue;
    (*copy)->detail = "canceled: its terminal was retired";
    if (const auto* job = st.jobs.cancel(**copy)) {
      st.job_figures.finished(*job);
      persist_job(self, p, *job);
      ++n;
    }
  }
  return n;
}

/// The retirement is stored: the terminal leaves the control (its jobs
/// canceled, its session closed, its old tokens refused) and the cluster
/// manager's map. Answers the terminal as it was.
void retired(control_self self, const control_peers& p,
             const std::string& terminal, uint64_t generation,
             caf::typed_response_promise<terminal_status>& rp) {
  auto& st = self->state;
  auto now = now_ms();
  const auto* t = st.terminals.find(terminal);
  if (t == nullptr) {
    rp.deliver(not_registered(terminal)); // retired twice at once
    return;
  }
  auto view = st.status_of(terminal, *t, now);
  auto session = t->connected ? t->session : terminal_session_actor{};
  auto canceled = cancel_open_jobs(self, p, terminal, now);
  if (session)
    self->send(session, close_atom::value, close_code::retired,
               std::string{close_reason::retired});
  st.forget_terminal(terminal);
  st.calls.forget(terminal); // its stored history is gone: none comes back
  st.revoked.set(terminal, generation);
  self->request(p.manager, st.request_timeout, retire_atom::value, terminal)
    .then([](ok_atom) {},
          [terminal](caf::error& err) {
            logger("control")->warn("retired terminal {}: cluster map not "
                                    "updated: {}",
                                    terminal, caf::to_string(err));
          });
  logger("control")->info("terminal {} retired ({} open jobs canceled)",
                          terminal, canceled);
  rp.deliver(std::move(view));
}

} // namespace

caf::result<job_record> cancel_job(control_self self, const control_peers& p,
                                   const std::string& job_id) {
  auto copy = self->state.jobs.canceled(job_id, now_ms());
  if (!copy)
    return cancel_stored(self, p, job_id);
  if (!*copy)
    return std::move(copy->error());
  auto rp = self->make_response_promise<job_record>();
  auto stored = std::move(**copy);
  store_then(
    self, p.store, rp, "the cancellation",
    [self, p, stored](auto& rp) {
      if (const auto* job = canceled_now(self, p, stored, true))
        rp.deliver(*job);
      else if (const auto* now = self->state.jobs.find(stored.job_id))
        rp.deliver(already_final(*now)); // it finished while stored
      else
        rp.deliver(already_final(stored));
    },
    // The sequence as it stands (never lowers the stored one): the store
    // writes a job write without one lazily, and this answer waits on it.
    nothing_to_undo, put_atom::value, std::vector<job_record>{stored},
    self->state.jobs.next_job_seq);
  return rp;
}

caf::result<terminal_status> retire_terminal(control_self self,
                                             const control_peers& p,
                                             const std::string& terminal) {
  const auto* t = self->state.terminals.find(terminal);
  if (t == nullptr)
    return not_registered(terminal);
  auto generation = t->record.token_generation + 1;
  auto rp = self->make_response_promise<terminal_status>();
  store_then(
    self, p.store, rp, "the retirement",
    [self, p, terminal, generation](auto& rp) {
      retired(self, p, terminal, generation, rp);
    },
    nothing_to_undo, retire_atom::value, terminal, generation);
  return rp;
}

} // namespace tether
