#include "actors/store/store_actor.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <utility>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"

namespace tether {

storage::status store_actor_state::flush(bool all_backlog) {
  calls_in.backlog.fill(calls, all_backlog);
  histories_in.backlog.fill(histories, all_backlog);
  auto began = std::chrono::steady_clock::now();
  auto st = db->put_batch(terminals, jobs, histories, next_seq, events,
                          drop_events_before_ms, calls);
  figures.observe(
    "tether_store_write_duration_seconds", {},
    std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
      .count());
  figures.add("tether_store_writes_total",
              {{"result", st.ok() ? "ok" : "failed"}});
  ++batches;
  records += terminals.size() + jobs.size() + histories.size() + events.size()
           + calls.size();
  calls.clear();
  terminals.clear();
  jobs.clear();
  histories.clear();
  events.clear();
  drop_events_before_ms = 0;
  next_seq = 0;
  return st;
}

namespace {

void answer(std::vector<caf::typed_response_promise<ok_atom>>& promises,
            const storage::status& result) {
  for (auto& rp : promises) {
    if (result.ok())
      rp.deliver(ok_atom::value);
    else
      rp.deliver(make_error(errc::unavailable, result.message));
  }
  promises.clear();
}

} // namespace

template <class Record>
void backlogged<Record>::written(const storage::status& result) {
  if (!result.ok() && outcome.ok())
    outcome = result;
  if (backlog.empty() && !waiting.empty())
    answer(waiting, std::exchange(outcome, {}));
}

void store_actor_state::flush_and_answer(bool all_backlog) {
  waiting_writes = false;
  flush_scheduled = false;
  auto answering = std::move(waiting);
  waiting.clear();
  auto result = flush(all_backlog);
  if (!result.ok())
    logger("store")->error("{}", result.message);
  answer(answering, result);
  calls_in.written(result);
  histories_in.written(result);
}

void store_actor_state::take_calls(std::vector<call_record>& cs,
                                   caf::typed_response_promise<ok_atom> rp) {
  sweep.wrote(cs.size());
  calls_in.take(cs, calls, std::move(rp));
}

bool store_actor_state::unchanged(const terminal_record& rec) {
  for (const auto& t : terminals)
    if (t.terminal_id == rec.terminal_id)
      return false; // the last put wins: it must be written
  storage::status st;
  auto stored = db->get_terminal(rec.terminal_id, st);
  return st.ok() && stored && storage::encode(*stored) == storage::encode(rec);
}

void store_actor_state::purge_expired() {
  storage::status result;
  auto n = db->purge_jobs(now_ms() - job_retention.count(), result);
  if (!result.ok())
    logger("store")->error("retention: {}", result.message);
  else if (n > 0)
    logger("store")->info("retention: deleted {} finished jobs older "
                          "than {} s",
                          n, job_retention.count() / 1000);
}

storage::store::sweep_result store_actor_state::sweep_history(int64_t now) {
  if (!sweep.step_now(now))
    return {};
  write_pending(); // the waiting writes go first
  storage::status result;
  auto began = std::chrono::steady_clock::now();
  auto r = db->sweep_calls(sweep_at, now - history.retention.count(),
                           history.max_per_terminal, sweep_step_keys(history),
                           result);
  figures.observe(
    "tether_history_sweep_duration_seconds", {},
    std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
      .count());
  figures.add("tether_history_sweep_keys_total", {}, r.examined);
  sweep.stepped(r, now);
  if (!result.ok())
    logger("store")->error("history retention: {}", result.message);
  else if (r.deleted > 0)
    logger("store")->debug("history retention: deleted {} of {} records "
                           "looked at",
                           r.deleted, r.examined);
  return r;
}

caf::result<call_page>
store_actor_state::history_page(const std::string& terminal, int64_t since_ms,
                                const std::string& cursor, uint32_t limit) {
  write_pending(true); // read all given so far
  storage::status st;
  auto page = db->load_calls(terminal, since_ms, cursor, limit, st);
  if (st.message == "malformed cursor")
    return make_error(errc::bad_request, "cursor: malformed (use a page's "
                                         "\"next\")");
  if (!st.ok())
    return make_error(errc::unavailable, st.message);
  return page;
}

caf::result<ok_atom>
store_actor_state::delete_events(const std::vector<disconnect_event>& es) {
  write_pending(); // the pending batch may put some of them
  auto st = db->delete_events(es);
  if (!st.ok())
    return make_error(errc::unavailable, st.message);
  return ok_atom::value;
}

caf::result<job_record> store_actor_state::get_job(const std::string& id) {
  write_pending(); // a lazy write may hold its latest state
  storage::status st;
  auto job = db->get_job(id, st);
  if (!st.ok())
    return make_error(errc::unavailable, st.message);
  if (!job)
    return make_error(errc::not_found, "job " + id + " does not exist");
  return std::move(*job);
}

namespace {

using self_ptr = store_actor::stateful_pointer<store_actor_state>;

/// Sends the store a `flush` unless one is on its way: it queues behind the
/// requests already in the mailbox, which all join its batch.
void schedule_flush(self_ptr self) {
  auto& st = self->state;
  st.waiting_writes = true;
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    ++st.flush_sent;
    self->send(caf::actor_cast<store_actor>(self), flush_atom::value);
  }
}

/// A lazy write joined the pending batch (lazy_write_wait): written with
/// the next write that is waited on, or by a `flush` lazy_write_wait later.
void schedule_lazy_flush(self_ptr self) {
  auto& st = self->state;
  st.waiting_writes = true;
  if (!st.flush_scheduled && !st.lazy_armed) {
    st.lazy_armed = true;
    self->delayed_send(caf::actor_cast<store_actor>(self), lazy_write_wait,
                       flush_atom::value);
  }
}

/// Joins the pending batch: returns the promise answered after the flush
/// (at once for a write that is waited on, else lazily).
caf::typed_response_promise<ok_atom> enqueue(self_ptr self, bool lazy = false) {
  if (lazy)
    schedule_lazy_flush(self);
  else
    schedule_flush(self);
  auto rp = self->make_response_promise<ok_atom>();
  self->state.waiting.push_back(rp);
  return rp;
}

/// Records still in a backlog go with the next batch (lazily, never in
/// front of the requests that arrived meanwhile).
void keep_writing(self_ptr self) {
  if (self->state.backlogged_records())
    schedule_lazy_flush(self);
}

/// Takes a hand-over of history records (answered once all are written).
caf::result<ok_atom> take_calls(self_ptr self, std::vector<call_record>& cs) {
  auto rp = self->make_response_promise<ok_atom>();
  self->state.take_calls(cs, rp);
  schedule_lazy_flush(self);
  return rp;
}

/// Takes a hand-over of API histories (answered once all are written).
caf::result<ok_atom> take_histories(self_ptr self,
                                    std::vector<api_history>& hs) {
  auto rp = self->make_response_promise<ok_atom>();
  auto& st = self->state;
  st.histories_in.take(hs, st.histories, rp);
  schedule_lazy_flush(self);
  return rp;
}

/// Moves `from` to the end of `to`.
template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()),
            std::make_move_iterator(from.end()));
}

