#include "actors/cluster_manager/cluster_table.hpp"

#include "actors/cluster_manager/url_order.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace tether {

cluster_entry* cluster_table::find(const std::string& id) {
  for (auto& c : entries)
    if (c.cfg.id == id)
      return &c;
  return nullptr;
}

const cluster_entry* cluster_table::find(const std::string& id) const {
  return const_cast<cluster_table*>(this)->find(id);
}

cluster_entry* cluster_table::of_node(const std::string& node_id) {
  if (auto p = placed.find(node_id); p != placed.end())
    if (auto* c = find(p->second))
      return c;
  for (auto& c : entries)
    if (std::find(c.cfg.nodes.begin(), c.cfg.nodes.end(), node_id)
        != c.cfg.nodes.end())
      return &c;
  return nullptr;
}

std::string cluster_table::listed_in(const std::string& node_id) const {
  if (auto l = leaving.find(node_id); l != leaving.end())
    return l->second;
  const auto* c = const_cast<cluster_table*>(this)->of_node(node_id);
  return c != nullptr ? c->cfg.id : std::string{};
}

bool cluster_table::lists(const std::string& cluster,
                          const std::string& node_id) const {
  auto at = listed_in(node_id);
  return at.empty() || at == cluster; // a node no cluster declares: as reported
}

void cluster_table::keep_listed(std::vector<cluster_status>& out) const {
  for (auto& s : out)
    std::erase_if(s.nodes, [&](const node_status& n) {
      return !lists(s.cluster_id, n.node_id);
    });
}

void cluster_table::note_open(
  const std::vector<std::optional<balancer_status>>& rs) {
  std::unordered_map<std::string, bool> open; // reported clusters only
  for (const auto& r : rs) {
    if (!r)
      continue;
    auto& o = open[r->cluster_id];
    for (const auto& n : r->nodes)
      o = o || (n.state == "active" && lists(r->cluster_id, n.node_id));
  }
  for (auto& c : entries)
    if (auto o = open.find(c.cfg.id); o != open.end())
      c.open_nodes = o->second;
}

void cluster_table::add_unreported(std::vector<cluster_status>& out) const {
  for (auto& s : out) {
    const auto* c = find(s.cluster_id);
    if (c == nullptr)
      continue;
    std::set<std::string> seen;
    for (const auto& n : s.nodes)
      seen.insert(n.node_id);
    auto add = [&](const std::string& node) {
      if (listed_in(node) == s.cluster_id && seen.insert(node).second)
        s.nodes.push_back(node_status{node, "unknown"});
    };
    for (const auto& node : c->cfg.nodes)
      add(node);
    for (const auto& node : c->pool_nodes)
      add(node);
  }
}

cluster_entry* cluster_table::join(balancer_info info) {
  auto* c = find(info.cluster_id);
  if (c == nullptr)
    return nullptr;
  auto same = [&](const balancer_info& b) {
    return b.balancer_id == info.balancer_id;
  };
  c->open_nodes = true; // until its first report says otherwise
  auto& bs = c->balancers;
  bs.erase(std::remove_if(bs.begin(), bs.end(), same), bs.end());
  auto& down = c->down;
  down.erase(std::remove_if(down.begin(), down.end(), same), down.end());
  bs.push_back(std::move(info));
  return c;
}

std::vector<gone_balancer> cluster_table::drop(const caf::actor_addr& source) {
  std::vector<gone_balancer> out;
  for (auto& c : entries) {
    auto& bs = c.balancers;
    for (auto i = bs.begin(); i != bs.end();) {
      if (i->handle.address() == source) {
        out.push_back({i->balancer_id, c.cfg.id});
        c.down.push_back(std::move(*i));
        i = bs.erase(i);
      } else {
        ++i;
      }
    }
  }
  return out;
}

