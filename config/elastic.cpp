// The elastic fleet's settings (issue 14): a cluster's standby nodes and
// thresholds (`elastic = {...}` in [[clusters]]) and [autoscale].
#include <algorithm>

#include "config/toml_reader.hpp"

namespace tether::config::detail {

namespace {

/// A threshold in sessions per active node: a number from 0 (off) to 10^7.
/// False if absent or refused.
bool read_threshold(reader& r, const toml::table& t, const std::string& path,
                    std::string_view key, double& out) {
  auto* node = t.get(key);
  if (node == nullptr)
    return false;
  auto v = node->value<double>();
  if (!v || !(*v >= 0 && *v <= 10'000'000)) {
    r.problem(node, reader::join(path, key),
              "must be a number of sessions per node from 0 (off) to "
              "10000000");
    return false;
  }
  out = *v;
  return true;
}

/// A CPU threshold in shares of one core: from 0 (off) to 1024.
bool read_cpu(reader& r, const toml::table& t, const std::string& path,
              std::string_view key, double& out) {
  auto* node = t.get(key);
  if (node == nullptr)
    return false;
  auto v = node->value<double>();
  if (!v || !(*v >= 0 && *v <= 1024)) {
    r.problem(node, reader::join(path, key),
              "must be a share of one core from 0 (off) to 1024");
    return false;
  }
  out = *v;
  return true;
}

/// min_nodes / max_nodes: the limits of node moves between clusters.
void read_node_limits(reader& r, const toml::table& t, const std::string& path,
                      cluster_elastic_config& e) {
  r.integer(t, path, "min_nodes", e.min_nodes, 1, 10'000);
  bool max = r.integer(t, path, "max_nodes", e.max_nodes, 0, 10'000);
  if (max && e.max_nodes > 0 && e.max_nodes < e.min_nodes)
    r.problem(t.get("max_nodes"), reader::join(path, "max_nodes"),
              "must be 0 (no moves) or at least min_nodes");
}

} // namespace

void read_cluster_elastic(reader& r, const toml::table& t,
                          const std::string& cluster_path, cluster_config& c) {
  auto path = cluster_path + ".elastic";
  r.only_keys(t, path,
              {"standby", "scale_out", "scale_in", "scale_out_cpu",
               "scale_in_cpu", "min_nodes", "max_nodes"});
  std::vector<const toml::node*> at;
  if (auto* standby = t.get("standby"))
    r.string_list(standby, path + ".standby", c.elastic.standby, &at);
  for (size_t i = 0; i < c.elastic.standby.size(); ++i) {
    const auto& id = c.elastic.standby[i];
    if (std::find(c.nodes.begin(), c.nodes.end(), id) == c.nodes.end())
      r.problem(at[i], reader::index(path + ".standby", i),
                "\"" + id + "\" is not a node of this cluster");
  }
  if (!c.elastic.standby.empty() && c.elastic.standby.size() >= c.nodes.size())
    r.problem(t.get("standby"), path + ".standby",
              "must leave at least one node of the cluster active");
  bool out = read_threshold(r, t, path, "scale_out", c.elastic.scale_out);
  bool in = read_threshold(r, t, path, "scale_in", c.elastic.scale_in);
  // Hysteresis: a node released below scale_in must not be woken again at
  // once, so scale_in stays below scale_out.
  if (out && in && c.elastic.scale_out > 0 && c.elastic.scale_in > 0
      && c.elastic.scale_in >= c.elastic.scale_out)
    r.problem(t.get("scale_in"), path + ".scale_in",
              "must be below scale_out (hysteresis)");
  bool out_cpu = read_cpu(r, t, path, "scale_out_cpu", c.elastic.scale_out_cpu);
  bool in_cpu = read_cpu(r, t, path, "scale_in_cpu", c.elastic.scale_in_cpu);
  if (out_cpu && in_cpu && c.elastic.scale_out_cpu > 0
      && c.elastic.scale_in_cpu > 0
      && c.elastic.scale_in_cpu >= c.elastic.scale_out_cpu)
    r.problem(t.get("scale_in_cpu"), path + ".scale_in_cpu",
              "must be below scale_out_cpu (hysteresis)");
  read_node_limits(r, t, path, c.elastic);
}

void read_autoscale(reader& r, const toml::table& t, autoscale_config& out) {
  r.only_keys(t, "autoscale",
              {"period", "cooldown", "command", "min_interval", "timeout",
               "rebalance_ratio"});
  if (auto* ratio = t.get("rebalance_ratio")) {
    auto v = ratio->value<double>();
    if (!v || !(*v == 0 || (*v >= 1.1 && *v <= 1000)))
      r.problem(ratio, "autoscale.rebalance_ratio",
                "must be 0 (off) or a number from 1.1 to 1000");
    else
      out.rebalance_ratio = *v;
  }
  r.duration(t, "autoscale", "period", out.period, millis{0});
  r.duration(t, "autoscale", "cooldown", out.cooldown, millis{0});
  r.duration(t, "autoscale", "min_interval", out.min_interval, millis{1'000});
  r.duration(t, "autoscale", "timeout", out.timeout, millis{100});
  if (auto* command = t.get("command")) {
    r.string_list(command, "autoscale.command", out.command);
    if (command->as_array() != nullptr
        && (out.command.empty() || out.command.front().empty()))
      r.problem(command, "autoscale.command",
                "must name a program (an array: the program, then its "
                "first arguments; no shell)");
  }
}

} // namespace tether::config::detail

namespace tether::config {

std::vector<std::string> nodes_reachable_by(const topology& topo,
                                            const cluster_config& c) {
  auto out = c.nodes;
  if (c.elastic.max_nodes == 0)
    return out;
  for (const auto& other : topo.clusters) {
    if (other.id == c.id || other.elastic.max_nodes == 0)
      continue;
    for (const auto& n : other.nodes)
      if (std::find(other.elastic.standby.begin(), other.elastic.standby.end(),
                    n)
          == other.elastic.standby.end())
        out.push_back(n);
  }
  return out;
}

} // namespace tether::config
