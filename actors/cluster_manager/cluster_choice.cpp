#include "actors/cluster_manager/cluster_choice.hpp"

#include "actors/system/errors.hpp"

namespace tether {

namespace {

std::string why_none(const assigned_label& label, bool any_matches) {
  std::string text;
  for (const auto& [item, value] : label.items)
    text += (text.empty() ? "" : ", ") + item + "=" + value;
  return any_matches ? "no cluster matching the terminal's label {" + text
                         + "} is active and reachable"
                     : "no cluster matches the terminal's label {" + text + "}";
}

} // namespace

std::optional<size_t> cluster_choice::choose(const cluster_table& clusters,
                                             const assigned_label& label,
                                             const std::string& current,
                                             std::string& why,
                                             const std::string& user,
                                             const full_check& full) {
  std::vector<cluster_candidate> candidates;
  std::vector<size_t> index;
  std::string capped; // the first cap that left a cluster out
  for (size_t i = 0; i < clusters.size(); ++i) {
    const auto& c = clusters[i];
    if (!c.enabled || !label_matches(c.cfg.labels, label, matching))
      continue;
    if (c.cfg.id == current && c.usable() && !c.balancers.empty())
      return i; // stay where it is: no needless moves
    if (auto cap = full ? full(c) : std::string{}; !cap.empty()) {
      if (capped.empty())
        capped = std::move(cap);
      continue;
    }
    candidates.push_back({c.cfg.id, c.usable(), !c.balancers.empty(),
                          c.connections, c.cpu, c.memory, c.cfg.weight});
    index.push_back(i);
  }
  auto how = strategy_for(label, config::known_label_items(), item_strategies,
                          strategy);
  auto pick = choose_cluster(candidates, how, rr, user);
  if (!pick) {
    why = capped.empty() ? why_none(label, !candidates.empty()) : capped;
    return std::nullopt;
  }
  return index[*pick];
}

bool stays(const cluster_table& clusters, const assigned_label& label,
           const std::string& current, label_matching how) {
  const auto* c = clusters.find(current);
  return c != nullptr && c->enabled && c->usable()
      && label_matches(c->cfg.labels, label, how);
}

caf::expected<std::vector<std::string>>
cluster_choice::must_move(const cluster_table& clusters,
                          const terminal_map& terminals,
                          const realloc_plan& plan) {
  if (!plan.cluster_id.empty()) {
    const auto* c = clusters.find(plan.cluster_id);
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
    auto current = terminals.current(id);
    if (current.empty())
      continue; // not registered: nothing to move
    if (stays(clusters, plan.labels[i], current, matching))
      continue;
    std::string why;
    auto pick = choose(clusters, plan.labels[i], current, why);
    if (pick && clusters[*pick].cfg.id != current)
      out.push_back(id);
  }
  rr = std::move(cursors);
  return out;
}

} // namespace tether
