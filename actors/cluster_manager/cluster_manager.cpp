#include "actors/cluster_manager/cluster_manager.hpp"

#include <algorithm>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/errors.hpp"
#include "actors/system/fan_out.hpp"
#include "actors/system/log.hpp"
#include "config/topology.hpp"

namespace tether {

cluster_manager_state::cluster_entry*
cluster_manager_state::find(const std::string& id) {
  for (auto& c : clusters)
    if (c.cfg.id == id)
      return &c;
  return nullptr;
}

std::optional<size_t> cluster_manager_state::choose(const assigned_label& label,
                                                    const std::string& current,
                                                    std::string& why,
                                                    const std::string& user) {
  std::vector<cluster_candidate> candidates;
  std::vector<size_t> index;
  for (size_t i = 0; i < clusters.size(); ++i) {
    const auto& c = clusters[i];
    if (!c.enabled || !label_matches(c.cfg.labels, label))
      continue;
    bool usable = c.state == "active" && c.cfg.weight > 0;
    if (c.cfg.id == current && usable && !c.balancers.empty())
      return i; // stay where it is: no needless moves
    candidates.push_back({c.cfg.id, usable, !c.balancers.empty(), c.connections,
                          c.cpu, c.memory, c.cfg.weight});
    index.push_back(i);
  }
  auto how = strategy_for(label, config::known_label_items(), item_strategies,
                          strategy);
  auto pick = choose_cluster(candidates, how, rr, user);
  if (!pick) {
    std::string text;
    for (const auto& [item, value] : label.items)
      text += (text.empty() ? "" : ", ") + item + "=" + value;
    why = candidates.empty()
          ? "no cluster matches the terminal's label {" + text + "}"
          : "no cluster matching the terminal's label {" + text
              + "} is active and reachable";
    return std::nullopt;
  }
  return index[*pick];
}

destination
cluster_manager_state::destination_for(const std::string& terminal_id,
                                       const cluster_entry& c) const {
  destination d;
  d.terminal_id = terminal_id;
  d.cluster_id = c.cfg.id;
  d.cluster_urls = balancer_urls_for(terminal_id, c.balancers);
  d.keepalive_s = keepalive_s;
  return d;
}

std::vector<std::string>
balancer_urls_for(const std::string& terminal_id,
                  const std::vector<balancer_info>& balancers) {
  // Ordered by balancer id (not by join order, which changes with every
  // restart), then rotated by a stable hash of the terminal id (FNV-1a):
  // devices spread evenly over the cluster's balancers, each device always
  // tries the same one first, and the others follow for failover.
  std::vector<const balancer_info*> sorted;
  for (const auto& b : balancers)
    sorted.push_back(&b);
  std::sort(sorted.begin(), sorted.end(),
            [](auto* x, auto* y) { return x->balancer_id < y->balancer_id; });
  std::vector<std::string> urls;
  if (sorted.empty())
    return urls;
  uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : terminal_id) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  auto first = static_cast<size_t>(h % sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i)
    urls.push_back(sorted[(first + i) % sorted.size()]->url);
  return urls;
}

void cluster_manager_state::assign(const std::string& terminal_id,
                                   const std::string& cluster_id) {
  auto& slot = terminal_cluster[terminal_id];
  if (slot == cluster_id)
    return;
  if (auto* old = find(slot); old != nullptr && old->assigned > 0)
    --old->assigned;
  slot = cluster_id;
  if (auto* c = find(cluster_id)) {
    ++c->assigned;
    ++c->connections; // expected soon; the next refresh corrects it
  }
}

cluster_status cluster_manager_state::status_of(const cluster_entry& c) const {
  cluster_status s;
  s.cluster_id = c.cfg.id;
  s.labels = c.cfg.labels;
  s.state = c.state;
  s.weight = c.cfg.weight;
  for (const auto& b : c.balancers)
    s.balancers.push_back(b.url);
  s.assigned = c.assigned;
  return s;
}

std::vector<cluster_status> cluster_manager_state::status() const {
  std::vector<cluster_status> out;
  for (const auto& c : clusters)
    if (c.enabled)
      out.push_back(status_of(c));
  return out;
}

