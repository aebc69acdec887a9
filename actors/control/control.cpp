#include "actors/control/control.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/notifier/notifier.hpp"
#include "actors/policy/placement.hpp"
#include "actors/system/close_codes.hpp"
#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"
#include "actors/system/store_then.hpp"
#include "config/topology.hpp"
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
  unstored.insert(request.job_id);
  open_jobs[request.terminal_id].push_back(request.job_id);
  if (auto at = request.expires_at_ms())
    expiries.emplace(at, request.job_id);
  return request;
}

void control_state::stored(const job_record& job) {
  unstored.erase(job.job_id);
}

void control_state::drop_job(const job_record& job) {
  unstored.erase(job.job_id);
  jobs.erase(job.job_id);
  auto& open = open_jobs[job.terminal_id];
  open.erase(std::remove(open.begin(), open.end(), job.job_id), open.end());
  if (open.empty())
    open_jobs.erase(job.terminal_id);
}

namespace {

/// Moves a job to a final status and out of the open set.
void finish(control_state& st, job_record& job, const std::string& status,
            const std::string& detail, int64_t now) {
  job.status = status;
  job.detail = detail;
  job.updated_at_ms = now;
  job.finished_at_ms = now;
  job.callback_pending = !job.callback_url.empty();
  auto& open = st.open_jobs[job.terminal_id];
  open.erase(std::remove(open.begin(), open.end(), job.job_id), open.end());
  if (open.empty())
    st.open_jobs.erase(job.terminal_id);
  st.final_jobs.push_back(job.job_id);
}

/// Evicts the oldest final jobs beyond the in-memory bound (they stay in
/// the store). Jobs whose callback is still pending are kept.
void evict(control_state& st) {
  // The newest final job always stays: apply() returns it to be stored.
  while (st.final_jobs.size() > std::max<size_t>(st.max_final_in_memory, 1)) {
    auto id = std::move(st.final_jobs.front());
    st.final_jobs.pop_front();
    auto i = st.jobs.find(id);
    if (i != st.jobs.end() && i->second.callback_pending) {
      st.final_jobs.push_back(std::move(id));
      break;
    }
    st.jobs.erase(id);
  }
}

} // namespace

job_record* control_state::apply(const job_update& u, int64_t now) {
  auto i = jobs.find(u.job_id);
  if (i == jobs.end() || i->second.terminal_id != u.terminal_id)
    return nullptr;
  auto& job = i->second;
  if (storage::is_final_status(job.status))
    return nullptr;
  if (u.status == "delivered") {
    ++job.deliveries;
    if (job.delivered_at_ms == 0)
      job.delivered_at_ms = now;
  }
  if (status_rank(u.status) <= status_rank(job.status))
    return u.status == "delivered" ? &job : nullptr;
  if (storage::is_final_status(u.status)) {
    if (u.status == "done") { // GB (print jobs) and GI (all jobs)
      auto& h = history[job.terminal_id];
      h.terminal_id = job.terminal_id;
      h.count_done(job.service == "print", now, history_window_ms);
      dirty_history.insert(job.terminal_id);
    }
    finish(*this, job, u.status, u.detail, now);
    evict(*this);
    return &job;
  }
  job.status = u.status;
  job.detail = u.detail;
  job.updated_at_ms = now;
  if (u.status == "acked")
    job.acked_at_ms = now;
  return &job;
}

std::vector<job_record*> control_state::expire(int64_t now) {
  std::vector<job_record*> out;
  while (!expiries.empty() && expiries.begin()->first <= now) {
    auto id = std::move(expiries.begin()->second);
    expiries.erase(expiries.begin());
    auto i = jobs.find(id);
    if (i == jobs.end() || storage::is_final_status(i->second.status))
      continue;
    finish(*this, i->second, "expired",
           "not done within its ttl of " + std::to_string(i->second.ttl_s)
             + " s",
           now);
    out.push_back(&i->second);
  }
  return out;
}

void control_state::count_api_call(const std::string& terminal_id, bool failed,
                                   int64_t now) {
  auto& h = history[terminal_id];
  h.terminal_id = terminal_id;
  h.count(failed, now, history_window_ms);
  dirty_history.insert(terminal_id);
}

std::vector<api_history> control_state::take_dirty_history() {
  std::vector<api_history> out;
  out.reserve(dirty_history.size());
  for (const auto& id : dirty_history)
    out.push_back(history[id]);
  dirty_history.clear();
  return out;
}

