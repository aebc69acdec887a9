#include "actors/cluster_manager/cluster_manager.hpp"

#include <algorithm>
#include <chrono>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster_manager/bulk_deliver.hpp"
#include "actors/system/errors.hpp"
#include "actors/system/fan_out.hpp"
#include "actors/system/log.hpp"
#include "actors/system/store_then.hpp"

namespace tether {

// -- cluster_manager_state ----------------------------------------------------

void cluster_manager_state::init(config::topology& topo,
                                 const storage::admin_settings& stored,
                                 const std::vector<terminal_record>& mapped) {
  auto log = logger("cluster_manager");
  caps.configure(topo.clusters);
  retry_hint = "; retry after "
             + std::to_string((topo.timers.retry_after.count() + 999) / 1000)
             + " s";
  std::vector<std::vector<std::string>> pools;
  for (const auto& c : topo.clusters)
    pools.push_back(config::nodes_reachable_by(topo, c));
  for (auto& c : topo.clusters) {
    bool enabled = c.enabled;
    // Standby nodes start so; a stored state (a woken or returned node)
    // overrides this below.
    for (const auto& n : c.elastic.standby)
      admin.set_node_state(n, "standby");
    cluster_entry entry;
    entry.cfg = std::move(c);
    entry.enabled = enabled;
    entry.pool_nodes = std::move(pools[clusters.size()]);
    clusters.entries.push_back(std::move(entry));
  }
  admin.apply_stored(clusters, stored);
  elastic.period = topo.autoscale.period;
  elastic.cooldown = topo.autoscale.cooldown;
  elastic.command_interval = topo.autoscale.min_interval;
  elastic.has_command = !topo.autoscale.command.empty();
  autoscale_command = topo.autoscale.command;
  autoscale_timeout = topo.autoscale.timeout;
  moves.ratio = topo.autoscale.rebalance_ratio;
  moves.period = topo.autoscale.period;
  moves.cooldown = topo.autoscale.cooldown;
  choice.strategy = parse_cluster_strategy(topo.cluster_strategy)
                      .value_or(cluster_strategy::fewest_connections);
  for (const auto& [item, name] : topo.item_strategies)
    if (auto how = parse_cluster_strategy(name))
      choice.item_strategies[item] = *how;
  choice.matching = parse_label_matching(topo.label_matching)
                      .value_or(label_matching::strict);
  coverage.matching = choice.matching;
  // Whole seconds, rounded up (as the session's hello says it).
  keepalive_s = std::max<uint32_t>(
    1, static_cast<uint32_t>((topo.timers.keepalive.count() + 999) / 1000));
  keepalive_misses = topo.timers.keepalive_misses;
  request_timeout = topo.timers.request_timeout;
  assignment_writes = request_deadlines{request_timeout};
  for (const auto& t : mapped) {
    if (clusters.find(t.cluster_id) == nullptr) {
      log->warn("terminal {} is mapped to unknown cluster {}; it will be "
                "placed again when it registers",
                t.terminal_id, t.cluster_id);
      continue;
    }
    assign(t.terminal_id, t.cluster_id);
    caps.remember(t);
    declared.remember(t);
  }
  log->info("cluster manager: {} clusters, {} terminals mapped",
            clusters.size(), terminals.size());
}

std::optional<size_t> cluster_manager_state::choose(
  const assigned_label& label, const std::string& current, std::string& why,
  const std::string& user, const cluster_choice::full_check& full,
  const std::string& terminal) {
  return choice.choose(clusters, label, current, why, user, full, terminal);
}

caf::error cluster_manager_state::place(terminal_record& rec,
                                        const assigned_label& label,
                                        const std::string& current) {
  std::string why;
  auto tiers = caps.tiers_for(rec);
  bool capped = false; // then `why` names the cap
  auto full = [&](const cluster_entry& c) {
    auto cap = caps.over_cap(c.cfg, tiers);
    capped = capped || !cap.empty();
    return cap;
  };
  auto pick = choose(label, current, why,
                     rec.users.empty() ? std::string{} : rec.users.front(),
                     full, rec.terminal_id);
  if (!pick)
    return make_error(errc::unavailable, capped ? why + retry_hint : why);
  rec.cluster_id = clusters[*pick].cfg.id;
  return {};
}

destination
cluster_manager_state::destination_for(const std::string& terminal_id,
                                       const cluster_entry& c) const {
  destination d;
  d.terminal_id = terminal_id;
  d.cluster_id = c.cfg.id;
  d.cluster_urls = cluster_urls_for(terminal_id, c);
  // The cluster's quality class, else [timers] keepalive.
  d.keepalive_s = c.cfg.keepalive_s != 0 ? c.cfg.keepalive_s : keepalive_s;
  return d;
}

caf::expected<destination>
cluster_manager_state::destination_of(const std::string& terminal) const {
  auto id = terminals.lookup(terminal);
  if (!id)
    return id.error();
  const auto* c = clusters.find(*id);
  if (c->balancers.empty())
    return make_error(errc::unavailable,
                      "cluster " + c->cfg.id + " has no reachable balancer");
  return destination_for(terminal, *c);
}

std::vector<cluster_balancer_actor>
cluster_manager_state::balancers_of(const std::string& terminal) const {
  std::vector<cluster_balancer_actor> out;
  if (const auto* c = clusters.find(terminals.current(terminal)))
    for (const auto& b : c->balancers)
      out.push_back(b.handle);
  return out;
}

void cluster_manager_state::assign(const std::string& terminal_id,
                                   const std::string& cluster_id) {
  terminals.assign(clusters, terminal_id, cluster_id);
  reserving.erase(terminal_id);
}

uint64_t cluster_manager_state::reserve(const std::string& terminal_id,
                                        const std::string& cluster_id) {
  auto* c = clusters.find(cluster_id);
  if (c == nullptr || terminals.current(terminal_id) == cluster_id
      || !reserving.insert(terminal_id).second)
    return 0;
  ++c->connections;
  return c->round;
}

void cluster_manager_state::unreserve(const std::string& terminal_id,
                                      const std::string& cluster_id,
                                      uint64_t round) {
  if (round == 0)
    return; // nothing was counted
  reserving.erase(terminal_id);
  if (auto* c = clusters.find(cluster_id);
      c != nullptr && c->round == round && c->connections > 0)
    --c->connections;
}

caf::expected<admission>
cluster_manager_state::admit(const std::string& terminal, bool holds,
                             int64_t now_ms) {
  auto id = terminals.lookup(terminal);
  if (!id)
    return id.error();
  admission out{*id, caps.tiers_of(terminal), {}, declared.of(terminal)};
  const auto* cluster = clusters.find(*id); // null: not in the table
  if (!holds && cluster != nullptr)
    out.refused = caps.over_cap(cluster->cfg, out.tiers);
  if (!out.refused.empty())
    out.refused += retry_hint;
  else if (!holds)
    caps.admit(*id, out.tiers, now_ms);
  return out;
}

caf::expected<std::vector<std::string>>
cluster_manager_state::must_move(const realloc_plan& plan) {
  return choice.must_move(clusters, terminals, plan);
}

std::vector<cluster_status> cluster_manager_state::status() const {
  auto out = clusters.status();
  for (auto& s : out) {
    const auto& cfg = clusters.find(s.cluster_id)->cfg;
    s.max_connections = cfg.max_connections;
    for (const auto& [attribute, values] : cfg.caps)
      for (const auto& [value, cap] : values)
        s.tier_caps[tier_key(attribute, value)] = cap;
    if (caps.any())
      s.tier_connections = caps.current(s.cluster_id).tiers;
    // quality class
    s.keepalive_s = cfg.keepalive_s != 0 ? cfg.keepalive_s : keepalive_s;
    s.keepalive_misses
      = cfg.keepalive_misses != 0 ? cfg.keepalive_misses : keepalive_misses;
    s.max_sessions_per_node = cfg.max_sessions_per_node;
  }
  return out;
}

std::string cluster_manager_state::balancer_state(const std::string& state) {
  return state == "standby" ? "draining" : state;
}

std::string
cluster_manager_state::balancer_state_of(const std::string& node,
                                         const std::string& cluster) const {
  const auto* serves = const_cast<cluster_table&>(clusters).of_node(node);
  if (serves == nullptr || serves->cfg.id != cluster
      || clusters.leaving.count(node) > 0)
    return "draining";
  return balancer_state(admin.node_state(node));
}

std::vector<cluster_status> cluster_manager_state::merged_status(
  const std::vector<std::optional<balancer_status>>& rs) const {
  auto merged = clusters.status();
  merge_reports(merged, rs);
  clusters.keep_listed(merged);
  return merged;
}

void cluster_manager_state::add_unreported(
  std::vector<cluster_status>& out) const {
  clusters.add_unreported(out);
  for (auto& c : out)
    for (auto& n : c.nodes) {
      if (n.state != "unknown")
        continue;
      auto t = admin.tuned.find(n.node_id);
      auto now = t != admin.tuned.end()
                 ? t->second
                 : cluster_admin::tuning_of(clusters, n.node_id);
      n.capacity = now.capacity;
      n.weight = now.weight;
    }
}

std::vector<pool_cluster> cluster_manager_state::pool_figures(
  const std::vector<cluster_status>& merged) const {
  std::vector<pool_cluster> out;
  for (const auto& s : merged) {
    const auto* c = clusters.find(s.cluster_id);
    const auto& cfg = c->cfg;
    if (cfg.elastic.max_nodes == 0 || c->state != "active")
      continue;
    pool_cluster p;
    p.cluster_id = s.cluster_id;
    p.sessions = s.connections;
    p.min_nodes = cfg.elastic.min_nodes;
    p.max_nodes = cfg.elastic.max_nodes;
    for (const auto& n : s.nodes) {
      if (n.state == "failed" || admin.node_state(n.node_id) != "active"
          || clusters.leaving.count(n.node_id) > 0)
        continue;
      p.active.push_back({n.node_id, n.sessions});
      bool standby = false; // declared standby nodes never move
      for (const auto& e : clusters.entries)
        standby = standby
               || std::count(e.cfg.elastic.standby.begin(),
                             e.cfg.elastic.standby.end(), n.node_id)
                    > 0;
      if (!standby)
        p.movable.push_back({n.node_id, n.sessions});
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> cluster_manager_state::drained(
  const std::vector<cluster_status>& merged) const {
  std::vector<std::string> out;
  for (const auto& [node, from] : clusters.leaving) {
    bool busy = false;
    for (const auto& s : merged)
      if (s.cluster_id == from)
        for (const auto& n : s.nodes)
          busy = busy
              || (n.node_id == node && n.state != "failed" && n.sessions > 0);
    if (!busy)
      out.push_back(node);
  }
  return out;
}

void cluster_manager_state::seed_live_nodes(
  const std::vector<cluster_status>& merged, int64_t now_ms) {
  auto lists_nodes = [](const cluster_status& s) {
    return !s.nodes.empty();
  };
  if (live_seeded || std::none_of(merged.begin(), merged.end(), lists_nodes))
    return;
  if (first_report_ms < 0)
    first_report_ms = now_ms;
  if (now_ms - first_report_ms < elastic.period.count())
    return;
  live_seeded = true;
  // A node no balancer has ever reached has not started yet (a spare that
  // the autoscale command starts): it is not lost.
  for (const auto& s : merged)
    for (const auto& n : s.nodes)
      if (n.reached && clusters.leaving.count(n.node_id) == 0
          && admin.node_state(n.node_id) == "active")
        live_nodes.insert(n.node_id);
}

std::vector<std::pair<std::string, elastic_decision>>
cluster_manager_state::elastic_decisions(
  const std::vector<std::optional<balancer_status>>& rs, int64_t now_ms) {
  std::vector<std::pair<std::string, elastic_decision>> out;
  auto merged = merged_status(rs);
  seed_live_nodes(merged, now_ms);
  auto state_of = [this](const std::string& n) {
    return clusters.leaving.count(n) > 0 ? std::string{"draining"}
                                         : admin.node_state(n);
  };
  for (const auto& s : merged) {
    if (elastic_pending.count(s.cluster_id) > 0)
      continue;
    const auto& cfg = clusters.find(s.cluster_id)->cfg;
    auto f = elastic_figures_of(s, state_of, cfg.elastic.standby, live_nodes);
    auto d = elastic.decide(cfg.elastic, f, now_ms);
    if (d.step != elastic_step::none)
      out.emplace_back(s.cluster_id, std::move(d));
  }
  return out;
}

// -- the behaviour ------------------------------------------------------------

namespace {

/// Milliseconds of the steady clock: tier-cap admissions and report times
/// (a wall clock stepped back would keep admissions counted).
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

using self_ptr = cluster_manager_actor::stateful_pointer<cluster_manager_state>;

/// Asks every balancer of every cluster for its status.
template <class Done>
void collect_status(self_ptr self, Done done) {
  std::vector<cluster_balancer_actor> all;
  for (const auto& c : self->state.clusters.entries)
    for (const auto& b : c.balancers)
      all.push_back(b.handle);
  fan_out<balancer_status>(self, all, self->state.request_timeout,
                           std::move(done), status_atom::value);
}

/// Every balancer's counters and histograms for /metrics, in one list (a
/// balancer that does not answer in time is left out).
caf::result<std::vector<metric_series>> balancer_metrics(self_ptr self) {
  auto rp = self->make_response_promise<std::vector<metric_series>>();
  std::vector<cluster_balancer_actor> all;
  for (const auto& c : self->state.clusters.entries)
    for (const auto& b : c.balancers)
      all.push_back(b.handle);
  fan_out<std::vector<metric_series>>(
    self, all, self->state.request_timeout,
    [rp](std::vector<std::optional<std::vector<metric_series>>> rs) mutable {
      std::vector<metric_series> out;
      for (auto& r : rs)
        if (r)
          out.insert(out.end(), r->begin(), r->end());
      rp.deliver(std::move(out));
    },
    get_atom::value, metrics_atom::value);
  return rp;
}

/// Every cluster as GET /v1/admin/clusters shows it: the manager's view
/// with the balancers' live connections and node sessions.
template <class Done>
void live_status(self_ptr self, Done done) {
  collect_status(
    self, [self, done = std::move(done)](
            std::vector<std::optional<balancer_status>> results) mutable {
      auto out = self->state.status();
      merge_reports(out, results);
      self->state.clusters.keep_listed(out);
      self->state.clusters.note_open(results); // fresher than the tick's
      // The operator's state of a node shows unless the node has failed;
      // a node moving to another cluster shows "moving" in the one it
      // leaves.
      for (auto& c : out)
        for (auto& n : c.nodes)
          if (n.state != "failed")
            n.state = self->state.clusters.leaving.count(n.node_id) > 0
                      ? std::string{"moving"}
                      : self->state.admin.node_state(n.node_id);
      self->state.add_unreported(out);
      done(std::move(out));
    });
}

/// Stores a terminal's new cluster, then records it and answers its
/// destination; a move also has the old cluster's balancers send the device
/// a `reassign` (it is connected, if at all, to its old cluster).
caf::result<destination> store_assignment(self_ptr self, store_actor store,
                                          std::string what, terminal_record rec,
                                          std::string old, uint32_t after_ms) {
  auto rp = self->make_response_promise<destination>();
  auto round = self->state.reserve(rec.terminal_id, rec.cluster_id);
  auto unreserve
    = [self, terminal = rec.terminal_id, cluster = rec.cluster_id, round] {
        self->state.unreserve(terminal, cluster, round);
      };
  store_then_in(
    self, self->state.assignment_writes, store, rp, std::move(what),
    [self, rec, old, after_ms](auto& rp) mutable {
      auto& st = self->state;
      st.assign(rec.terminal_id, rec.cluster_id);
      st.caps.remember(rec);
      st.declared.remember(rec);
      if (auto* from = st.clusters.find(old))
        for (const auto& b : from->balancers)
          self->send(b.handle, reassign_atom::value, rec.terminal_id, after_ms);
      rp.deliver(
        st.destination_for(rec.terminal_id, *st.clusters.find(rec.cluster_id)));
    },
    unreserve, put_atom::value, rec);
  return rp;
}

caf::result<destination> assign(self_ptr self, store_actor store,
                                terminal_record& rec,
                                const assigned_label& label) {
  auto& st = self->state;
  if (auto err = st.place(rec, label, st.terminals.current(rec.terminal_id)))
    return err;
  return store_assignment(self, std::move(store), "the assignment",
                          std::move(rec), {}, 0);
}

caf::result<destination> move(self_ptr self, store_actor store,
                              terminal_record& rec, const assigned_label& label,
                              uint32_t after_ms) {
  auto& st = self->state;
  auto old = st.terminals.lookup(rec.terminal_id);
  if (!old)
    return old.error();
  if (auto err = st.place(rec, label, *old))
    return err;
  if (rec.cluster_id == *old) // stays: nothing stored
    return st.destination_for(rec.terminal_id, *st.clusters.find(*old));
  return store_assignment(self, std::move(store), "the move", std::move(rec),
                          *old, after_ms);
}

/// One-way to the balancers of the terminal's cluster (their answers go
/// nowhere): true when there was one to hand it to. The session that gets
/// it reports `delivered`; a job no balancer could hand over stays queued
/// and reaches the terminal when it connects, or through the control's
/// stuck-jobs sweep. A timed fan-out cost a timer, an awaited response and
/// a late timeout message per balancer and job, for an answer the control
/// never used (docs/BENCHMARKS.md, "Job path").
bool deliver(self_ptr self, const job_record& job) {
  auto handles = self->state.balancers_of(job.terminal_id);
  for (const auto& h : handles)
    caf::anon_send(h, deliver_atom::value, job);
  return !handles.empty();
}

void join(self_ptr self, balancer_info& info) {
  auto log = logger("cluster_manager");
  auto handle = info.handle;
  auto* c = self->state.clusters.join(info);
  if (c == nullptr) {
    log->error("balancer {} joined for unknown cluster {}", info.balancer_id,
               info.cluster_id);
    return;
  }
  self->monitor(handle);
  log->info("balancer {} of {} joined at {}", info.balancer_id, info.cluster_id,
            info.url);
  // A balancer that (re)joins learns the operator's node states, and that
  // the nodes of its pool serving elsewhere are not for it (draining).
  for (const auto& n : c->pool_nodes)
    if (auto state = self->state.balancer_state_of(n, c->cfg.id);
        state != "active")
      self->send(handle, put_atom::value, node_atom::value, n, state);
  // and the capacities and weights an operator set.
  for (const auto& n : c->pool_nodes)
    if (auto t = self->state.admin.tuned.find(n);
        t != self->state.admin.tuned.end())
      send_tuning(self, handle, n, t->second);
}

caf::result<cluster_status> change_cluster(self_ptr self, store_actor store,
                                           const cluster_change& ch) {
  auto settings = cluster_admin::settings_for(self->state.clusters, ch);
  if (!settings)
    return std::move(settings.error());
  auto& coverage = self->state.coverage;
  uint64_t pending = 0; // new labels count as made while they are stored
  if (ch.has_labels) {
    if (auto err = coverage.check_change(self->state.clusters, *settings,
                                         ch.label_items, steady_ms()))
      return err;
    pending = coverage.pending(*settings);
  }
  auto rp = self->make_response_promise<cluster_status>();
  store_then(
    self, store, rp, "the change",
    [self, s = *settings, pending](auto& rp) mutable {
      self->state.coverage.done(pending);
      cluster_admin::apply(self->state.clusters, s);
      logger("cluster_manager")
        ->info("cluster {}: state {}, weight {}, {} label items (admin)",
               s.cluster_id, s.state, s.weight, s.labels.size());
      // Answered as GET lists it, with live connections and nodes.
      live_status(self, [self, rp, id = s.cluster_id](
                          std::vector<cluster_status> all) mutable {
        auto c
          = std::find_if(all.begin(), all.end(), [&](const cluster_status& x) {
              return x.cluster_id == id;
            });
        rp.deliver(c != all.end() ? std::move(*c)
                                  : cluster_table::status_of(
                                    *self->state.clusters.find(id)));
      });
    },
    [self, pending] { self->state.coverage.done(pending); }, put_atom::value,
    *settings);
  return rp;
}

/// A node's state alone (the older message): a state must be named.
caf::result<node_status> change_node(self_ptr self, store_actor store,
                                     const std::string& node,
                                     const std::string& state) {
  if (auto err = cluster_admin::check_node(self->state.clusters, node, state))
    return err;
  return change_node(self, store, node_change{node, state});
}

template <class T>
caf::result<T> answer(caf::expected<T> x) {
  if (!x)
    return std::move(x.error());
  return std::move(*x);
}

void refresh(self_ptr self, store_actor store) {
  collect_status(self, [self, store, asked = steady_ms()](
                         std::vector<std::optional<balancer_status>> results) {
    self->state.clusters.take_reports(results);
    elastic_round(self, store, results);
    moves_round(self, store, results);
    self->state.caps.take_reports(results, asked);
    self->delayed_send(self, self->state.status_period, tick_atom::value);
  });
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  // A balancer stopped on purpose (its process's SIGTERM) is no failure.
  auto level = dm.reason == caf::exit_reason::user_shutdown
               ? spdlog::level::info
               : spdlog::level::warn;
  for (const auto& b : self->state.clusters.drop(dm.source)) {
    self->state.caps.forget(b.balancer_id);
    logger("cluster_manager")
      ->log(level,
            "balancer {} of {} is down ({}): listed last in destinations "
            "until it joins again",
            b.balancer_id, b.cluster_id, caf::to_string(dm.reason));
  }
}

} // namespace

cluster_manager_actor::behavior_type
cluster_manager(self_ptr self, config::topology topo,
                std::vector<terminal_record> terminals, store_actor store,
                storage::admin_settings admin) {
  self->state.init(topo, admin, terminals);
  self->set_down_handler(
    [self](const caf::down_msg& dm) { on_down(self, dm); });
  self->send(self, tick_atom::value);
  return {
    [self, store](assign_atom, terminal_record& rec,
                  const assigned_label& label) {
      return assign(self, store, rec, label);
    },
    [self](dest_atom, const std::string& terminal) {
      return answer(self->state.destination_of(terminal));
    },
    [self](lookup_atom, const std::string& terminal) {
      return answer(self->state.terminals.lookup(terminal));
    },
    [self](admit_atom, const std::string& terminal, bool holds) {
      return answer(self->state.admit(terminal, holds, steady_ms()));
    },
    [self](deliver_atom, const job_record& job) { return deliver(self, job); },
    [self](deliver_atom, std::vector<job_record>& jobs) {
      return deliver_bulk(self, std::move(jobs));
    },
    [self](status_atom) -> caf::result<std::vector<cluster_status>> {
      auto rp = self->make_response_promise<std::vector<cluster_status>>();
      live_status(self, [rp](std::vector<cluster_status> out) mutable {
        rp.deliver(std::move(out));
      });
      return rp;
    },
    [self](join_atom, balancer_info& info) { join(self, info); },
    [self](get_atom, metrics_atom) { return balancer_metrics(self); },
    [self, store](put_atom, const cluster_change& ch) {
      return change_cluster(self, store, ch);
    },
    [self](admit_atom, label_atom,
           const std::vector<std::string>& items) -> caf::result<ok_atom> {
      auto& st = self->state;
      if (auto err = st.coverage.check_config(st.clusters, items))
        return err;
      // The control stores it, then tells the selector (its write's
      // deadline, twice, bounds the wait).
      st.coverage.admitted(items, steady_ms() + 2 * st.request_timeout.count());
      return ok_atom::value;
    },
    [self, store](put_atom, node_atom, const std::string& node,
                  const std::string& state) {
      return change_node(self, store, node, state);
    },
    [self, store](put_atom, const node_change& ch) {
      return change_node(self, store, ch);
    },
    [self](realloc_atom, const realloc_plan& plan) {
      return answer(self->state.must_move(plan));
    },
    [self, store](move_atom, terminal_record& rec, const assigned_label& label,
                  uint32_t after_ms) {
      return move(self, store, rec, label, after_ms);
    },
    [self, store](tick_atom) { refresh(self, store); },
    [self](deadline_atom) {
      sweep_deadlines(self, self->state.assignment_writes);
    },
    [self](retire_atom, const std::string& terminal) {
      self->state.terminals.forget(self->state.clusters, terminal);
      return ok_atom::value;
    },
  };
}

} // namespace tether
