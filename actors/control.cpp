#include "actors/control.hpp"

#include <algorithm>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/log.hpp"
#include "storage/store.hpp"

namespace tether {

int status_rank(const std::string& status) {
  if (status == "queued")
    return 0;
  if (status == "delivered")
    return 1;
  if (status == "acked")
    return 2;
  return 3;
}

job_record control_state::new_job(job_record request, int64_t now) {
  request.job_id = storage::store::job_id_for(next_job_seq++);
  request.status = "queued";
  request.detail.clear();
  request.created_at_ms = now;
  request.updated_at_ms = now;
  jobs[request.job_id] = request;
  open_jobs[request.terminal_id].push_back(request.job_id);
  return request;
}

const job_record* control_state::apply(const job_update& u, int64_t now) {
  auto i = jobs.find(u.job_id);
  if (i == jobs.end() || i->second.terminal_id != u.terminal_id)
    return nullptr;
  auto& job = i->second;
  if (storage::is_final_status(job.status)
      || status_rank(u.status) <= status_rank(job.status))
    return nullptr;
  job.status = u.status;
  job.detail = u.detail;
  job.updated_at_ms = now;
  if (storage::is_final_status(job.status)) {
    auto& open = open_jobs[job.terminal_id];
    open.erase(std::remove(open.begin(), open.end(), job.job_id), open.end());
    if (open.empty())
      open_jobs.erase(job.terminal_id);
    final_jobs.push_back(job.job_id);
    while (final_jobs.size() > max_final_in_memory) {
      jobs.erase(final_jobs.front());
      final_jobs.pop_front();
    }
  }
  return &job;
}

std::vector<job_record>
control_state::undelivered(const std::string& terminal_id) const {
  std::vector<job_record> out;
  auto i = open_jobs.find(terminal_id);
  if (i == open_jobs.end())
    return out;
  for (const auto& id : i->second)
    if (auto j = jobs.find(id);
        j != jobs.end() && status_rank(j->second.status) < 2)
      out.push_back(j->second);
  return out;
}

terminal_status control_state::status_of(const terminal_entry& t,
                                         int64_t now) const {
  terminal_status out;
  out.record = t.record;
  out.connected = t.connected;
  out.node_id = t.node_id;
  // A connected terminal answers keepalives, else its session closes: it is
  // seen now.
  out.last_seen_ms = t.connected ? now : t.last_seen_ms;
  out.connects = t.connects;
  out.disconnects = t.disconnects;
  out.keepalive_failures = t.keepalive_failures;
  return out;
}

void control_state::on_open(const std::string& terminal_id,
                            const std::string& node_id,
                            const terminal_session_actor& session,
                            int64_t now) {
  auto& t = terminals[terminal_id];
  t.connected = true;
  t.node_id = node_id;
  t.session = session;
  t.last_seen_ms = now;
  ++t.connects;
}

void control_state::on_closed(const std::string& terminal_id,
                              const std::string& reason,
                              const terminal_session_actor& session,
                              int64_t now) {
  auto i = terminals.find(terminal_id);
  if (i == terminals.end() || i->second.session != session)
    return; // a newer session has taken over
  auto& t = i->second;
  t.connected = false;
  t.session = nullptr;
  t.last_seen_ms = now;
  ++t.disconnects;
  if (reason == "keepalive lost")
    ++t.keepalive_failures;
}

control_actor::behavior_type
control(control_actor::stateful_pointer<control_state> self,
        config::topology topo, std::vector<terminal_record> terminals,
        std::vector<job_record> jobs, uint64_t next_job_seq,
        selector_actor selector, cluster_manager_actor manager,
        store_actor store) {
  auto log = logger("control");
  auto& st = self->state;
  st.request_timeout = topo.timers.request_timeout;
  st.next_job_seq = next_job_seq;
  for (auto& t : terminals)
    st.terminals[t.terminal_id].record = std::move(t);
  for (auto& j : jobs) {
    if (storage::is_final_status(j.status))
      st.final_jobs.push_back(j.job_id);
    else
      st.open_jobs[j.terminal_id].push_back(j.job_id);
    st.jobs[j.job_id] = std::move(j);
  }
  log->info("control: {} terminals, {} jobs ({} terminals with open jobs)",
            st.terminals.size(), st.jobs.size(), st.open_jobs.size());
  auto persist = [self, store, log](const job_record& job) {
    self->request(store, self->state.request_timeout, put_atom::value,
                  std::vector<job_record>{job}, uint64_t{0})
      .then([](ok_atom) {},
            [log, id = job.job_id](caf::error& err) {
              log->error("job {}: status not stored: {}", id,
                         caf::to_string(err));
            });
  };
  return {
    [self, selector, manager](register_atom, terminal_record& facts)
      -> caf::result<destination> {
      auto rp = self->make_response_promise<destination>();
      auto timeout = self->state.request_timeout;
      facts.registered_at_ms = now_ms();
      if (auto i = self->state.terminals.find(facts.terminal_id);
          i != self->state.terminals.end()
          && i->second.record.registered_at_ms != 0)
        facts.registered_at_ms = i->second.record.registered_at_ms;
      self->request(selector, timeout, select_atom::value, facts)
        .then(
          [self, rp, manager, facts, timeout](assigned_label& label) mutable {
            self->request(manager, timeout, assign_atom::value, facts, label)
              .then(
                [self, rp, facts](destination& d) mutable {
                  auto& rec = self->state.terminals[facts.terminal_id].record;
                  rec = facts;
                  rec.cluster_id = d.cluster_id;
                  rp.deliver(std::move(d));
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self, manager](dest_atom, const std::string& terminal)
      -> caf::delegated<destination> {
      return self->delegate(manager, dest_atom::value, terminal);
    },
    [self](get_atom, terminal_atom, const std::string& terminal)
      -> caf::result<terminal_status> {
      auto& st = self->state;
      auto i = st.terminals.find(terminal);
      if (i == st.terminals.end())
        return make_error(errc::not_found,
                          "terminal " + terminal + " is not registered");
      return st.status_of(i->second, now_ms());
    },
    [self, manager, store, log](push_atom, job_record& request)
      -> caf::result<job_record> {
      auto& st = self->state;
      if (st.terminals.find(request.terminal_id) == st.terminals.end())
        return make_error(errc::not_found, "terminal " + request.terminal_id
                                             + " is not registered");
      auto job = st.new_job(std::move(request), now_ms());
      auto rp = self->make_response_promise<job_record>();
      self->request(store, st.request_timeout, put_atom::value,
                    std::vector<job_record>{job}, st.next_job_seq)
        .then(
          [self, rp, job, manager, log](ok_atom) mutable {
            rp.deliver(job);
            // Route it now; a terminal that is not connected gets it when it
            // connects (see open_atom).
            self->request(manager, self->state.request_timeout,
                          deliver_atom::value, job)
              .then(
                [log, id = job.job_id](bool handed) {
                  log->debug("job {} {}", id,
                             handed ? "handed to a session"
                                    : "queued: terminal not connected");
                },
                [log, id = job.job_id](caf::error& err) {
                  log->warn("job {} not routed: {}", id, caf::to_string(err));
                });
          },
          [self, rp, job](caf::error& err) mutable {
            auto& st = self->state;
            st.jobs.erase(job.job_id);
            auto& open = st.open_jobs[job.terminal_id];
            open.erase(std::remove(open.begin(), open.end(), job.job_id),
                       open.end());
            rp.deliver(make_error(errc::unavailable,
                                  "the job could not be stored: "
                                    + caf::to_string(err)));
          });
      return rp;
    },
    [self, store](get_atom, job_atom, const std::string& id)
      -> caf::result<job_record> {
      auto& st = self->state;
      if (auto i = st.jobs.find(id); i != st.jobs.end())
        return i->second;
      return self->delegate(store, get_atom::value, job_atom::value, id);
    },
    [self, manager](status_atom) -> caf::delegated<std::vector<cluster_status>> {
      return self->delegate(manager, status_atom::value);
    },
    [self, persist](const job_update& update) {
      if (auto* job = self->state.apply(update, now_ms()))
        persist(*job);
    },
    [self](open_atom, const std::string& terminal, const std::string& node,
           terminal_session_actor& session) {
      auto& st = self->state;
      st.on_open(terminal, node, session, now_ms());
      for (auto& job : st.undelivered(terminal))
        self->send(session, deliver_atom::value, std::move(job));
    },
    [self](closed_atom, const std::string& terminal, const std::string& reason,
           const terminal_session_actor& session) {
      self->state.on_closed(terminal, reason, session, now_ms());
    },
  };
}

} // namespace tether