std::vector<job_record>
control_state::unfinished(const std::string& terminal_id) const {
  std::vector<job_record> out;
  auto i = open_jobs.find(terminal_id);
  if (i == open_jobs.end())
    return out;
  for (const auto& id : i->second)
    if (auto j = jobs.find(id); j != jobs.end() && unstored.count(id) == 0)
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
  if (auto h = history.find(t.record.terminal_id); h != history.end())
    out.api = h->second;
  if (auto o = open_jobs.find(t.record.terminal_id); o != open_jobs.end())
    out.open_jobs = static_cast<uint32_t>(o->second.size());
  return out;
}

void control_state::on_open(const std::string& terminal_id,
                            const std::string& node_id,
                            const terminal_session_actor& session, int64_t now,
                            bool moved) {
  auto& t = terminals[terminal_id];
  t.connected = true;
  t.node_id = node_id;
  t.session = session;
  t.last_seen_ms = now;
  if (!moved)
    ++t.connects;
}

bool control_state::on_reannounce(const std::string& terminal_id,
                                  const std::string& node_id,
                                  const terminal_session_actor& session,
                                  int64_t now) {
  auto& t = terminals[terminal_id];
  if (t.session && t.session != session)
    return false;
  t.connected = true;
  t.node_id = node_id;
  t.session = session;
  t.last_seen_ms = now;
  return true;
}

size_t control_state::forget_old_final(int64_t now) {
  if (job_retention_ms <= 0)
    return 0;
  size_t n = 0;
  while (!final_jobs.empty()) {
    auto i = jobs.find(final_jobs.front());
    if (i != jobs.end()
        && (i->second.callback_pending
            || i->second.finished_at_ms >= now - job_retention_ms))
      break;
    if (i != jobs.end())
      jobs.erase(i);
    final_jobs.pop_front();
    ++n;
  }
  return n;
}

void control_state::on_closed(const std::string& terminal_id,
                              const std::string& reason,
                              const terminal_session_actor& session,
                              int64_t now) {
  auto i = terminals.find(terminal_id);
  if (i == terminals.end() || i->second.session != session)
    return; // a newer session has taken over
  if (reason == session_moved_reason)
    return; // the balancer moved it; the new session announces itself
  auto& t = i->second;
  t.connected = false;
  t.session = nullptr;
  t.last_seen_ms = now;
  ++t.disconnects;
  if (reason == close_reason::keepalive_lost)
    ++t.keepalive_failures;
  disconnect_event e{now, terminal_id, t.address};
  disconnects.add(e);
  unsaved_events.push_back(std::move(e));
}

terminal_record control_state::label_facts(const terminal_record& rec,
                                           int64_t now) const {
  label_inputs in;
  if (auto h = history.find(rec.terminal_id); h != history.end())
    in.history = &h->second;
  if (!rec.users.empty())
    if (auto u = user_jobs.find(rec.users.front()); u != user_jobs.end())
      in.user_jobs = u->second;
  if (auto t = terminals.find(rec.terminal_id); t != terminals.end())
    in.address = t->second.address;
  return with_computed(rec, computed_items(rec, in, disconnects,
                                           config::known_label_items(), now));
}

int64_t control_state::refresh_groups(int64_t now) {
  auto drop_before = disconnects.prune(now);
  // GE/GF: only while there are events (or groups to dissolve); the group
  // sizes take one pass over the terminals.
  if (!disconnects.events().empty() || disconnects.any_group()) {
    const auto& by = disconnects.rules().failure_group.group_by;
    std::unordered_map<std::string, size_t> sizes;
    for (const auto& [id, t] : terminals)
      if (auto g = fact_of(t.record, by); !g.empty())
        ++sizes[g];
    disconnects.refresh(
      now,
      [this, &by](const std::string& id) {
        auto t = terminals.find(id);
        return t == terminals.end() ? std::string{}
                                    : fact_of(t->second.record, by);
      },
      sizes);
  }
  // GI: jobs done in the window by all terminals of each user (its first);
  // only terminals with a history can have done any.
  user_jobs.clear();
  for (const auto& [id, h] : history) {
    auto t = terminals.find(id);
    if (t == terminals.end() || t->second.record.users.empty())
      continue;
    if (auto n = sliding_count(h.window_jobs, h.previous_jobs,
                               h.window_start_ms, now, history_window_ms))
      user_jobs[t->second.record.users.front()] += n;
  }
  return drop_before;
}

