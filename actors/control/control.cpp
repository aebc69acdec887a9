#include "actors/control/control.hpp"

#include <tuple>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/control/bulk_push.hpp"
#include "actors/control/class_listing.hpp"
#include "actors/control/control_flows.hpp"
#include "actors/control/listings.hpp"
#include "actors/control/operator_flows.hpp"
#include "actors/control/return_placement.hpp"
#include "actors/policy/placement.hpp"
#include "actors/policy/services.hpp"
#include "actors/system/close_codes.hpp"
#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"
#include "config/topology.hpp"

namespace tether {

// -- control_state: what needs more than one section
// ---------------------------

std::vector<job_record> control_state::start(const control_settings& cfg,
                                             control_snapshot snapshot,
                                             int64_t now) {
  request_timeout = cfg.request_timeout;
  jobs.max_queue = cfg.max_queue_per_terminal;
  jobs.job_retention_ms = cfg.job_retention.count();
  jobs.max_final_in_memory = cfg.final_jobs_in_memory;
  jobs.next_job_seq = snapshot.next_job_seq;
  history.window_ms = cfg.label_rules.window.count();
  disconnects.tracker = disconnect_tracker{cfg.label_rules};
  realloc.configure(cfg.reallocation, now);
  held_moves = job_waits{cfg.drain_job_wait};
  stuck.after_ms = cfg.stuck_after.count();
  max_terminals = cfg.max_terminals;
  strict_labels = cfg.strict_labels;
  revoked.load(snapshot.terminals, now);
  for (const auto& [id, generation] : snapshot.retired)
    revoked.set(id, generation);
  terminals.load(std::move(snapshot.terminals));
  history.load(std::move(snapshot.histories));
  // The stored connection history of each terminal.
  for (auto& [id, t] : terminals.entries)
    if (auto h = history.find(id)) {
      t.connects = h->connects;
      t.disconnects = h->disconnects;
      t.keepalive_failures = h->keepalive_failures;
      t.last_seen_ms = h->last_seen_ms;
    }
  // The stored GE/GF classes (kept beyond the events' windows).
  for (const auto& [id, h] : history.by_terminal) {
    auto [failure, formed] = parse_stored_failure_class(h.failure_class());
    disconnects.tracker.load({id, h.disconnect_class(), failure, formed}, now);
  }
  // Stored disconnect events (oldest first): the groups they make, and each
  // terminal's last known address.
  disconnects.load(std::move(snapshot.disconnects), terminals);
  refresh_groups(now);
  return jobs.load(std::move(snapshot.jobs));
}

caf::expected<job_record> control_state::accept_job(job_record request,
                                                    int64_t now) {
  const auto* t = terminals.find(request.terminal_id);
  if (t == nullptr)
    return not_registered(request.terminal_id);
  if (!services::serves(t->record.services, request.service))
    return make_error(errc::conflict, "terminal " + request.terminal_id
                                        + " does not serve service \""
                                        + request.service + "\"");
  if (auto err = jobs.queue_full(request.terminal_id))
    return err;
  return jobs.new_job(std::move(request), now);
}

job_record* control_state::apply(const job_update& update, int64_t now) {
  auto* job = jobs.apply(update, now);
  if (job != nullptr) {
    job_figures.applied(update.status, *job, now);
    const auto* t = terminals.find(job->terminal_id);
    calls.add_job_step(job->terminal_id, job->job_id, update.status,
                       t != nullptr ? t->node_id.str() : std::string{}, now);
  }
  // Returned with a "done" report only when it just became done.
  if (job != nullptr && update.status == "done") // GB (print) and GI (all)
    history.count_done(job->terminal_id, job->service == "print", update.pages,
                       now);
  // GD: delivered again, so the last delivery never reached the terminal.
  if (job != nullptr && update.status == "delivered" && job->deliveries > 1
      && job->acked_at_ms == 0)
    history.count_failure(job->terminal_id, now);
  return job;
}

void control_state::job_stored(const job_record& job, int64_t now) {
  jobs.stored(job);
  calls.add(job.terminal_id, call_event::job_pushed, now, job.job_id);
  // GC counts the pushes that reach the terminal's node (docs/LABELS.md),
  // so here, once stored: a refused one stored nothing and sent nothing,
  // and counts neither there nor in GD, which counts failed communications
  // with the terminal (count_failure). Found by a new user: refused pushes
  // raised a terminal's api_call_frequency, so a buggy service could move it.
  if (terminals.contains(job.terminal_id))
    history.count_call(job.terminal_id, false, now);
}

void control_state::record_call(const std::string& terminal_id,
                                const std::string& call, uint16_t http_status,
                                int64_t now) {
  auto event = call_event_of(call);
  if (!event.empty() && terminals.contains(terminal_id))
    calls.add(terminal_id, event, now, {}, std::to_string(http_status));
}

void control_state::expired(const job_record& job, int64_t now) {
  job_figures.finished(job);
  if (terminals.contains(job.terminal_id))
    calls.add(job.terminal_id, call_event::job_finished, now, job.job_id,
              job.status);
  if (job.status == "expired" && job.acked_at_ms == 0
      && terminals.contains(job.terminal_id))
    history.count_failure(job.terminal_id, now); // GD
}

void control_state::on_closed(const std::string& terminal_id,
                              const std::string& reason,
                              const terminal_session_actor& session,
                              int64_t now) {
  if (const auto* t = terminals.on_closed(terminal_id, reason, session, now)) {
    // A balancer going away or stopping closes its sockets, and a device
    // the server moved closes its own: not the network's failures, so no
    // GE/GF event (the disconnect still counts).
    bool ordered = disconnects.reassigned.erase(terminal_id) > 0;
    // Nor a session gone unseen (maybe only its link to this process).
    if (!ordered && reason != close_reason::balancer_gone
        && reason != close_reason::shutdown && reason != session_gone_reason)
      disconnects.record(now, terminal_id, t->address);
    calls.add(terminal_id, call_event::disconnect, now, {}, reason, t->node_id,
              t->address);
    sessions_seen.note("disconnect", terminal_id, reason, now);
    remember_connection(terminal_id);
  }
}

size_t control_state::disconnect_gone_sessions(int64_t now) {
  size_t n = 0;
  for (auto& [session, terminal] : probes.take_ended()) {
    const auto* t = terminals.find(terminal);
    if (t == nullptr || !t->session || t->session.address() != session)
      continue; // replaced, or its "closed" came (first or after the down)
    auto current = t->session; // on_closed clears the entry's handle
    on_closed(terminal, std::string{session_gone_reason}, current, now);
    ++n;
  }
  return n;
}

void control_state::remember_connection(const std::string& terminal_id) {
  if (const auto* t = terminals.find(terminal_id))
    history.set_connection(terminal_id, t->connects, t->disconnects,
                           t->keepalive_failures, t->last_seen_ms);
}

void control_state::forget_terminal(const std::string& terminal_id) {
  terminals.erase(terminal_id);
  history.by_terminal.erase(terminal_id);
  history.dirty.erase(terminal_id);
  disconnects.reassigned.erase(terminal_id);
}

void control_state::moved_to(const std::string& terminal_id,
                             const std::string& cluster_id) {
  if (terminals.set_cluster(terminal_id, cluster_id)) {
    ++realloc.moved;
    if (const auto* t = terminals.find(terminal_id); t && t->connected)
      disconnects.reassigned.insert(terminal_id);
  }
}

terminal_status control_state::status_of(const std::string& terminal_id,
                                         const terminal_entry& t,
                                         int64_t now) const {
  auto out = terminals.status_of(terminal_id, t, now);
  if (auto h = history.find(terminal_id))
    out.api = std::move(*h);
  out.open_jobs = static_cast<uint32_t>(jobs.open_count(terminal_id));
  return out;
}

terminal_record control_state::label_facts(const terminal_record& rec,
                                           int64_t now) const {
  label_inputs in;
  auto history_of = history.find(rec.terminal_id);
  in.history = history_of ? &*history_of : nullptr;
  if (!rec.users.empty())
    in.user_jobs = history.jobs_of_user(rec.users.front());
  if (const auto* t = terminals.find(rec.terminal_id))
    in.address = t->address;
  // GG: the server's mapping wins over the device's claim.
  auto facts = rec;
  facts.region = derived_region(disconnects.tracker.rules().regions,
                                rec.terminal_id, in.address, rec.region);
  auto computed = computed_items(facts, in, disconnects.tracker,
                                 config::known_label_items(), now);
  return with_computed(std::move(facts), computed);
}

assigned_label control_state::placed_label(const terminal_record& rec,
                                           assigned_label label) const {
  if (null_label_model(disconnects.tracker.rules(), rec.model))
    label.items.clear(); // S620/S630: every cluster is a candidate
  return label;
}

realloc_plan control_state::plan_realloc(
  const std::string& cluster_id, const std::vector<std::string>& candidates,
  const std::vector<std::string>& items, int64_t now) const {
  realloc_plan plan;
  plan.cluster_id = cluster_id;
  for (const auto& id : candidates)
    if (const auto* t = terminals.find(id)) {
      plan.terminal_ids.push_back(id);
      auto rec = t->record.expand(id);
      plan.labels.push_back(
        placed_label(rec, select_label(label_facts(rec, now), items)));
    }
  return plan;
}

void control_state::keep_classes() {
  for (auto& m : disconnects.tracker.take_new()) { // stored on the next flush
    history.clear_classes(m.terminal_id, m.clear_disconnect, m.clear_failure);
    if (!m.disconnect_class.empty() || !m.failure_class.empty())
      history.set_classes(
        m.terminal_id, m.disconnect_class,
        m.failure_class.empty()
          ? std::string{}
          : stored_failure_class(m.failure_class, m.failure_formed_ms));
  }
}

caf::expected<uint64_t> control_state::clear_class(const std::string& name) {
  auto n = disconnects.tracker.clear(name);
  if (!n)
    return make_error(errc::not_found, "no class \"" + name + "\"");
  keep_classes();
  return static_cast<uint64_t>(*n);
}

int64_t control_state::refresh_groups(int64_t now) {
  auto drop_before = disconnects.refresh(now, terminals);
  keep_classes();
  history.refresh_user_jobs(now, terminals.first_users());
  return drop_before;
}

// -- the behaviour ------------------------------------------------------------

namespace {

/// Registration, terminal views and changes, and the sessions' reports.
auto terminal_handlers(control_self self, control_peers p) {
  return std::make_tuple(
    [self, p](register_atom,
              terminal_record& facts) -> caf::result<destination> {
      return register_terminal(self, p, std::move(facts));
    },
    [self, p](dest_atom,
              const std::string& terminal) -> caf::result<destination> {
      return destination_now(self, p, terminal); // return_placement.hpp
    },
    [self, p](revoke_atom, terminal_atom, const std::string& terminal,
              bool revoke) -> caf::result<terminal_status> {
      return revoke_terminal(self, p, terminal, revoke);
    },
    [self](get_atom, revoke_atom, uint64_t known) {
      return self->state.revoked.since(known);
    },
    [self, p](retire_atom,
              const std::string& terminal) -> caf::result<terminal_status> {
      return retire_terminal(self, p, terminal); // operator_flows.hpp
    },
    [self, p](get_atom, terminal_atom,
              const std::string& terminal) -> caf::result<terminal_status> {
      return terminal_view(self, p, terminal);
    },
    [self, p](get_atom, terminal_atom, const std::string& prefix,
              uint32_t limit) -> caf::result<std::vector<terminal_status>> {
      return terminal_list(self, p, prefix, limit);
    },
    [self, p](put_atom, attrs_atom, const std::string& terminal,
              std::map<std::string, std::string>& attrs)
      -> caf::result<terminal_status> {
      if (auto name = forbidden_attribute(attrs, false); !name.empty())
        return computed_item_error(name, false);
      return store_terminal(
        self, p, self->state.terminals.with_attributes(terminal, attrs));
    },
    [self, p](put_atom, user_atom, const std::string& user,
              const std::string& terminal) -> caf::result<terminal_status> {
      return store_terminal(self, p,
                            self->state.terminals.with_user(terminal, user));
    },
    [self](history_atom, const std::string& terminal, const std::string& call,
           uint16_t status) {
      self->state.record_call(terminal, call, status, now_ms());
    },
    [self, p](get_atom, history_atom, const std::string& terminal,
              int64_t since, const std::string& cursor,
              uint32_t limit) -> caf::result<call_page> {
      return history_page(self, p, terminal, since, cursor, limit);
    });
}

/// A session announced itself: the current one gets the terminal's
/// unfinished jobs; a stale one (older generation) and one it displaced
/// after a control restart are told to end, leaving the device's socket to
/// the current session.
void announced(control_self self, const std::string& terminal,
               const std::string& node, const terminal_session_actor& session,
               uint64_t generation, terminal_table::announce how) {
  auto r = self->state.terminals.on_announce(terminal, node, session,
                                             generation, now_ms(), how);
  if (!r.known) { // retired while its session opened or moved
    logger("control")->info("{}: session on {} for a terminal no longer "
                            "registered ends",
                            terminal, node);
    self->send(session, close_atom::value, close_code::retired,
               std::string{close_reason::retired});
    return;
  }
  auto stale = std::string{close_reason::superseded};
  if (!r.taken) {
    logger("control")->info("{}: stale session on {} ends", terminal, node);
    self->send(session, closed_atom::value, stale);
    return;
  }
  if (r.displaced && how == terminal_table::announce::again)
    self->send(r.displaced, closed_atom::value, stale);
  if (how == terminal_table::announce::open)
    self->state.remember_connection(terminal);
  if (how != terminal_table::announce::again) {
    const auto* t = self->state.terminals.find(terminal);
    self->state.calls.add(
      terminal,
      how == terminal_table::announce::open ? call_event::connect
                                            : call_event::moved,
      now_ms(), {}, {}, node, t != nullptr ? t->address : std::string{});
  }
  send_unfinished(self, terminal, session);
}

/// A session moved to another node: announced, with the key of its
/// connection ids (what svc_conn says after the other announcements).
void moved(control_self self, session_moved& m) {
  announced(self, m.terminal_id, m.node_id, m.session, m.generation,
            terminal_table::announce::moved);
  self->state.terminals.on_service_connections(
    m.terminal_id, m.session, m.service_key, std::move(m.service_names));
}

/// Sessions opening, moving, announcing themselves again and closing.
auto session_handlers(control_self self) {
  using how = terminal_table::announce;
  return std::make_tuple(
    [self](open_atom, const std::string& terminal, const std::string& node,
           terminal_session_actor& session, const std::string& address,
           uint64_t generation) {
      auto* t = self->state.terminals.find(terminal);
      if (t != nullptr && !address.empty())
        t->address = address;
      announced(self, terminal, node, session, generation, how::open);
      self->state.sessions_seen.note("connect", terminal, node, now_ms());
    },
    [self](move_atom, session_moved& m) { moved(self, m); },
    [self](move_atom, std::vector<session_moved>& batch) {
      for (auto& m : batch) // a node's re-homing batch
        moved(self, m);
    },
    [self](peer_atom, const std::string& terminal, const std::string& node,
           terminal_session_actor& session, uint64_t generation) {
      announced(self, terminal, node, session, generation, how::again);
    },
    [self](closed_atom, const std::string& terminal, const std::string& reason,
           const terminal_session_actor& session) {
      self->state.on_closed(terminal, reason, session, now_ms());
    },
    [self](svc_conn_atom, const std::string& terminal,
           const terminal_session_actor& session, uint64_t key_hi,
           uint64_t key_lo, std::vector<std::string>& names) {
      self->state.terminals.on_service_connections(
        terminal, session, services::connection_key{key_hi, key_lo},
        std::move(names));
    });
}

/// Jobs: push, lookup, status reports, callbacks.
auto job_handlers(control_self self, control_peers p) {
  return std::make_tuple(
    [self, p](push_atom, job_record& request) -> caf::result<job_record> {
      return push_job(self, p, std::move(request));
    },
    [self, p](push_atom, std::vector<job_record>& items)
      -> caf::result<std::vector<bulk_outcome>> {
      return push_jobs(self, p, std::move(items)); // bulk_push.hpp
    },
    [self, p](get_atom, job_atom,
              const std::string& id) -> caf::result<job_record> {
      if (const auto* job = self->state.jobs.find(id))
        return *job;
      flush_job_writes(self, p); // the store then has its latest state
      return self->delegate(p.store, get_atom::value, job_atom::value, id);
    },
    [self](get_atom, job_atom, const std::string& terminal,
           const std::string& status, uint32_t limit) {
      return recent_jobs(self->state.jobs, terminal, status, limit);
    },
    [self, p](cancel_atom, const std::string& id) -> caf::result<job_record> {
      return cancel_job(self, p, id); // operator_flows.hpp
    },
    [self, p](const job_update& update) {
      if (auto* job = self->state.apply(update, now_ms()))
        persist_job(self, p, *job);
    },
    [self, p](callback_atom, const std::string& id, uint32_t attempts,
              bool accepted) {
      callback_done(self, p, id, attempts, accepted);
    });
}

/// The admin API, re-allocation and the timers.
auto admin_handlers(control_self self, control_peers p) {
  return std::make_tuple(
    [self, p](status_atom) -> caf::delegated<std::vector<cluster_status>> {
      return self->delegate(p.manager, status_atom::value);
    },
    [self, p](put_atom, cluster_change& ch) -> caf::result<cluster_status> {
      return put_cluster(self, p, std::move(ch));
    },
    [self, p](get_atom,
              label_atom) -> caf::delegated<std::vector<std::string>> {
      return self->delegate(p.selector, get_atom::value, label_atom::value);
    },
    [self, p](put_atom, label_atom, std::vector<std::string>& items)
      -> caf::result<std::vector<std::string>> {
      return put_label_items(self, p, std::move(items));
    },
    [self, p](retire_atom, label_atom,
              const std::string& name) -> caf::result<uint64_t> {
      return end_class(self, p, name); // a GE/GF class (control_flows.hpp)
    },
    [self](get_atom, label_atom, uint32_t max_ids) {
      return list_classes(self->state.disconnects.tracker, max_ids);
    },
    [self](get_atom, label_atom, const std::string& name,
           const std::string& after,
           uint32_t limit) -> caf::result<quality_class> {
      auto page
        = class_page(self->state.disconnects.tracker, name, after, limit);
      if (!page)
        return make_error(errc::not_found, "no class \"" + name + "\"");
      return std::move(*page);
    },
    [self](get_atom, open_atom, uint64_t after) {
      return self->state.sessions_seen.read(after, now_ms());
    },
    [self, p](put_atom, node_atom, const std::string& node,
              const std::string& state) -> caf::delegated<node_status> {
      return self->delegate(p.manager, put_atom::value, node_atom::value, node,
                            state);
    },
    [self, p](put_atom, node_change& ch) -> caf::delegated<node_status> {
      return self->delegate(p.manager, put_atom::value, std::move(ch));
    },
    [self, p](realloc_atom, std::string& cluster,
              std::vector<std::string>& ids) -> caf::result<realloc_summary> {
      return reallocate_now(self, p, std::move(cluster), std::move(ids));
    },
    [self, p](realloc_atom, tick_atom) { move_due(self, p); },
    // API keys live in the store; the gateways cache them (api_keys.hpp)
    [self, p](get_atom,
              key_atom) -> caf::delegated<std::vector<api_key_record>> {
      return self->delegate(p.store, get_atom::value, key_atom::value);
    },
    [self, p](put_atom, const api_key_record& k) -> caf::delegated<ok_atom> {
      return self->delegate(p.store, put_atom::value, k);
    },
    [self, p](revoke_atom, const std::string& id) -> caf::delegated<ok_atom> {
      return self->delegate(p.store, revoke_atom::value, id);
    },
    [self, p](tick_atom) { on_tick(self, p); },
    [self, p](flush_atom) { // a graceful stop (net/ordered_stop.hpp)
      flush_for_stop(self, p);
      return ok_atom::value;
    },
    [self, p](get_atom, metrics_atom) { return gather_metrics(self, p); });
}

} // namespace

control_actor::behavior_type
control(control_self self, control_settings cfg, control_snapshot snapshot,
        selector_actor selector, cluster_manager_actor manager,
        store_actor store, http_poster_ptr poster) {
  auto& st = self->state;
  auto callbacks = st.start(cfg, std::move(snapshot), now_ms());
  logger("control")->info(
    "control: {} terminals, {} jobs ({} terminals with open jobs, "
    "{} callbacks to resume)",
    st.terminals.size(), st.jobs.jobs.size(), st.jobs.open_jobs.size(),
    callbacks.size());
  auto notify
    = self->spawn<caf::linked>(notifier, cfg.callbacks, std::move(poster),
                               caf::actor_cast<control_actor>(self));
  for (auto& j : callbacks)
    self->send(notify, callback_atom::value, std::move(j));
  control_peers p{std::move(selector), std::move(manager), std::move(store),
                  notify};
  self->send(self, tick_atom::value);
  self->set_down_handler([self](caf::down_msg& down) {
    self->state.probes.ended(down.source); // checked at the next tick
  });
  // One handler per message of control_actor, grouped by concern.
  return std::apply(
    [](auto&&... handlers) {
      return control_actor::behavior_type{std::move(handlers)...};
    },
    std::tuple_cat(terminal_handlers(self, p), session_handlers(self),
                   job_handlers(self, p), admin_handlers(self, p)));
}

std::vector<std::pair<terminal_session_actor, std::vector<job_record>>>
control_state::stuck_jobs_due(int64_t now) {
  std::vector<std::pair<terminal_session_actor, std::vector<job_record>>> out;
  stuck.prune(now);
  for (const auto& [terminal, ids] : jobs.open_jobs) {
    auto* t = terminals.find(terminal);
    if (t == nullptr || !t->connected || !t->session)
      continue;
    if (auto due = stuck.due(jobs, terminal, now); !due.empty())
      out.emplace_back(t->session, std::move(due));
  }
  return out;
}

} // namespace tether
