#include "actors/control/control_flows.hpp"
#include "actors/control/listings.hpp"
#include "actors/control/return_placement.hpp"

#include <algorithm>
#include <set>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/placement.hpp"
#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"
#include "actors/system/store_then.hpp"
#include "actors/system/timeout_to.hpp"
#include "config/topology.hpp"

namespace tether {

namespace {

/// Answers `rp` with the error of a failed request.
template <class Promise>
auto forward_error(Promise rp) {
  return [rp](caf::error& err) mutable {
    rp.deliver(std::move(err));
  };
}

/// Logs a failed fire-and-forget write as a warning.
auto warn_on_error(std::string what) {
  return [what = std::move(what)](caf::error& err) {
    logger("control")->warn("{}: {}", what, caf::to_string(err));
  };
}

// -- registration -------------------------------------------------------------

/// The cluster manager assigned a cluster: the record takes it; a record
/// that services changed meanwhile is stored again.
void on_assigned(control_self self, const control_peers& p,
                 const terminal_record& facts,
                 const std::set<std::string>& device_keys, destination& d,
                 caf::typed_response_promise<destination> rp) {
  bool created = !self->state.terminals.contains(facts.terminal_id);
  auto merged = self->state.terminals.complete_registration(facts, device_keys,
                                                            d.cluster_id);
  if (const auto* t = self->state.terminals.find(facts.terminal_id))
    d.token_generation = t->record.token_generation;
  d.created = created;
  if (merged)
    self
      ->request(p.store, self->state.request_timeout, put_atom::value, *merged)
      .then([](ok_atom) {}, warn_on_error("merged terminal record not stored"));
  rp.deliver(std::move(d));
}

/// The cluster manager assigns the cluster (its current one while it
/// matches).
void assign_cluster(control_self self, const control_peers& p,
                    const terminal_record& facts,
                    const std::set<std::string>& device_keys,
                    const assigned_label& label,
                    caf::typed_response_promise<destination> rp) {
  self
    ->request(p.manager,
              timeout_to(self, p.manager, self->state.request_timeout),
              assign_atom::value, facts, label)
    .then(
      [self, p, facts, device_keys, rp](destination& d) {
        on_assigned(self, p, facts, device_keys, d, rp);
      },
      forward_error(rp));
}

/// Its move waits for its pacing slot: it keeps its current cluster (the
/// manager's lookup; assigned as usual if that fails).
void keep_cluster(control_self self, const control_peers& p,
                  const terminal_record& facts,
                  const std::set<std::string>& device_keys,
                  const assigned_label& label,
                  caf::typed_response_promise<destination> rp) {
  self
    ->request(p.manager,
              timeout_to(self, p.manager, self->state.request_timeout),
              dest_atom::value, facts.terminal_id)
    .then(
      [self, p, facts, device_keys, rp](destination& d) {
        on_assigned(self, p, facts, device_keys, d, rp);
      },
      [self, p, facts, device_keys, label, rp](caf::error&) {
        assign_cluster(self, p, facts, device_keys, label, rp);
      });
}

/// The selector chose a label: placement re-runs (return_placement.hpp);
/// a terminal whose move the pacer holds keeps its cluster until its slot.
void on_label(control_self self, const control_peers& p, terminal_record facts,
              std::set<std::string> device_keys, assigned_label& label,
              caf::typed_response_promise<destination> rp) {
  auto id = facts.terminal_id;
  decide_return(self, p, id, label,
                [self, p, facts, device_keys, label, rp](return_verdict v) {
                  if (v == return_verdict::later)
                    keep_cluster(self, p, facts, device_keys, label, rp);
                  else
                    assign_cluster(self, p, facts, device_keys, label, rp);
                });
}

/// Asks the cluster manager to move a terminal; counts it once moved.
void move_terminal(control_self self, const control_peers& p,
                   const terminal_record& record, const assigned_label& label,
                   uint32_t after_ms) {
  self
    ->request(p.manager, self->state.request_timeout, move_atom::value, record,
              label, after_ms)
    .then([self, id = record.terminal_id](
            destination& d) { self->state.moved_to(id, d.cluster_id); },
          warn_on_error("re-allocation of " + record.terminal_id));
}

/// The cluster manager said which terminals of the run must move:
/// connected ones are paced, the others moved at once.
void start_moves(control_self self, const control_peers& p,
                 const realloc_plan& plan, std::vector<std::string>& moving,
                 const realloc_done& done) {
  auto& st = self->state;
  std::map<std::string, assigned_label> labels;
  for (size_t i = 0; i < plan.terminal_ids.size(); ++i)
    labels[plan.terminal_ids[i]] = plan.labels[i];
  realloc_summary out;
  out.candidates = plan.terminal_ids.size();
  out.moving = moving.size();
  std::vector<std::pair<std::string, assigned_label>> paced;
  for (auto& id : moving) {
    const auto* t = st.terminals.find(id);
    if (t == nullptr)
      continue;
    if (t->connected)
      paced.emplace_back(id, labels.at(id));
    else // nobody reconnects, so no pacing
      move_terminal(self, p, t->record.expand(id), labels.at(id), 0);
  }
  out.connected = paced.size();
  st.realloc.pacer.add(std::move(paced), pacer_now_us());
  out.pending = st.realloc.pacer.pending();
  if (st.realloc.start_ticking())
    move_due(self, p);
  logger("control")->info("re-allocation: {} terminals looked at, {} move ({} "
                          "connected, paced); {} reassigns pending",
                          out.candidates, out.moving, out.connected,
                          out.pending);
  done(out);
}

} // namespace

caf::error computed_item_error(const std::string& name, bool from_device) {
  auto field = from_device ? "attributes." + name : name;
  auto why = name == "service" && from_device
             ? "is set by the service side (PUT "
               "/v1/terminals/{id}/attributes), not by the device"
             : "is a label item the server computes (docs/LABELS.md); it "
               "cannot be set";
  return make_error(errc::bad_request, "field \"" + field + "\" " + why);
}

caf::result<destination> register_terminal(control_self self,
                                           const control_peers& p,
                                           terminal_record facts) {
  auto& st = self->state;
  if (auto refused
      = st.terminals.may_register(facts.terminal_id, st.max_terminals))
    return refused;
  if (auto name = forbidden_attribute(facts.attributes, true); !name.empty())
    return computed_item_error(name, true);
  auto rp = self->make_response_promise<destination>();
  auto device_keys
    = self->state.terminals.prepare_registration(facts, now_ms());
  // A retired terminal starts afresh, above the tokens it had before.
  facts.token_generation = std::max(
    facts.token_generation, st.revoked.min_generation(facts.terminal_id));
  self
    ->request(p.selector,
              timeout_to(self, p.selector, self->state.request_timeout),
              select_atom::value, self->state.label_facts(facts, now_ms()))
    .then(
      [self, p, facts, device_keys, rp](assigned_label& label) {
        label = self->state.placed_label(facts, std::move(label));
        on_label(self, p, facts, device_keys, label, rp);
      },
      forward_error(rp));
  return rp;
}

// -- terminals ----------------------------------------------------------------

namespace {

/// Delivers the view of a terminal with the label `items` give (none:
/// without label).
void deliver_view(control_self self, const std::string& terminal,
                  const std::vector<std::string>* items,
                  caf::typed_response_promise<terminal_status> rp) {
  auto& st = self->state;
  const auto* t = st.terminals.find(terminal);
  if (t == nullptr) {
    rp.deliver(not_registered(terminal));
    return;
  }
  auto now = now_ms();
  auto status = st.status_of(terminal, *t, now);
  if (items != nullptr)
    status.label = st.placed_label(
      status.record, select_label(st.label_facts(status.record, now), *items));
  rp.deliver(std::move(status));
}

/// Asks the selector for the label items in use, then calls `then` with
/// them, or with null when it did not answer in time (views without label,
/// rather than no view).
template <class F>
void with_label_items(control_self self, const control_peers& p, F then) {
  self
    ->request(p.selector, self->state.request_timeout, get_atom::value,
              label_atom::value)
    .then([then](std::vector<std::string>& items) mutable { then(&items); },
          [then](caf::error&) mutable { then(nullptr); });
}

void deliver_view(control_self self, const control_peers& p,
                  const std::string& terminal,
                  caf::typed_response_promise<terminal_status> rp) {
  with_label_items(self, p,
                   [self, terminal, rp](const std::vector<std::string>* items) {
                     deliver_view(self, terminal, items, rp);
                   });
}

} // namespace

caf::result<std::vector<terminal_status>>
terminal_list(control_self self, const control_peers& p,
              const std::string& prefix, uint32_t limit) {
  auto rp = self->make_response_promise<std::vector<terminal_status>>();
  with_label_items(
    self, p,
    [self, prefix, limit, rp](const std::vector<std::string>* items) mutable {
      rp.deliver(
        terminals_by_prefix(self->state, prefix, limit, now_ms(), items));
    });
  return rp;
}

caf::result<terminal_status> terminal_view(control_self self,
                                           const control_peers& p,
                                           const std::string& terminal) {
  if (!self->state.terminals.contains(terminal))
    return not_registered(terminal);
  auto rp = self->make_response_promise<terminal_status>();
  deliver_view(self, p, terminal, rp);
  return rp;
}

caf::result<terminal_status>
store_terminal(control_self self, const control_peers& p,
               caf::expected<terminal_record> changed) {
  if (!changed)
    return std::move(changed.error());
  auto rp = self->make_response_promise<terminal_status>();
  store_then(
    self, p.store, rp, "the change",
    [self, p, changed = *changed](auto& rp) mutable {
      const auto& rec = self->state.terminals.apply_change(std::move(changed));
      deliver_view(self, p, rec.terminal_id, rp);
    },
    nothing_to_undo, put_atom::value, *changed);
  return rp;
}

caf::result<terminal_status> revoke_terminal(control_self self,
                                             const control_peers& p,
                                             const std::string& terminal,
                                             bool revoke) {
  auto changed = self->state.terminals.with_revoked(terminal, revoke);
  if (!changed)
    return std::move(changed.error());
  auto rp = self->make_response_promise<terminal_status>();
  store_then(
    self, p.store, rp, "the revocation",
    [self, p, changed = *changed](auto& rp) mutable {
      auto& st = self->state;
      const auto& rec = st.terminals.apply_change(std::move(changed));
      st.revoked.set(rec.terminal_id, rec.token_generation);
      logger("control")->info(
        "terminal {} {} (token generation {})", rec.terminal_id,
        rec.revoked ? "revoked" : "no longer revoked", rec.token_generation);
      deliver_view(self, p, rec.terminal_id, rp);
    },
    nothing_to_undo, put_atom::value, *changed);
  return rp;
}

// -- jobs ---------------------------------------------------------------------

namespace {

/// Routes a stored job to the cluster manager, one-way: nothing here used
/// its answer (a debug line), and a timed request cost a timer on CAF's
/// clock thread, an awaited-response entry and a late timeout message per
/// job (docs/BENCHMARKS.md, "Job path"). `anon_send`: the manager's
/// answer then goes nowhere. A terminal that is not connected gets the job
/// when it connects (see open_atom); one the route missed (a manager that
/// was unreachable) gets it from the stuck-jobs sweep (stuck_jobs.hpp).
void route_job(const control_peers& p, job_record job) {
  caf::anon_send(p.manager, deliver_atom::value, std::move(job));
}

} // namespace

caf::result<job_record> push_job(control_self self, const control_peers& p,
                                 job_record request) {
  auto job = self->state.accept_job(std::move(request), now_ms());
  if (!job)
    return std::move(job.error());
  auto rp = self->make_response_promise<job_record>();
  // One copy for the store, one for the answer; the book holds its own.
  // Undoing needs only the job's ids (job_book::drop_job).
  std::vector<job_record> write(1, *job);
  job_record ids;
  ids.job_id = job->job_id;
  ids.terminal_id = job->terminal_id;
  store_then_within<caf::message_priority::high>( // the push is urgent
    self, local_store, p.store, rp, "the job",
    [self, p, job = std::move(*job)](auto& rp) mutable {
      self->state.job_stored(job, now_ms());
      flush_calls_if_full(self, p);
      rp.deliver(job);
      route_job(p, std::move(job));
    },
    [self, ids = std::move(ids)] { self->state.jobs.drop_job(ids); },
    put_atom::value, std::move(write), self->state.jobs.next_job_seq);
  return rp;
}

namespace {

/// Sends the waiting job states to the store as one request; once they are
/// stored, the callbacks of the final ones are posted; the answer (stored
/// or not) lets the states that came meanwhile go.
void send_job_writes(control_self self, const control_peers& p) {
  auto batch = self->state.job_writes.take();
  if (batch.jobs.empty())
    return;
  flush_calls_if_full(self, p); // into this write's batch
  self
    ->request(p.store, local_store, put_atom::value, states_atom::value,
              std::move(batch.jobs)) // the store writes them lazily
    .then(
      [self, p, callbacks = std::move(batch.callbacks)](ok_atom) {
        for (const auto& job : callbacks)
          self->send(p.notify, callback_atom::value, job);
        if (self->state.job_writes.answered())
          send_job_writes(self, p);
      },
      [self, p, what = std::move(batch.what)](caf::error& err) {
        logger("control")->error("{} not stored: {}", what,
                                 caf::to_string(err));
        if (self->state.job_writes.answered())
          send_job_writes(self, p);
      });
}

} // namespace

void persist_job(control_self self, const control_peers& p,
                 const job_record& job) {
  if (self->state.job_writes.add(job))
    send_job_writes(self, p);
}

void flush_job_writes(control_self self, const control_peers& p) {
  if (self->state.job_writes.waiting() > 0)
    send_job_writes(self, p);
}

void callback_done(control_self self, const control_peers& p,
                   const std::string& job_id, uint32_t attempts,
                   bool accepted) {
  auto* job = self->state.jobs.find(job_id);
  if (job == nullptr || !job->callback_pending)
    return;
  if (!accepted)
    logger("control")->warn("job {}: its callback was never accepted", job_id);
  // Stored, so that a restart does not notify again.
  job->callback_pending = false;
  job->callback_outcome = accepted ? "accepted" : "given_up";
  job->callback_attempts = attempts;
  persist_job(self, p, *job);
}

void send_unfinished(control_self self, const std::string& terminal,
                     const terminal_session_actor& session) {
  for (auto& job : self->state.jobs.unfinished(terminal))
    self->send(session, deliver_atom::value, std::move(job));
}

// -- admin --------------------------------------------------------------------

namespace {

/// Why a label configuration is refused (unknown or repeated items).
caf::error invalid_label_items(const std::vector<std::string>& items) {
  const auto& known = config::known_label_items();
  for (size_t i = 0; i < items.size(); ++i) {
    if (std::find(known.begin(), known.end(), items[i]) == known.end())
      return make_error(errc::bad_request, "field \"items[" + std::to_string(i)
                                             + "]\": unknown label item \""
                                             + items[i] + "\"");
    if (std::find(items.begin(), items.begin() + i, items[i])
        != items.begin() + i)
      return make_error(errc::bad_request, "field \"items[" + std::to_string(i)
                                             + "]\": \"" + items[i]
                                             + "\" appears twice");
  }
  return {};
}

using label_items_promise
  = caf::typed_response_promise<std::vector<std::string>>;

/// Stores the label configuration, then hands it to the selector.
void store_label_items(control_self self, const control_peers& p,
                       std::vector<std::string> items, label_items_promise rp) {
  store_then(
    self, p.store, rp, "the change",
    [self, selector = p.selector, items](auto& rp) {
      logger("control")->info("label configuration: {} items (admin)",
                              items.size());
      self
        ->request(selector, self->state.request_timeout, put_atom::value,
                  label_atom::value, items)
        .then(
          [rp](std::vector<std::string>& now) mutable {
            rp.deliver(std::move(now));
          },
          forward_error(rp));
    },
    nothing_to_undo, put_atom::value, label_atom::value, items);
}

} // namespace

caf::result<std::vector<std::string>>
put_label_items(control_self self, const control_peers& p,
                std::vector<std::string> items) {
  if (auto err = invalid_label_items(items))
    return err;
  auto rp = self->make_response_promise<std::vector<std::string>>();
  // The cluster manager checks the items against the clusters' labels as
  // they are now (strict matching: each must be named by a cluster).
  self
    ->request(p.manager, self->state.request_timeout, admit_atom::value,
              label_atom::value, items)
    .then(
      [self, p, items, rp](ok_atom) mutable {
        store_label_items(self, p, std::move(items), rp);
      },
      forward_error(rp));
  return rp;
}

caf::result<cluster_status>
put_cluster(control_self self, const control_peers& p, cluster_change ch) {
  if (!ch.has_labels || !self->state.strict_labels)
    return self->delegate(p.manager, put_atom::value, std::move(ch));
  // New labels must keep naming the label items in use (the manager checks
  // them under strict matching): the selector has the items.
  auto rp = self->make_response_promise<cluster_status>();
  self
    ->request(p.selector, self->state.request_timeout, get_atom::value,
              label_atom::value)
    .then(
      [self, p, ch, rp](std::vector<std::string>& items) mutable {
        ch.label_items = std::move(items);
        rp.delegate(p.manager, put_atom::value, std::move(ch));
      },
      forward_error(rp));
  return rp;
}

// -- re-allocation ------------------------------------------------------------

void reallocate(control_self self, const control_peers& p,
                std::string cluster_id, std::vector<std::string> terminal_ids,
                realloc_done done) {
  std::string unknown;
  auto ids = self->state.terminals.realloc_candidates(cluster_id, terminal_ids,
                                                      unknown);
  if (!unknown.empty())
    return done(not_registered(unknown));
  self
    ->request(p.selector, self->state.request_timeout, get_atom::value,
              label_atom::value)
    .then(
      [self, p, cluster_id, ids, done](std::vector<std::string>& items) {
        auto plan = self->state.plan_realloc(cluster_id, ids, items, now_ms());
        self
          ->request(p.manager, self->state.request_timeout, realloc_atom::value,
                    plan)
          .then(
            [self, p, plan, done](std::vector<std::string>& moving) {
              start_moves(self, p, plan, moving, done);
            },
            [done](caf::error& err) { done(std::move(err)); });
      },
      [done](caf::error& err) { done(std::move(err)); });
}

caf::result<realloc_summary> reallocate_now(control_self self,
                                            const control_peers& p,
                                            std::string cluster_id,
                                            std::vector<std::string> ids) {
  auto rp = self->make_response_promise<realloc_summary>();
  reallocate(self, p, std::move(cluster_id), std::move(ids),
             [rp](caf::expected<realloc_summary> r) mutable {
               if (r)
                 rp.deliver(std::move(*r));
               else
                 rp.deliver(std::move(r.error()));
             });
  return rp;
}

void move_due(control_self self, const control_peers& p) {
  auto& st = self->state;
  auto now = now_ms();
  auto now_us = pacer_now_us();
  // A terminal with a job in flight waits for it (at most [drain]
  // job_wait): its move is queued again, at the next free slot.
  std::vector<std::pair<std::string, assigned_label>> held;
  for (auto& m : st.realloc.pacer.take_due(now_us)) {
    if (st.holds_move(m.terminal_id, now))
      held.emplace_back(m.terminal_id, std::move(m.label));
    else if (const auto* t = st.terminals.find(m.terminal_id))
      move_terminal(self, p, t->record.expand(m.terminal_id), m.label,
                    m.after_ms);
  }
  if (!held.empty())
    st.realloc.pacer.add(std::move(held), now_us);
  if (st.realloc.keep_ticking())
    self->delayed_send(self,
                       std::chrono::microseconds{st.realloc.pacer.step_us()},
                       realloc_atom::value, tick_atom::value);
}

// -- the tick -----------------------------------------------------------------

namespace {

/// Stores the disconnect events not stored yet and drops those before
/// `drop_before`.
void flush_disconnects(control_self self, const control_peers& p,
                       int64_t drop_before) {
  auto& st = self->state;
  if (st.disconnects.unsaved.empty() && drop_before <= 0)
    return;
  self
    ->request(p.store, st.request_timeout, put_atom::value,
              st.disconnects.take_unsaved(), drop_before)
    .then([](ok_atom) {}, warn_on_error("disconnect events not stored"));
}

/// Deletes the stored events of classes that ended (only theirs); `then`
/// runs once they are deleted (or at once when there are none).
template <class Then, class OnError>
void delete_ended_events(control_self self, const control_peers& p, Then then,
                         OnError on_error) {
  auto ended = self->state.disconnects.tracker.take_ended();
  if (ended.empty())
    return then();
  self
    ->request(p.store, self->state.request_timeout, retire_atom::value,
              std::move(ended))
    .then([then](ok_atom) mutable { then(); }, on_error);
}

} // namespace

void flush_history(control_self self, const control_peers& p) {
  auto dirty = self->state.history.take_dirty();
  if (dirty.empty())
    return;
  self->request(p.store, local_store, put_atom::value, std::move(dirty))
    .then([](ok_atom) {}, warn_on_error("API history not stored"));
}

/// Queued jobs that waited too long behind a connected terminal go to its
/// session directly (their first route was not there yet).
void hand_stuck_jobs(control_self self) {
  for (auto& [session, jobs] : self->state.stuck_jobs_due(now_ms())) {
    logger("control")->info("{}: {} job(s) still queued while it is "
                            "connected; handing them to its session",
                            jobs.front().terminal_id, jobs.size());
    if (self->state.probes.watch(session.address(), jobs.front().terminal_id))
      self->monitor(session); // a session gone unseen disconnects it
    for (auto& job : jobs)
      self->send(session, deliver_atom::value, std::move(job));
  }
}

caf::result<uint64_t> end_class(control_self self, const control_peers& p,
                                const std::string& name) {
  auto& st = self->state;
  auto n = st.clear_class(name);
  if (!n)
    return n.error();
  logger("control")->info("class {} cleared (admin): {} terminals", name, *n);
  flush_disconnects(self, p, st.disconnects.tracker.prune(now_ms()));
  auto rp = self->make_response_promise<uint64_t>();
  auto fail = [rp](caf::error& err) mutable {
    rp.deliver(std::move(err));
  };
  // The members' events go first (so the class does not form again after a
  // restart), then their memberships.
  delete_ended_events(
    self, p,
    [self, p, rp, fail, n = *n]() mutable {
      self
        ->request(p.store, self->state.request_timeout, put_atom::value,
                  self->state.history.take_dirty())
        .then([rp, n](ok_atom) mutable { rp.deliver(n); }, fail);
    },
    fail);
  return rp;
}

void flush_for_stop(control_self self, const control_peers& p) {
  auto& st = self->state;
  // A disconnect storm of the last moments forms its class now, as the
  // tick would have (the stop's own disconnects are in none).
  flush_disconnects(self, p, st.refresh_groups(now_ms()));
  flush_history(self, p);
  flush_calls(self, p);
}

void on_tick(control_self self, const control_peers& p) {
  auto& st = self->state;
  st.jobs.forget_old_final(now_ms());
  if (st.realloc.periodic_due(now_ms()))
    reallocate(self, p, {}, {}, [](caf::expected<realloc_summary> r) {
      if (!r)
        logger("control")->warn("periodic re-allocation: {}",
                                caf::to_string(r.error()));
    });
  for (auto* job : st.jobs.expire(now_ms())) {
    st.expired(*job, now_ms());
    persist_job(self, p, *job);
  }
  if (auto n = st.disconnect_gone_sessions(now_ms()))
    logger("control")->warn("{} session(s) of connected terminals ended "
                            "unseen: their terminals are disconnected",
                            n);
  hand_stuck_jobs(self);
  flush_disconnects(self, p, st.refresh_groups(now_ms()));
  delete_ended_events(
    self, p, [] {}, warn_on_error("events of ended classes not deleted"));
  flush_history(self, p);
  flush_calls(self, p);
  self->delayed_send(self, st.tick_period, tick_atom::value);
}

} // namespace tether
