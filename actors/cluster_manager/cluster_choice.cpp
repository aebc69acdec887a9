#include "actors/cluster_manager/cluster_choice.hpp"

#include "actors/system/errors.hpp"

namespace tether {

namespace {

std::string why_none(const assigned_label& label, bool any_matches) {
  std::string text;
  for (const auto& [item, value] : label.items)
    text += (text.empty() ? "" : ", ") + item + "=" + value;
  return any_matches ? "no cluster matching the terminal's label {" + text
                         + "} is active and reachable (a live balancer and "
                           "a node taking new sessions)"
                     : "no cluster matches the terminal's label {" + text + "}";
}

/// The GE or GF class a label puts its terminal in (empty: none).
std::string spread_class(const assigned_label& label) {
  for (const char* item : {"disconnect_group", "failure_group"})
    if (auto i = label.items.find(item);
        i != label.items.end() && !i->second.empty() && i->second != "none")
      return i->second;
  return {};
}

/// FNV-1a: a hash that is the same in every process and release.
uint64_t stable_hash(const std::string& a, const std::string& b) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s)
      h = (h ^ c) * 1099511628211ull;
  };
  mix(a);
  h = (h ^ 0xff) * 1099511628211ull;
  mix(b);
  return h;
}

/// A member of a GE/GF class has its own slot among the clusters of the
/// best class (`here`, if it is of that class, and the usable candidates):
/// the highest hash of terminal and cluster (rendezvous hashing), so a
/// class is spread over them and a member's slot changes only with that
/// set.
std::optional<size_t>
spread_slot(const cluster_table& clusters, const std::string& terminal,
            std::optional<size_t> here,
            const std::vector<cluster_candidate>& candidates,
            const std::vector<size_t>& index) {
  auto slot = here;
  auto top = slot ? stable_hash(terminal, clusters[*slot].cfg.id) : 0;
  for (size_t k = 0; k < candidates.size(); ++k)
    if (auto h = stable_hash(terminal, candidates[k].cluster_id);
        candidates[k].active && candidates[k].reachable && (!slot || h > top))
      slot = index[k], top = h;
  return slot;
}

} // namespace

std::optional<size_t>
cluster_choice::choose(const cluster_table& clusters,
                       const assigned_label& label, const std::string& current,
                       std::string& why, const std::string& user,
                       const full_check& full, const std::string& terminal) {
  std::vector<cluster_candidate> candidates;
  std::vector<size_t> index, rank;
  std::string capped;         // the first cap that left a cluster out
  std::optional<size_t> here; // the current cluster, if it may stay
  size_t best = 0;            // the highest label class usable
  for (size_t i = 0; i < clusters.size(); ++i) {
    const auto& c = clusters[i];
    if (!c.enabled || !label_matches(c.cfg.labels, label, matching))
      continue;
    auto cls = label_class(c.cfg.labels, label);
    if (c.cfg.id == current && c.usable() && !c.balancers.empty()) {
      here = i;
      best = std::max(best, cls);
      continue;
    }
    if (auto cap = full ? full(c) : std::string{}; !cap.empty()) {
      if (capped.empty())
        capped = std::move(cap);
      continue;
    }
    candidates.push_back({c.cfg.id, c.usable(), c.reachable(), c.connections,
                          c.cpu_util, c.memory_util, c.cfg.weight});
    index.push_back(i);
    rank.push_back(cls);
    if (c.usable() && c.reachable())
      best = std::max(best, cls);
  }
  bool here_best
    = here && label_class(clusters[*here].cfg.labels, label) == best;
  for (size_t k = candidates.size(); k-- > 0;)
    if (rank[k] < best) {
      candidates.erase(candidates.begin() + static_cast<ptrdiff_t>(k));
      index.erase(index.begin() + static_cast<ptrdiff_t>(k));
    }
  if (!terminal.empty() && !spread_class(label).empty())
    if (auto slot
        = spread_slot(clusters, terminal, here_best ? here : std::nullopt,
                      candidates, index))
      return slot;
  // Stay where it is unless a better class can take it: no needless moves,
  // none for a tie-break or load.
  if (here_best)
    return here;
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
      continue;      // not registered: nothing to move
    std::string why; // staying: current is the pick (its class is best)
    auto pick = choose(clusters, plan.labels[i], current, why, {}, {}, id);
    if (pick && clusters[*pick].cfg.id != current)
      out.push_back(id);
  }
  rr = std::move(cursors);
  return out;
}

} // namespace tether