void cluster_manager_state::apply_admin(const storage::admin_settings& admin) {
  auto log = logger("cluster_manager");
  for (const auto& s : admin.clusters) {
    if (find(s.cluster_id) == nullptr) {
      log->warn("stored settings of cluster {} ignored: it is no longer in "
                "the topology",
                s.cluster_id);
      continue;
    }
    apply(s);
  }
  for (const auto& [node, state] : admin.node_states) {
    if (cluster_of_node(node) == nullptr) {
      log->warn("stored state of node {} ignored: it is no longer in the "
                "topology",
                node);
      continue;
    }
    if (state == "active")
      node_states.erase(node);
    else
      node_states[node] = state;
  }
}

caf::expected<cluster_settings>
cluster_manager_state::settings_for(const cluster_change& ch) {
  auto* c = find(ch.cluster_id);
  if (c == nullptr)
    return make_error(errc::not_found,
                      "cluster " + ch.cluster_id
                        + " is not in the topology: declare it there with "
                          "its balancers and nodes first");
  cluster_settings out{c->cfg.id, c->cfg.labels, c->state, c->cfg.weight};
  if (ch.has_labels) {
    for (const auto& [item, values] : ch.labels) {
      const auto& known = config::known_label_items();
      if (std::find(known.begin(), known.end(), item) == known.end())
        return make_error(errc::bad_request,
                          "field \"labels." + item
                            + "\" is not a known label item");
      if (values.empty())
        return make_error(errc::bad_request,
                          "field \"labels." + item
                            + "\" must name at least one value");
    }
    out.labels = ch.labels;
  }
  if (!ch.state.empty()) {
    if (ch.state != "active" && ch.state != "draining")
      return make_error(errc::bad_request,
                        "field \"state\" must be \"active\" or \"draining\"");
    out.state = ch.state;
  }
  if (ch.weight >= 0) {
    if (ch.weight > 1'000'000)
      return make_error(errc::bad_request,
                        "field \"weight\" must be between 0 and 1000000");
    out.weight = static_cast<uint32_t>(ch.weight);
  }
  return out;
}

void cluster_manager_state::apply(const cluster_settings& s) {
  auto* c = find(s.cluster_id);
  if (c == nullptr)
    return;
  c->cfg.labels = s.labels;
  c->state = s.state;
  c->cfg.weight = s.weight;
  c->enabled = true;
}

cluster_manager_state::cluster_entry*
cluster_manager_state::cluster_of_node(const std::string& node_id) {
  for (auto& c : clusters)
    if (std::find(c.cfg.nodes.begin(), c.cfg.nodes.end(), node_id)
        != c.cfg.nodes.end())
      return &c;
  return nullptr;
}

std::string
cluster_manager_state::node_state(const std::string& node_id) const {
  auto i = node_states.find(node_id);
  return i == node_states.end() ? "active" : i->second;
}

bool cluster_manager_state::stays(const assigned_label& label,
                                  const std::string& current) {
  auto* c = find(current);
  return c != nullptr && c->enabled && c->state == "active" && c->cfg.weight > 0
      && label_matches(c->cfg.labels, label);
}

caf::expected<std::vector<std::string>>
cluster_manager_state::must_move(const realloc_plan& plan) {
  if (!plan.cluster_id.empty()) {
    auto* c = find(plan.cluster_id);
    if (c == nullptr || !c->enabled)
      return make_error(errc::not_found,
                        "cluster " + plan.cluster_id + " does not exist");
  }
  std::vector<std::string> out;
  // Planning must not advance the round-robin positions.
  auto cursors = rr;
  for (size_t i = 0; i < plan.terminal_ids.size() && i < plan.labels.size();
       ++i) {
    const auto& id = plan.terminal_ids[i];
    auto t = terminal_cluster.find(id);
    if (t == terminal_cluster.end())
      continue; // not registered: nothing to move
    if (stays(plan.labels[i], t->second))
      continue;
    std::string why;
    auto pick = choose(plan.labels[i], t->second, why);
    if (pick && clusters[*pick].cfg.id != t->second)
      out.push_back(id);
  }
  rr = std::move(cursors);
  return out;
}

void cluster_manager_state::take_reports(
  const std::vector<std::optional<balancer_status>>& rs) {
  struct load {
    uint32_t connections = 0;
    std::map<std::string, node_status> nodes; // each node once
  };
  std::unordered_map<std::string, load> by_cluster;
  for (const auto& r : rs) {
    if (!r)
      continue;
    auto& l = by_cluster[r->cluster_id];
    l.connections += r->connections;
    for (const auto& n : r->nodes)
      if (n.state != "failed")
        l.nodes.emplace(n.node_id, n);
  }
  for (auto& c : clusters) {
    auto& l = by_cluster[c.cfg.id];
    c.connections = l.connections;
    double cpu = 0;
    long double memory = 0;
    for (const auto& [id, n] : l.nodes) {
      cpu += n.cpu;
      memory += n.memory;
    }
    auto k = l.nodes.size();
    c.cpu = k > 0 ? cpu / k : 0;
    c.memory = k > 0 ? static_cast<uint64_t>(memory / k) : 0;
  }
}