/// The answer to a write done on its own (admin changes).
caf::result<ok_atom> written(const storage::status& st) {
  if (!st.ok())
    return make_error(errc::unavailable, st.message);
  return ok_atom::value;
}

caf::result<std::vector<api_key_record>> api_keys_of(storage::store& db) {
  storage::status st;
  auto keys = db.load_api_keys(st);
  if (!st.ok() && keys.empty())
    return make_error(errc::unavailable, st.message);
  return keys;
}

caf::result<ok_atom> revoked(storage::store& db, const std::string& id) {
  bool found = false;
  if (auto st = db.delete_api_key(id, found); !st.ok())
    return written(st);
  if (!found)
    return make_error(errc::not_found, "no API key " + id);
  return ok_atom::value;
}

/// One step of the history records' retention sweep, then the next.
void sweep_history_and_rearm(self_ptr self) {
  self->state.sweep_history(now_ms());
  keep_writing(self);
  self->delayed_send(self, sweep_step_period(self->state.history),
                     history_atom::value, tick_atom::value);
}

/// Retires a terminal: the writes waiting in the batch go first (none of
/// them may bring the record back after its deletion).
caf::result<ok_atom> retire(self_ptr self, const std::string& id,
                            uint64_t generation) {
  self->state.write_pending(true);
  return written(self->state.db->retire_terminal(id, generation));
}

/// The store's state at start, and its first sweep and purge ticks.
void start(self_ptr self, std::shared_ptr<storage::store> db,
           std::chrono::milliseconds job_retention,
           const history_limits& history) {
  auto& st = self->state;
  st.db = std::move(db);
  st.job_retention = job_retention;
  st.history = history;
  st.sweep = sweep_schedule{history.retention, history.max_per_terminal};
  st.calls_in.backlog = call_backlog{history.calls_per_batch};
  st.histories_in.backlog = history_backlog{history.histories_per_batch};
  self->delayed_send(self, sweep_step_period(history), history_atom::value,
                     tick_atom::value);
  if (job_retention.count() > 0)
    self->delayed_send(self, purge_period(job_retention), tick_atom::value);
  // A graceful stop (the deployment's exit message) writes what is pending
  // first: the lazy job states of the last lazy_write_wait and the backlog
  // are not lost with the process.
  self->set_exit_handler([self](caf::exit_msg& em) {
    self->state.write_pending(true);
    if (em.reason)
      self->quit(em.reason);
  });
}

