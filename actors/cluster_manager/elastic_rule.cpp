#include "actors/cluster_manager/elastic_rule.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tether {

elastic_figures elastic_figures_of(
  const cluster_status& s,
  const std::function<std::string(const std::string&)>& state_of,
  const std::vector<std::string>& declared_standby,
  std::set<std::string>& live) {
  elastic_figures f;
  f.cluster_id = s.cluster_id;
  f.sessions = s.connections;
  for (const auto& n : s.nodes) {
    auto state = state_of(n.node_id);
    bool up = n.state != "failed";
    if (state == "active" && !up && live.count(n.node_id) > 0)
      ++f.lost;
    if (up)
      live.insert(n.node_id);
    else
      live.erase(n.node_id);
    if (!up)
      continue;
    if (state == "standby") {
      f.standby.push_back(n.node_id);
    } else if (state == "active") {
      f.active.push_back({n.node_id, n.sessions});
      f.cpu += n.cpu;
      if (std::find(declared_standby.begin(), declared_standby.end(), n.node_id)
          != declared_standby.end())
        f.woken.push_back({n.node_id, n.sessions});
    }
  }
  if (!f.active.empty())
    f.cpu /= static_cast<double>(f.active.size());
  // Wake in the topology's order, whatever order the reports came in.
  std::stable_sort(f.standby.begin(), f.standby.end(),
                   [&](const std::string& a, const std::string& b) {
                     auto at = [&](const std::string& x) {
                       return std::find(declared_standby.begin(),
                                        declared_standby.end(), x)
                            - declared_standby.begin();
                     };
                     return at(a) < at(b);
                   });
  return f;
}

namespace {

/// Under every scale_in that is set (at least one is).
bool under_scale_in(const config::cluster_elastic_config& limits,
                    const elastic_figures& f, double per) {
  if (limits.scale_in <= 0 && limits.scale_in_cpu <= 0)
    return false;
  return (limits.scale_in <= 0 || per < limits.scale_in)
      && (limits.scale_in_cpu <= 0 || f.cpu < limits.scale_in_cpu);
}

/// One active node fewer would not be above either scale_out.
bool fits_one_fewer(const config::cluster_elastic_config& limits,
                    const elastic_figures& f) {
  auto fewer = static_cast<double>(f.active.size() - 1);
  auto share = static_cast<double>(f.active.size()) / fewer;
  return (limits.scale_out <= 0
          || static_cast<double>(f.sessions) / fewer <= limits.scale_out)
      && (limits.scale_out_cpu <= 0 || f.cpu * share <= limits.scale_out_cpu);
}

} // namespace

elastic_decision elastic_rule::changed(track& k, int64_t now_ms,
                                       elastic_step step, std::string node,
                                       std::string reason) {
  k.last_change = now_ms;
  k.above_since.reset();
  k.below_since.reset();
  return {step, std::move(node), std::move(reason)};
}

elastic_decision
elastic_rule::decide(const config::cluster_elastic_config& limits,
                     const elastic_figures& f, int64_t now_ms) {
  auto d = step(limits, f, now_ms);
  d.sessions = f.sessions;
  d.nodes = f.active.size();
  d.cpu = f.cpu;
  return d;
}

elastic_decision
elastic_rule::step(const config::cluster_elastic_config& limits,
                   const elastic_figures& f, int64_t now_ms) {
  auto& k = tracks_[f.cluster_id];
  if ((f.lost > 0 || f.active.empty()) && !f.standby.empty())
    return changed(k, now_ms, elastic_step::wake, f.standby.front(),
                   f.lost > 0 ? "replaces a failed node"
                              : "no active node is left");
  if (f.active.empty())
    return {};
  auto nodes = static_cast<double>(f.active.size());
  auto per = static_cast<double>(f.sessions) / nodes;
  bool above_sessions = limits.scale_out > 0 && per > limits.scale_out;
  bool above_cpu = limits.scale_out_cpu > 0 && f.cpu > limits.scale_out_cpu;
  bool above = above_sessions || above_cpu;
  bool below = under_scale_in(limits, f, per) && !f.woken.empty()
            && f.active.size() > 1 && fits_one_fewer(limits, f);
  if (!above)
    k.above_since.reset();
  else if (!k.above_since)
    k.above_since = now_ms;
  if (!below)
    k.below_since.reset();
  else if (!k.below_since)
    k.below_since = now_ms;
  bool settled = !k.last_change || now_ms - *k.last_change >= cooldown.count();
  auto figures = fmt::format("{} sessions on {} active nodes", f.sessions,
                             f.active.size());
  if (above && now_ms - *k.above_since >= period.count()) {
    auto why
      = above_sessions
        ? fmt::format("{} (over scale_out {})", figures, limits.scale_out)
        : fmt::format("{}, CPU {:.2f} per node (over scale_out_cpu {})",
                      figures, f.cpu, limits.scale_out_cpu);
    if (!f.standby.empty())
      return settled
             ? changed(k, now_ms, elastic_step::wake, f.standby.front(), why)
             : elastic_decision{};
    if (has_command
        && (!k.last_command
            || now_ms - *k.last_command >= command_interval.count())) {
      k.last_command = now_ms;
      return {elastic_step::command, {}, why};
    }
    return {};
  }
  if (below && settled && now_ms - *k.below_since >= period.count()) {
    auto give = std::min_element(
      f.woken.begin(), f.woken.end(), [](const auto& a, const auto& b) {
        return a.sessions != b.sessions ? a.sessions < b.sessions
                                        : a.node_id < b.node_id;
      });
    auto why = limits.scale_in > 0
               ? fmt::format("{} (under scale_in {})", figures, limits.scale_in)
               : fmt::format("{}, CPU {:.2f} per node (under scale_in_cpu {})",
                             figures, f.cpu, limits.scale_in_cpu);
    return changed(k, now_ms, elastic_step::release, give->node_id, why);
  }
  return {};
}

} // namespace tether