namespace {

using self_ptr = cluster_manager_actor::stateful_pointer<cluster_manager_state>;

std::vector<cluster_balancer_actor>
balancer_handles(const cluster_manager_state::cluster_entry& c) {
  std::vector<cluster_balancer_actor> out;
  for (const auto& b : c.balancers)
    out.push_back(b.handle);
  return out;
}

/// Asks every balancer of every cluster for its status.
template <class Done>
void collect_status(self_ptr self, Done done) {
  std::vector<cluster_balancer_actor> all;
  for (const auto& c : self->state.clusters)
    for (const auto& b : c.balancers)
      all.push_back(b.handle);
  fan_out<balancer_status>(self, all, self->state.request_timeout,
                           std::move(done), status_atom::value);
}

/// Every cluster as GET /v1/admin/clusters shows it: the manager's view
/// with the balancers' live connections and node sessions.
template <class Done>
void live_status(self_ptr self, Done done) {
  collect_status(
    self, [self, done = std::move(done)](
            std::vector<std::optional<balancer_status>> results) mutable {
      auto out = self->state.status();
      for (auto& r : results) {
        if (!r)
          continue;
        for (auto& c : out)
          if (c.cluster_id == r->cluster_id) {
            c.connections += r->connections;
            c.ws_connections += r->ws_connections;
            // Nodes are shared by the balancers of a cluster: report each
            // node once, with the largest session count seen, and failed
            // if any balancer has lost it (so "active" means every
            // balancer can use it).
            for (auto& n : r->nodes) {
              auto same = std::find_if(
                c.nodes.begin(), c.nodes.end(),
                [&](const node_status& x) { return x.node_id == n.node_id; });
              if (same == c.nodes.end()) {
                c.nodes.push_back(n);
                continue;
              }
              bool failed = same->state == "failed" || n.state == "failed";
              if (n.sessions > same->sessions)
                *same = n;
              if (failed)
                same->state = "failed";
            }
          }
      }
      // The operator's state of a node shows unless the node has failed.
      for (auto& c : out)
        for (auto& n : c.nodes)
          if (n.state != "failed")
            n.state = self->state.node_state(n.node_id);
      done(std::move(out));
    });
}

} // namespace