/// Admin changes, keys and retirements: rare, each written (and synced) on
/// its own.
auto admin_handlers(self_ptr self) {
  return std::make_tuple(
    [self](put_atom, const cluster_settings& c) -> caf::result<ok_atom> {
      return written(self->state.db->put_cluster_settings(c));
    },
    [self](put_atom, label_atom,
           const std::vector<std::string>& items) -> caf::result<ok_atom> {
      return written(self->state.db->put_label_items(items));
    },
    [self](put_atom, node_atom, const std::string& node,
           const std::string& state) -> caf::result<ok_atom> {
      return written(self->state.db->put_node_state(node, state));
    },
    [self](get_atom, key_atom) -> caf::result<std::vector<api_key_record>> {
      return api_keys_of(*self->state.db);
    },
    [self](put_atom, const api_key_record& k) -> caf::result<ok_atom> {
      return written(self->state.db->put_api_key(k));
    },
    [self](revoke_atom, const std::string& id) -> caf::result<ok_atom> {
      return revoked(*self->state.db, id);
    },
    [self](retire_atom, const std::string& id, uint64_t generation)
      -> caf::result<ok_atom> { return retire(self, id, generation); });
}

/// Jobs, terminals, events and history: group-committed (store_actor.hpp).
auto batched_handlers(self_ptr self) {
  return std::make_tuple(
    [self](tick_atom) {
      self->state.purge_expired();
      self->delayed_send(self, purge_period(self->state.job_retention),
                         tick_atom::value);
    },
    [self](put_atom, terminal_record& rec) -> caf::result<ok_atom> {
      if (self->state.unchanged(rec))
        return ok_atom::value;
      self->state.terminals.push_back(std::move(rec));
      return enqueue(self);
    },
    [self](put_atom, std::vector<job_record>& jobs,
           uint64_t next_seq) -> caf::result<ok_atom> {
      append(self->state.jobs, jobs);
      self->state.next_seq = std::max(self->state.next_seq, next_seq);
      return enqueue(self);
    },
    [self](put_atom, states_atom,
           std::vector<job_record>& jobs) -> caf::result<ok_atom> {
      append(self->state.jobs, jobs);
      return enqueue(self, true);
    },
    [self](put_atom, std::vector<api_history>& hs) -> caf::result<ok_atom> {
      return take_histories(self, hs);
    },
    // Disconnect events (GE/GF), and the time before which stored events
    // are no longer needed (0: keep).
    [self](put_atom, std::vector<disconnect_event>& es,
           int64_t drop_before) -> caf::result<ok_atom> {
      append(self->state.events, es);
      self->state.drop_events_before_ms
        = std::max(self->state.drop_events_before_ms, drop_before);
      return enqueue(self);
    },
    // Exactly these events go (a class ended): after what is pending, which
    // may hold some of them.
    [self](retire_atom, const std::vector<disconnect_event>& es)
      -> caf::result<ok_atom> { return self->state.delete_events(es); },
    [self](flush_atom) { // a read may have written it already
      self->state.flush_arrived();
      self->state.write_pending();
      keep_writing(self);
    },
    [self](put_atom, std::vector<call_record>& cs) -> caf::result<ok_atom> {
      return take_calls(self, cs);
    },
    [self](get_atom, history_atom, const std::string& terminal, int64_t since,
           const std::string& cursor, uint32_t limit) {
      return self->state.history_page(terminal, since, cursor, limit);
    },
    [self](history_atom, tick_atom) { sweep_history_and_rearm(self); },
    [self](get_atom, metrics_atom) { return self->state.figures.series(); },
    // A job read writes what is pending first (it may hold the job).
    [self](get_atom, job_atom, const std::string& id)
      -> caf::result<job_record> { return self->state.get_job(id); });
}

} // namespace

store_actor::behavior_type
store_service(self_ptr self, std::shared_ptr<storage::store> db,
              std::chrono::milliseconds job_retention, history_limits history) {
  start(self, std::move(db), job_retention, history);
  return std::apply(
    [](auto&&... handlers) {
      return store_actor::behavior_type{std::move(handlers)...};
    },
    std::tuple_cat(batched_handlers(self), admin_handlers(self)));
}

size_t sweep_step_keys(const history_limits& h) {
  return std::max<size_t>(1,
                          (h.sweep_per_tick + sweep_steps - 1) / sweep_steps);
}

std::chrono::milliseconds sweep_step_period(const history_limits& h) {
  return std::max<std::chrono::milliseconds>(
    std::chrono::milliseconds{1},
    h.sweep_period / static_cast<int64_t>(sweep_steps));
}

std::chrono::milliseconds purge_period(std::chrono::milliseconds retention) {
  using namespace std::chrono;
  return std::clamp<milliseconds>(retention / 4, seconds{1}, hours{1});
}

} // namespace tether