void cluster_table::take_reports(
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
      if (n.state != "failed" && lists(r->cluster_id, n.node_id))
        l.nodes.emplace(n.node_id, n);
  }
  note_open(rs);
  for (auto& c : entries) {
    auto& l = by_cluster[c.cfg.id];
    c.connections = l.connections;
    ++c.round;
    double cpu = 0, cpu_util = 0, memory_util = 0;
    long double memory = 0;
    for (const auto& [id, n] : l.nodes) {
      cpu += n.cpu;
      memory += n.memory;
      cpu_util += n.cpu_util;
      memory_util += n.memory_util;
    }
    auto k = static_cast<double>(l.nodes.size());
    c.cpu = k > 0 ? cpu / k : 0;
    c.memory = k > 0 ? static_cast<uint64_t>(memory / k) : 0;
    c.cpu_util = k > 0 ? cpu_util / k : 0;
    c.memory_util = k > 0 ? memory_util / k : 0;
  }
}

cluster_status cluster_table::status_of(const cluster_entry& c) {
  cluster_status s;
  s.cluster_id = c.cfg.id;
  s.labels = c.cfg.labels;
  s.state = c.state;
  s.weight = c.cfg.weight;
  for (const auto& b : c.balancers)
    s.balancers.push_back(b.url);
  for (const auto& b : c.down)
    s.balancers_down.push_back(b.url);
  s.assigned = c.assigned;
  return s;
}

std::vector<cluster_status> cluster_table::status() const {
  std::vector<cluster_status> out;
  for (const auto& c : entries)
    if (c.enabled)
      out.push_back(status_of(c));
  return out;
}

std::vector<std::string>
balancer_urls_for(const std::string& terminal_id,
                  const std::vector<balancer_info>& balancers) {
  // By rendezvous hashing of the terminal id and each balancer's id (not by
  // join order, which changes with every restart): the same first choice
  // every time, and a dead balancer's devices spread over all the others
  // (url_order.hpp).
  std::vector<std::string_view> ids;
  for (const auto& b : balancers)
    ids.push_back(b.balancer_id);
  std::vector<std::string> urls;
  for (size_t i : rendezvous_order(terminal_id, ids))
    urls.push_back(balancers[i].url);
  return urls;
}

std::vector<std::string> cluster_urls_for(const std::string& terminal_id,
                                          const cluster_entry& c) {
  auto urls = balancer_urls_for(terminal_id, c.balancers);
  std::vector<const balancer_info*> down;
  for (const auto& b : c.down)
    down.push_back(&b);
  std::sort(down.begin(), down.end(),
            [](auto* x, auto* y) { return x->balancer_id < y->balancer_id; });
  for (const auto* b : down)
    if (std::find(urls.begin(), urls.end(), b->url) == urls.end())
      urls.push_back(b->url);
  return urls;
}

namespace {

/// Adds one balancer's node report to a cluster's node list.
void merge_node(std::vector<node_status>& nodes, const node_status& n) {
  auto same
    = std::find_if(nodes.begin(), nodes.end(), [&](const node_status& x) {
        return x.node_id == n.node_id;
      });
  if (same == nodes.end()) {
    nodes.push_back(n);
    return;
  }
  bool failed = same->state == "failed" || n.state == "failed";
  bool reached = same->reached || n.reached;
  if (n.sessions > same->sessions)
    *same = n;
  if (failed)
    same->state = "failed";
  same->reached = reached;
}

} // namespace

void merge_reports(std::vector<cluster_status>& out,
                   const std::vector<std::optional<balancer_status>>& rs) {
  // Nodes are shared by the balancers of a cluster: report each node once,
  // with the largest session count seen, and failed if any balancer has
  // lost it (so "active" means every balancer can use it).
  for (const auto& r : rs) {
    if (!r)
      continue;
    for (auto& c : out)
      if (c.cluster_id == r->cluster_id) {
        c.connections += r->connections;
        c.ws_connections += r->ws_connections;
        for (const auto& n : r->nodes)
          merge_node(c.nodes, n);
      }
  }
}

} // namespace tether
