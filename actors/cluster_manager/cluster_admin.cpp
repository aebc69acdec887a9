#include "actors/cluster_manager/cluster_admin.hpp"

#include <algorithm>
#include <charconv>

#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"

namespace tether {

namespace {

caf::error bad_state() {
  return make_error(errc::bad_request,
                    "field \"state\" must be \"active\" or \"draining\"");
}

bool known_state(const std::string& state) {
  return state == "active" || state == "draining";
}

/// Why a change's labels cannot be, or no error.
caf::error check_labels(const config::cluster_labels& labels) {
  const auto& known = config::known_label_items();
  for (const auto& [item, values] : labels) {
    if (std::find(known.begin(), known.end(), item) == known.end())
      return make_error(errc::bad_request, "field \"labels." + item
                                             + "\" is not a known label item");
    if (values.empty())
      return make_error(errc::bad_request,
                        "field \"labels." + item
                          + "\" must name at least one value");
  }
  return {};
}

/// A stored node move ("<node>#cluster" = cluster) is applied when the
/// cluster's balancers still hold the node.
void place_stored(cluster_table& clusters, const std::string& node,
                  const std::string& cluster) {
  const auto* to = clusters.find(cluster);
  if (to == nullptr
      || std::find(to->pool_nodes.begin(), to->pool_nodes.end(), node)
           == to->pool_nodes.end()) {
    logger("cluster_manager")
      ->warn("stored move of node {} to {} ignored: the topology no longer "
             "allows it",
             node, cluster);
    return;
  }
  clusters.placed[node] = cluster;
}

/// A stored capacity and weight of a node still in the topology.
void apply_stored_tuning(cluster_admin& admin, cluster_table& clusters,
                         const std::string& node, const std::string& value) {
  auto t = cluster_admin::decode(value);
  if (!t || clusters.of_node(node) == nullptr) {
    logger("cluster_manager")
      ->warn("stored capacity and weight of node {} ignored: {}", node,
             t ? "it is no longer in the topology" : "unreadable");
    return;
  }
  admin.apply_tuning(clusters, node, *t);
}

} // namespace

std::string cluster_admin::placement_key(const std::string& node) {
  return node + std::string{placement_suffix};
}

namespace {

/// The node of a key `node + suffix` (none: another key).
std::optional<std::string> node_of(const std::string& key,
                                   std::string_view suffix) {
  if (key.size() <= suffix.size() || !key.ends_with(suffix))
    return std::nullopt;
  return key.substr(0, key.size() - suffix.size());
}

} // namespace

std::optional<std::string> cluster_admin::moved_node(const std::string& key) {
  return node_of(key, placement_suffix);
}

std::string cluster_admin::tuning_key(const std::string& node) {
  return node + std::string{tuning_suffix};
}

std::optional<std::string> cluster_admin::tuned_node(const std::string& key) {
  return node_of(key, tuning_suffix);
}

std::string cluster_admin::encode(const tuning& t) {
  return std::to_string(t.capacity) + "," + std::to_string(t.weight);
}

std::optional<cluster_admin::tuning>
cluster_admin::decode(const std::string& value) {
  auto comma = value.find(',');
  if (comma == std::string::npos)
    return std::nullopt;
  uint32_t k = 0;
  uint32_t w = 0;
  auto end = value.data() + value.size();
  auto [p1, e1] = std::from_chars(value.data(), value.data() + comma, k);
  auto [p2, e2] = std::from_chars(value.data() + comma + 1, end, w);
  if (e1 != std::errc{} || e2 != std::errc{} || p1 != value.data() + comma
      || p2 != end || k < 1 || k > 1'000'000 || w > 1'000'000)
    return std::nullopt;
  return tuning{k, w};
}

cluster_admin::tuning cluster_admin::tuning_of(const cluster_table& clusters,
                                               const std::string& node) {
  tuning out;
  const auto* c = const_cast<cluster_table&>(clusters).of_node(node);
  if (c == nullptr)
    return out;
  if (auto k = c->cfg.node_capacity.find(node); k != c->cfg.node_capacity.end())
    out.capacity = std::max<uint32_t>(1, k->second);
  if (auto w = c->cfg.node_weights.find(node); w != c->cfg.node_weights.end())
    out.weight = w->second;
  return out;
}

caf::expected<std::optional<cluster_admin::tuning>>
cluster_admin::tuning_for(const cluster_table& clusters,
                          const node_change& ch) {
  if (const_cast<cluster_table&>(clusters).of_node(ch.node_id) == nullptr)
    return make_error(errc::not_found,
                      "node " + ch.node_id + " is not in the topology");
  if (!ch.state.empty() && !known_state(ch.state))
    return bad_state();
  if (ch.capacity == 0 || ch.capacity > 1'000'000)
    return make_error(errc::bad_request, "field \"capacity\" must be an "
                                         "integer between 1 and 1000000");
  if (ch.weight > 1'000'000)
    return make_error(errc::bad_request, "field \"weight\" must be an "
                                         "integer between 0 and 1000000");
  if (ch.capacity < 0 && ch.weight < 0)
    return std::optional<tuning>{};
  auto t = tuning_of(clusters, ch.node_id);
  if (ch.capacity > 0)
    t.capacity = static_cast<uint32_t>(ch.capacity);
  if (ch.weight >= 0)
    t.weight = static_cast<uint32_t>(ch.weight);
  return std::optional<tuning>{t};
}

void cluster_admin::apply_tuning(cluster_table& clusters,
                                 const std::string& node, const tuning& t) {
  for (auto& c : clusters.entries)
    if (std::find(c.pool_nodes.begin(), c.pool_nodes.end(), node)
          != c.pool_nodes.end()
        || std::find(c.cfg.nodes.begin(), c.cfg.nodes.end(), node)
             != c.cfg.nodes.end()) {
      c.cfg.node_capacity[node] = t.capacity;
      c.cfg.node_weights[node] = t.weight;
    }
  tuned[node] = t;
}

void cluster_admin::apply_stored(cluster_table& clusters,
                                 const storage::admin_settings& stored) {
  auto log = logger("cluster_manager");
  for (const auto& s : stored.clusters) {
    if (clusters.find(s.cluster_id) == nullptr) {
      log->warn("stored settings of cluster {} ignored: it is no longer in "
                "the topology",
                s.cluster_id);
      continue;
    }
    apply(clusters, s);
  }
  for (const auto& [node, state] : stored.node_states) {
    if (auto moved = moved_node(node)) {
      place_stored(clusters, *moved, state);
      continue;
    }
    if (auto tuned = tuned_node(node)) {
      apply_stored_tuning(*this, clusters, *tuned, state);
      continue;
    }
    if (clusters.of_node(node) == nullptr) {
      log->warn("stored state of node {} ignored: it is no longer in the "
                "topology",
                node);
      continue;
    }
    set_node_state(node, state);
  }
}

caf::expected<cluster_settings>
cluster_admin::settings_for(const cluster_table& clusters,
                            const cluster_change& ch) {
  const auto* c = clusters.find(ch.cluster_id);
  if (c == nullptr)
    return make_error(errc::not_found,
                      "cluster " + ch.cluster_id
                        + " is not in the topology: declare it there with "
                          "its balancers and nodes first");
  cluster_settings out{c->cfg.id, c->cfg.labels, c->state, c->cfg.weight};
  if (ch.has_labels) {
    if (auto err = check_labels(ch.labels))
      return err;
    out.labels = ch.labels;
  }
  if (!ch.state.empty()) {
    if (!known_state(ch.state))
      return bad_state();
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

void cluster_admin::apply(cluster_table& clusters, const cluster_settings& s) {
  auto* c = clusters.find(s.cluster_id);
  if (c == nullptr)
    return;
  c->cfg.labels = s.labels;
  c->state = s.state;
  c->cfg.weight = s.weight;
  c->enabled = true;
}

caf::error cluster_admin::check_node(cluster_table& clusters,
                                     const std::string& node,
                                     const std::string& state) {
  if (clusters.of_node(node) == nullptr)
    return make_error(errc::not_found,
                      "node " + node + " is not in the topology");
  if (!known_state(state))
    return bad_state();
  return {};
}

void cluster_admin::set_node_state(const std::string& node,
                                   const std::string& state) {
  if (state == "active")
    node_states.erase(node);
  else
    node_states[node] = state;
}

std::string cluster_admin::node_state(const std::string& node_id) const {
  auto i = node_states.find(node_id);
  return i == node_states.end() ? "active" : i->second;
}

} // namespace tether
