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

} // namespace

void read_cluster_elastic(reader& r, const toml::table& t,
                          const std::string& cluster_path, cluster_config& c) {
  auto path = cluster_path + ".elastic";
  r.only_keys(t, path, {"standby", "scale_out", "scale_in"});
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
}

void read_autoscale(reader& r, const toml::table& t, autoscale_config& out) {
  r.only_keys(t, "autoscale",
              {"period", "cooldown", "command", "min_interval", "timeout"});
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