cluster_manager_actor::behavior_type
cluster_manager(self_ptr self, config::topology topo,
                std::vector<terminal_record> terminals, store_actor store,
                storage::admin_settings admin) {
  auto log = logger("cluster_manager");
  auto& st = self->state;
  for (auto& c : topo.clusters) {
    bool enabled = c.enabled;
    st.clusters.push_back({std::move(c), "active", {}, 0, 0, enabled});
  }
  st.apply_admin(admin);
  st.strategy = parse_cluster_strategy(topo.cluster_strategy)
                  .value_or(cluster_strategy::fewest_connections);
  for (const auto& [item, name] : topo.item_strategies)
    if (auto how = parse_cluster_strategy(name))
      st.item_strategies[item] = *how;
  // Whole seconds, rounded up (as the session's hello says it).
  st.keepalive_s = std::max<uint32_t>(
    1, static_cast<uint32_t>((topo.timers.keepalive.count() + 999) / 1000));
  st.request_timeout = topo.timers.request_timeout;
  for (auto& t : terminals) {
    if (st.find(t.cluster_id) == nullptr) {
      log->warn("terminal {} is mapped to unknown cluster {}; it will be "
                "placed again when it registers",
                t.terminal_id, t.cluster_id);
      continue;
    }
    st.assign(t.terminal_id, t.cluster_id);
  }
  for (auto& c : st.clusters)
    c.connections = 0;
  log->info("cluster manager: {} clusters, {} terminals mapped",
            st.clusters.size(), st.terminal_cluster.size());
  self->set_down_handler([self, log](const caf::down_msg& dm) {
    for (auto& c : self->state.clusters) {
      auto& bs = c.balancers;
      for (auto i = bs.begin(); i != bs.end();) {
        if (i->handle.address() == dm.source) {
          log->warn("balancer {} of {} is gone", i->balancer_id, c.cfg.id);
          i = bs.erase(i);
        } else {
          ++i;
        }
      }
    }
  });
  self->send(self, tick_atom::value);
  return {
    [self, store](assign_atom, terminal_record& rec,
                  const assigned_label& label) -> caf::result<destination> {
      auto& st = self->state;
      std::string current;
      if (auto i = st.terminal_cluster.find(rec.terminal_id);
          i != st.terminal_cluster.end())
        current = i->second;
      std::string why;
      auto pick
        = st.choose(label, current, why,
                    rec.users.empty() ? std::string{} : rec.users.front());
      if (!pick)
        return make_error(errc::unavailable, why);
      rec.cluster_id = st.clusters[*pick].cfg.id;
      auto rp = self->make_response_promise<destination>();
      self->request(store, st.request_timeout, put_atom::value, rec)
        .then(
          [self, rp, rec](ok_atom) mutable {
            auto& st = self->state;
            st.assign(rec.terminal_id, rec.cluster_id);
            auto* c = st.find(rec.cluster_id);
            rp.deliver(st.destination_for(rec.terminal_id, *c));
          },
          [rp](caf::error& err) mutable {
            rp.deliver(make_error(errc::unavailable,
                                  "the assignment could not be stored: "
                                    + caf::to_string(err)));
          });
      return rp;
    },
    [self](dest_atom, const std::string& terminal) -> caf::result<destination> {
      auto& st = self->state;
      auto i = st.terminal_cluster.find(terminal);
      if (i == st.terminal_cluster.end())
        return make_error(errc::not_found,
                          "terminal " + terminal + " is not registered");
      auto* c = st.find(i->second);
      if (c->balancers.empty())
        return make_error(errc::unavailable, "cluster " + c->cfg.id
                                               + " has no reachable balancer");
      return st.destination_for(terminal, *c);
    },
    [self](lookup_atom,
           const std::string& terminal) -> caf::result<std::string> {
      auto& st = self->state;
      auto i = st.terminal_cluster.find(terminal);
      if (i == st.terminal_cluster.end())
        return make_error(errc::not_found,
                          "terminal " + terminal + " is not registered");
      return i->second;
    },
    [self](deliver_atom, const job_record& job) -> caf::result<bool> {
      auto& st = self->state;
      auto i = st.terminal_cluster.find(job.terminal_id);
      if (i == st.terminal_cluster.end())
        return false;
      auto handles = balancer_handles(*st.find(i->second));
      if (handles.empty())
        return false;
      auto rp = self->make_response_promise<bool>();
      fan_out<bool>(
        self, handles, st.request_timeout,
        [rp](std::vector<std::optional<bool>> results) mutable {
          bool any = false;
          for (auto& r : results)
            any = any || (r && *r);
          rp.deliver(any);
        },
        deliver_atom::value, job);
      return rp;
    },
    [self](status_atom) -> caf::result<std::vector<cluster_status>> {
      auto rp = self->make_response_promise<std::vector<cluster_status>>();
      live_status(self, [rp](std::vector<cluster_status> out) mutable {
        rp.deliver(std::move(out));
      });
      return rp;
    },
    [self, log](join_atom, balancer_info& info) {
      auto& st = self->state;
      auto* c = st.find(info.cluster_id);
      if (c == nullptr) {
        log->error("balancer {} joined for unknown cluster {}",
                   info.balancer_id, info.cluster_id);
        return;
      }
      auto& bs = c->balancers;
      bs.erase(std::remove_if(bs.begin(), bs.end(),
                              [&](const balancer_info& b) {
                                return b.balancer_id == info.balancer_id;
                              }),
               bs.end());
      self->monitor(info.handle);
      log->info("balancer {} of {} joined at {}", info.balancer_id,
                info.cluster_id, info.url);
      // A balancer that (re)joins learns the operator's node states.
      for (const auto& n : c->cfg.nodes)
        if (auto state = st.node_state(n); state != "active")
          self->send(info.handle, put_atom::value, node_atom::value, n, state);
      bs.push_back(std::move(info));
    },
    [self, store,
     log](put_atom, const cluster_change& ch) -> caf::result<cluster_status> {
      auto settings = self->state.settings_for(ch);
      if (!settings)
        return std::move(settings.error());
      auto rp = self->make_response_promise<cluster_status>();
      self
        ->request(store, self->state.request_timeout, put_atom::value,
                  *settings)
        .then(
          [self, rp, s = *settings, log](ok_atom) mutable {
            auto& st = self->state;
            st.apply(s);
            log->info("cluster {}: state {}, weight {}, {} label items "
                      "(admin)",
                      s.cluster_id, s.state, s.weight, s.labels.size());
            // Answered as GET lists it, with live connections and nodes.
            live_status(self, [self, rp, id = s.cluster_id](
                                std::vector<cluster_status> all) mutable {
              auto c = std::find_if(
                all.begin(), all.end(),
                [&](const cluster_status& x) { return x.cluster_id == id; });
              rp.deliver(c != all.end()
                           ? std::move(*c)
                           : self->state.status_of(*self->state.find(id)));
            });
          },
          [rp](caf::error& err) mutable {
            rp.deliver(
              make_error(errc::unavailable, "the change could not be stored: "
                                              + caf::to_string(err)));
          });
      return rp;
    },
    [self, store, log](put_atom, node_atom, const std::string& node,
                       const std::string& state) -> caf::result<node_status> {
      auto& st = self->state;
      if (st.cluster_of_node(node) == nullptr)
        return make_error(errc::not_found,
                          "node " + node + " is not in the topology");
      if (state != "active" && state != "draining")
        return make_error(errc::bad_request,
                          "field \"state\" must be \"active\" or \"draining\"");
      auto rp = self->make_response_promise<node_status>();
      self
        ->request(store, st.request_timeout, put_atom::value, node_atom::value,
                  node, state)
        .then(
          [self, rp, node, state, log](ok_atom) mutable {
            auto& st = self->state;
            if (state == "active")
              st.node_states.erase(node);
            else
              st.node_states[node] = state;
            auto* c = st.cluster_of_node(node);
            for (const auto& b : c->balancers)
              self->send(b.handle, put_atom::value, node_atom::value, node,
                         state);
            log->info("node {} of {} is {} (admin)", node, c->cfg.id, state);
            node_status out;
            out.node_id = node;
            out.state = state;
            rp.deliver(std::move(out));
          },
          [rp](caf::error& err) mutable {
            rp.deliver(
              make_error(errc::unavailable, "the change could not be stored: "
                                              + caf::to_string(err)));
          });
      return rp;
    },
    [self](realloc_atom,
           const realloc_plan& plan) -> caf::result<std::vector<std::string>> {
      auto moving = self->state.must_move(plan);
      if (!moving)
        return std::move(moving.error());
      return std::move(*moving);
    },
    [self, store](move_atom, terminal_record& rec, const assigned_label& label,
                  uint32_t after_ms) -> caf::result<destination> {
      auto& st = self->state;
      auto t = st.terminal_cluster.find(rec.terminal_id);
      if (t == st.terminal_cluster.end())
        return make_error(errc::not_found,
                          "terminal " + rec.terminal_id + " is not registered");
      auto old = t->second;
      std::string why;
      auto pick = st.choose(
        label, old, why, rec.users.empty() ? std::string{} : rec.users.front());
      if (!pick)
        return make_error(errc::unavailable, why);
      if (st.clusters[*pick].cfg.id == old) // stays: nothing stored
        return st.destination_for(rec.terminal_id, st.clusters[*pick]);
      rec.cluster_id = st.clusters[*pick].cfg.id;
      auto rp = self->make_response_promise<destination>();
      self->request(store, st.request_timeout, put_atom::value, rec)
        .then(
          [self, rp, rec, old, after_ms](ok_atom) mutable {
            auto& st = self->state;
            st.assign(rec.terminal_id, rec.cluster_id);
            // The device is connected (if at all) to its old cluster.
            if (auto* from = st.find(old))
              for (const auto& b : from->balancers)
                self->send(b.handle, reassign_atom::value, rec.terminal_id,
                           after_ms);
            rp.deliver(
              st.destination_for(rec.terminal_id, *st.find(rec.cluster_id)));
          },
          [rp](caf::error& err) mutable {
            rp.deliver(
              make_error(errc::unavailable, "the move could not be stored: "
                                              + caf::to_string(err)));
          });
      return rp;
    },
    [self](tick_atom) {
      collect_status(
        self, [self](std::vector<std::optional<balancer_status>> results) {
          auto& st = self->state;
          st.take_reports(results);
          self->delayed_send(self, st.status_period, tick_atom::value);
        });
    },
  };
}

} // namespace tether