std::vector<std::string>
control_state::realloc_candidates(const std::string& cluster_id,
                                  const std::vector<std::string>& terminal_ids,
                                  std::string& unknown) const {
  std::vector<std::string> out;
  if (!terminal_ids.empty()) {
    for (const auto& id : terminal_ids) {
      if (terminals.count(id) == 0) {
        unknown = id;
        return {};
      }
      out.push_back(id);
    }
  } else {
    for (const auto& [id, t] : terminals)
      if (cluster_id.empty() || t.record.cluster_id == cluster_id)
        out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

using self_ptr = control_actor::stateful_pointer<control_state>;

/// Moves the terminals whose pacing slot has come (the `realloc, tick`
/// timer); keeps ticking while moves wait.
void move_due(self_ptr self, cluster_manager_actor manager) {
  auto& st = self->state;
  for (auto& m : st.pacer.take_due(now_ms())) {
    auto i = st.terminals.find(m.terminal_id);
    if (i == st.terminals.end())
      continue;
    self
      ->request(manager, st.request_timeout, move_atom::value, i->second.record,
                m.label, m.after_ms)
      .then(
        [self, id = m.terminal_id](destination& d) {
          auto& rec = self->state.terminals[id].record;
          if (rec.cluster_id != d.cluster_id) {
            rec.cluster_id = d.cluster_id;
            ++self->state.moved;
          }
        },
        [id = m.terminal_id](caf::error& err) {
          logger("control")->warn("re-allocation of {}: {}", id,
                                  caf::to_string(err));
        });
  }
  if (st.pacer.pending() > 0)
    self->delayed_send(self, std::chrono::milliseconds{st.pacer.step_ms()},
                       realloc_atom::value, tick_atom::value);
  else
    st.pacer_ticking = false;
}

/// One re-allocation run: labels under the current label configuration,
/// the cluster manager's verdict, then connected terminals paced and the
/// others moved at once. `done` gets the summary or the error.
/// Hands a terminal's open jobs to its (new) session.
void send_unfinished(self_ptr self, const std::string& terminal,
                     const terminal_session_actor& session) {
  for (auto& job : self->state.unfinished(terminal))
    self->send(session, deliver_atom::value, std::move(job));
}

void reallocate(self_ptr self, selector_actor selector,
                cluster_manager_actor manager, std::string cluster_id,
                std::vector<std::string> terminal_ids,
                std::function<void(caf::expected<realloc_summary>)> done) {
  auto& st = self->state;
  std::string unknown;
  auto ids = st.realloc_candidates(cluster_id, terminal_ids, unknown);
  if (!unknown.empty())
    return done(make_error(errc::not_found,
                           "terminal " + unknown + " is not registered"));
  auto timeout = st.request_timeout;
  self->request(selector, timeout, get_atom::value, label_atom::value)
    .then(
      [self, manager, cluster_id, ids, done,
       timeout](std::vector<std::string>& items) {
        auto& st = self->state;
        realloc_plan plan;
        plan.cluster_id = cluster_id;
        for (const auto& id : ids)
          if (auto i = st.terminals.find(id); i != st.terminals.end()) {
            plan.terminal_ids.push_back(id);
            plan.labels.push_back(
              select_label(st.label_facts(i->second.record, now_ms()), items));
          }
        std::map<std::string, assigned_label> labels;
        for (size_t i = 0; i < plan.terminal_ids.size(); ++i)
          labels[plan.terminal_ids[i]] = plan.labels[i];
        auto candidates = plan.terminal_ids.size();
        self->request(manager, timeout, realloc_atom::value, std::move(plan))
          .then(
            [self, manager, labels, candidates,
             done](std::vector<std::string>& moving) {
              auto& st = self->state;
              realloc_summary out;
              out.candidates = candidates;
              out.moving = moving.size();
              std::vector<std::pair<std::string, assigned_label>> paced;
              for (auto& id : moving) {
                auto t = st.terminals.find(id);
                if (t == st.terminals.end())
                  continue;
                if (t->second.connected) {
                  paced.emplace_back(id, labels.at(id));
                  continue;
                }
                // Not connected: nobody reconnects, so no pacing.
                self
                  ->request(manager, st.request_timeout, move_atom::value,
                            t->second.record, labels.at(id), uint32_t{0})
                  .then(
                    [self, id](destination& d) {
                      auto& rec = self->state.terminals[id].record;
                      if (rec.cluster_id != d.cluster_id) {
                        rec.cluster_id = d.cluster_id;
                        ++self->state.moved;
                      }
                    },
                    [id](caf::error& err) {
                      logger("control")->warn("re-allocation of {}: {}", id,
                                              caf::to_string(err));
                    });
              }
              out.connected = paced.size();
              st.pacer.add(std::move(paced), now_ms());
              out.pending = st.pacer.pending();
              if (!st.pacer_ticking && st.pacer.pending() > 0) {
                st.pacer_ticking = true;
                move_due(self, manager);
              }
              logger("control")->info(
                "re-allocation: {} terminals looked at, {} move ({} "
                "connected, paced); {} reassigns pending",
                out.candidates, out.moving, out.connected, out.pending);
              done(out);
            },
            [done](caf::error& err) { done(std::move(err)); });
      },
      [done](caf::error& err) { done(std::move(err)); });
}

/// Stores a changed copy of a terminal's record; only once it is stored
/// does it replace the record in memory. Answers with the terminal's status.
/// Delivers a terminal as GET /v1/terminals/{id} shows it, with the label
/// its facts give under the label items in use (the selector's; without
/// an answer from the selector the label stays empty).
void deliver_view(self_ptr self, const selector_actor& selector,
                  const std::string& terminal,
                  caf::typed_response_promise<terminal_status> rp) {
  auto view
    = [self, rp, terminal](const std::vector<std::string>* items) mutable {
        auto& st = self->state;
        auto i = st.terminals.find(terminal);
        if (i == st.terminals.end()) {
          rp.deliver(make_error(errc::not_found,
                                "terminal " + terminal + " is not registered"));
          return;
        }
        auto now = now_ms();
        auto status = st.status_of(i->second, now);
        if (items != nullptr)
          status.label
            = select_label(st.label_facts(i->second.record, now), *items);
        rp.deliver(std::move(status));
      };
  self
    ->request(selector, self->state.request_timeout, get_atom::value,
              label_atom::value)
    .then([view](std::vector<std::string>& items) mutable { view(&items); },
          [view](caf::error&) mutable { view(nullptr); });
}

/// Stores a changed terminal record, then answers its view.
caf::result<terminal_status> store_terminal(self_ptr self, store_actor store,
                                            const selector_actor& selector,
                                            terminal_record changed) {
  auto rp = self->make_response_promise<terminal_status>();
  store_then(
    self, store, rp, "the change",
    [self, changed, selector](auto& rp) mutable {
      auto& t = self->state.terminals[changed.terminal_id];
      // Keep the cluster a registration may have set meanwhile.
      auto cluster = t.record.cluster_id;
      t.record = std::move(changed);
      if (!cluster.empty())
        t.record.cluster_id = cluster;
      deliver_view(self, selector, t.record.terminal_id, rp);
    },
    nothing_to_undo, put_atom::value, changed);
  return rp;
}

} // namespace

control_actor::behavior_type
control(self_ptr self, control_settings cfg, control_snapshot snapshot,
        selector_actor selector, cluster_manager_actor manager,
        store_actor store, http_poster_ptr poster) {
  auto log = logger("control");
  auto& st = self->state;
  st.request_timeout = cfg.request_timeout;
  st.max_queue = cfg.max_queue_per_terminal;
  st.history_window_ms = cfg.label_rules.window.count();
  st.disconnects = disconnect_tracker{cfg.label_rules};
  st.job_retention_ms = cfg.job_retention.count();
  st.next_job_seq = snapshot.next_job_seq;
  st.pacer = reallocation_pacer{cfg.reallocation};
  if (cfg.reallocation.period.count() > 0)
    st.next_periodic_ms = now_ms() + cfg.reallocation.period.count();
  for (auto& t : snapshot.terminals)
    st.terminals[t.terminal_id].record = std::move(t);
  for (auto& h : snapshot.histories)
    st.history[h.terminal_id] = std::move(h);
  // Stored disconnect events (oldest first): the groups they make, and each
  // terminal's last known address.
  for (auto& e : snapshot.disconnects) {
    if (auto t = st.terminals.find(e.terminal_id);
        t != st.terminals.end() && !e.address.empty())
      t->second.address = e.address;
    st.disconnects.add(std::move(e));
  }
  st.refresh_groups(now_ms());
  std::vector<job_record> callbacks;
  for (auto& j : snapshot.jobs) {
    if (storage::is_final_status(j.status)) {
      st.final_jobs.push_back(j.job_id);
      if (j.callback_pending)
        callbacks.push_back(j);
    } else {
      st.open_jobs[j.terminal_id].push_back(j.job_id);
      if (auto at = j.expires_at_ms())
        st.expiries.emplace(at, j.job_id);
    }
    st.jobs[j.job_id] = std::move(j);
  }
  evict(st);
  log->info("control: {} terminals, {} jobs ({} terminals with open jobs, "
            "{} callbacks to resume)",
            st.terminals.size(), st.jobs.size(), st.open_jobs.size(),
            callbacks.size());
  auto notify
    = self->spawn<caf::linked>(notifier, cfg.callbacks, std::move(poster),
                               caf::actor_cast<control_actor>(self));
  for (auto& j : callbacks)
    self->send(notify, callback_atom::value, std::move(j));
  // Stores a job's new state; on success, notifies its callback if it has
  // become final.
  auto persist = [self, store, notify, log](const job_record& job) {
    self
      ->request(store, self->state.request_timeout, put_atom::value,
                std::vector<job_record>{job}, uint64_t{0})
      .then(
        [self, notify, job](ok_atom) {
          if (job.callback_pending)
            self->send(notify, callback_atom::value, job);
        },
        [log, id = job.job_id](caf::error& err) {
          log->error("job {}: status not stored: {}", id, caf::to_string(err));
        });
  };
  self->send(self, tick_atom::value);
  return {
    [self, selector, manager,
     store](register_atom, terminal_record& facts) -> caf::result<destination> {
      auto rp = self->make_response_promise<destination>();
      auto timeout = self->state.request_timeout;
      // What the device itself says wins over older values; what services
      // set while this registration runs wins over both (see below).
      std::set<std::string> device_keys;
      for (const auto& kv : facts.attributes)
        device_keys.insert(kv.first);
      facts.registered_at_ms = now_ms();
      if (auto i = self->state.terminals.find(facts.terminal_id);
          i != self->state.terminals.end()) {
        // Registration refreshes the device's facts; what services set
        // (attributes not sent by the device, user links) stays.
        const auto& old = i->second.record;
        if (old.registered_at_ms != 0)
          facts.registered_at_ms = old.registered_at_ms;
        for (const auto& [k, v] : old.attributes)
          facts.attributes.emplace(k, v);
        facts.users = old.users;
      }
      self
        ->request(selector, timeout, select_atom::value,
                  self->state.label_facts(facts, now_ms()))
        .then(
          [self, rp, manager, facts, timeout, device_keys,
           store](assigned_label& label) mutable {
            self->request(manager, timeout, assign_atom::value, facts, label)
              .then(
                [self, rp, facts, device_keys, store](destination& d) mutable {
                  auto& rec = self->state.terminals[facts.terminal_id].record;
                  auto merged = facts;
                  merged.cluster_id = d.cluster_id;
                  // Attributes and user links that services stored while
                  // this registration ran are kept, in memory and on disk.
                  for (const auto& [k, v] : rec.attributes)
                    if (device_keys.count(k) == 0)
                      merged.attributes[k] = v;
                  if (!rec.terminal_id.empty())
                    merged.users = rec.users;
                  bool changed = merged.attributes != facts.attributes
                              || merged.users != facts.users;
                  rec = std::move(merged);
                  if (changed)
                    self
                      ->request(store, self->state.request_timeout,
                                put_atom::value, rec)
                      .then([](ok_atom) {},
                            [](caf::error& err) {
                              logger("control")->warn(
                                "merged terminal record not stored: {}",
                                caf::to_string(err));
                            });
                  rp.deliver(std::move(d));
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self, manager](
      dest_atom, const std::string& terminal) -> caf::delegated<destination> {
      return self->delegate(manager, dest_atom::value, terminal);
    },
    [self, selector](get_atom, terminal_atom, const std::string& terminal)
      -> caf::result<terminal_status> {
      if (self->state.terminals.count(terminal) == 0)
        return make_error(errc::not_found,
                          "terminal " + terminal + " is not registered");
      auto rp = self->make_response_promise<terminal_status>();
      deliver_view(self, selector, terminal, rp);
      return rp;
    },
    [self, manager, store,
     log](push_atom, job_record& request) -> caf::result<job_record> {
      auto& st = self->state;
      if (st.terminals.find(request.terminal_id) == st.terminals.end())
        return make_error(errc::not_found, "terminal " + request.terminal_id
                                             + " is not registered");
      if (auto o = st.open_jobs.find(request.terminal_id);
          o != st.open_jobs.end() && o->second.size() >= st.max_queue)
        return make_error(errc::too_many_requests,
                          "terminal " + request.terminal_id + " has "
                            + std::to_string(o->second.size())
                            + " open jobs (the limit is "
                            + std::to_string(st.max_queue) + ")");
      auto job = st.new_job(std::move(request), now_ms());
      auto rp = self->make_response_promise<job_record>();
      self
        ->request(store, st.request_timeout, put_atom::value,
                  std::vector<job_record>{job}, st.next_job_seq)
        .then(
          [self, rp, job, manager, log](ok_atom) mutable {
            self->state.stored(job);
            rp.deliver(job);
            // Route it now; a terminal that is not connected gets it when it
            // connects (see open_atom).
            self
              ->request(manager, self->state.request_timeout,
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
            self->state.drop_job(job);
            rp.deliver(
              make_error(errc::unavailable, "the job could not be stored: "
                                              + caf::to_string(err)));
          });
      return rp;
    },
    [self, store](get_atom, job_atom,
                  const std::string& id) -> caf::result<job_record> {
      auto& st = self->state;
      if (auto i = st.jobs.find(id); i != st.jobs.end())
        return i->second;
      return self->delegate(store, get_atom::value, job_atom::value, id);
    },
    [self,
     manager](status_atom) -> caf::delegated<std::vector<cluster_status>> {
      return self->delegate(manager, status_atom::value);
    },
    [self, persist](const job_update& update) {
      if (auto* job = self->state.apply(update, now_ms()))
        persist(*job);
    },
    [self](open_atom, const std::string& terminal, const std::string& node,
           terminal_session_actor& session, const std::string& address) {
      auto& st = self->state;
      st.on_open(terminal, node, session, now_ms());
      if (!address.empty())
        st.terminals[terminal].address = address;
      send_unfinished(self, terminal, session);
    },
    [self](move_atom, const std::string& terminal, const std::string& node,
           terminal_session_actor& session) {
      self->state.on_open(terminal, node, session, now_ms(), true);
      send_unfinished(self, terminal, session);
    },
    [self](peer_atom, const std::string& terminal, const std::string& node,
           terminal_session_actor& session) {
      if (self->state.on_reannounce(terminal, node, session, now_ms()))
        send_unfinished(self, terminal, session);
    },
    [self](closed_atom, const std::string& terminal, const std::string& reason,
           const terminal_session_actor& session) {
      self->state.on_closed(terminal, reason, session, now_ms());
    },
    [self, store, selector](put_atom, attrs_atom, const std::string& terminal,
                            std::map<std::string, std::string>& attrs)
      -> caf::result<terminal_status> {
      auto& st = self->state;
      auto i = st.terminals.find(terminal);
      if (i == st.terminals.end())
        return make_error(errc::not_found,
                          "terminal " + terminal + " is not registered");
      auto changed = i->second.record;
      for (auto& [k, v] : attrs)
        changed.attributes[k] = std::move(v);
      if (changed.attributes.size() > 64)
        return make_error(errc::bad_request,
                          "a terminal may have at most 64 attributes");
      return store_terminal(self, store, selector, std::move(changed));
    },
    [self, store,
     selector](put_atom, user_atom, const std::string& user,
               const std::string& terminal) -> caf::result<terminal_status> {
      auto& st = self->state;
      auto i = st.terminals.find(terminal);
      if (i == st.terminals.end())
        return make_error(errc::not_found,
                          "terminal " + terminal + " is not registered");
      auto changed = i->second.record;
      auto& users = changed.users;
      if (std::find(users.begin(), users.end(), user) == users.end()) {
        if (users.size() >= 64)
          return make_error(errc::bad_request,
                            "a terminal may have at most 64 users");
        users.push_back(user);
      }
      return store_terminal(self, store, selector, std::move(changed));
    },
    // -- admin API ------------------------------------------------------------
    [self, manager](
      put_atom, const cluster_change& ch) -> caf::delegated<cluster_status> {
      return self->delegate(manager, put_atom::value, ch);
    },
    [self, selector](get_atom,
                     label_atom) -> caf::delegated<std::vector<std::string>> {
      return self->delegate(selector, get_atom::value, label_atom::value);
    },
    [self, selector, store, log](put_atom, label_atom,
                                 std::vector<std::string>& items)
      -> caf::result<std::vector<std::string>> {
      const auto& known = config::known_label_items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (std::find(known.begin(), known.end(), items[i]) == known.end())
          return make_error(errc::bad_request,
                            "field \"items[" + std::to_string(i)
                              + "]\": unknown label item \"" + items[i] + "\"");
        if (std::find(items.begin(), items.begin() + i, items[i])
            != items.begin() + i)
          return make_error(errc::bad_request,
                            "field \"items[" + std::to_string(i) + "]\": \""
                              + items[i] + "\" appears twice");
      }
      auto rp = self->make_response_promise<std::vector<std::string>>();
      auto timeout = self->state.request_timeout;
      self->request(store, timeout, put_atom::value, label_atom::value, items)
        .then(
          [self, rp, selector, items, timeout, log](ok_atom) mutable {
            log->info("label configuration: {} items (admin)", items.size());
            self
              ->request(selector, timeout, put_atom::value, label_atom::value,
                        items)
              .then(
                [rp](std::vector<std::string>& now) mutable {
                  rp.deliver(std::move(now));
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
          },
          [rp](caf::error& err) mutable {
            rp.deliver(
              make_error(errc::unavailable, "the change could not be stored: "
                                              + caf::to_string(err)));
          });
      return rp;
    },
    [self, manager](put_atom, node_atom, const std::string& node,
                    const std::string& state) -> caf::delegated<node_status> {
      return self->delegate(manager, put_atom::value, node_atom::value, node,
                            state);
    },
    [self, selector,
     manager](realloc_atom, std::string& cluster,
              std::vector<std::string>& ids) -> caf::result<realloc_summary> {
      auto rp = self->make_response_promise<realloc_summary>();
      reallocate(self, selector, manager, std::move(cluster), std::move(ids),
                 [rp](caf::expected<realloc_summary> r) mutable {
                   if (r)
                     rp.deliver(std::move(*r));
                   else
                     rp.deliver(std::move(r.error()));
                 });
      return rp;
    },
    [self, manager](realloc_atom, tick_atom) { move_due(self, manager); },
    [self](api_atom, const std::string& terminal, bool failed) {
      auto& st = self->state;
      if (st.terminals.count(terminal) > 0)
        st.count_api_call(terminal, failed, now_ms());
    },
    [self, persist, log](callback_atom, const std::string& id, bool accepted) {
      auto i = self->state.jobs.find(id);
      if (i == self->state.jobs.end() || !i->second.callback_pending)
        return;
      if (!accepted)
        log->warn("job {}: its callback was never accepted", id);
      // Stored, so that a restart does not notify again.
      i->second.callback_pending = false;
      persist(i->second);
    },
    [self, store, persist, log, selector, manager](tick_atom) {
      auto& st = self->state;
      st.forget_old_final(now_ms());
      if (st.next_periodic_ms != 0 && now_ms() >= st.next_periodic_ms) {
        st.next_periodic_ms = now_ms() + st.pacer.settings().period.count();
        reallocate(self, selector, manager, {}, {},
                   [log](caf::expected<realloc_summary> r) {
                     if (!r)
                       log->warn("periodic re-allocation: {}",
                                 caf::to_string(r.error()));
                   });
      }
      for (auto* job : st.expire(now_ms()))
        persist(*job);
      auto drop_before = st.refresh_groups(now_ms());
      if (!st.unsaved_events.empty() || drop_before > 0) {
        auto events = std::move(st.unsaved_events);
        st.unsaved_events.clear();
        self
          ->request(store, st.request_timeout, put_atom::value,
                    std::move(events), drop_before)
          .then([](ok_atom) {},
                [log](caf::error& err) {
                  log->warn("disconnect events not stored: {}",
                            caf::to_string(err));
                });
      }
      auto dirty = st.take_dirty_history();
      if (!dirty.empty())
        self
          ->request(store, st.request_timeout, put_atom::value,
                    std::move(dirty))
          .then([](ok_atom) {},
                [log](caf::error& err) {
                  log->warn("API history not stored: {}", caf::to_string(err));
                });
      self->delayed_send(self, st.tick_period, tick_atom::value);
    },
  };
}

} // namespace tether
