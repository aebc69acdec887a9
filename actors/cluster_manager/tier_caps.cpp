#include "actors/cluster_manager/tier_caps.hpp"

#include <algorithm>

namespace tether {

std::string tier_key(const std::string& attribute, const std::string& value) {
  return attribute + "=" + value;
}

void tier_caps::configure(const std::vector<config::cluster_config>& clusters) {
  for (const auto& c : clusters) {
    any_ = any_ || c.max_connections > 0 || !c.caps.empty();
    for (const auto& [attribute, values] : c.caps)
      attributes_.insert(attribute);
  }
}

std::vector<std::string>
tier_caps::tiers_for(const terminal_record& rec) const {
  std::vector<std::string> tiers;
  for (const auto& attribute : attributes_)
    if (auto v = rec.attributes.find(attribute); v != rec.attributes.end())
      tiers.push_back(tier_key(attribute, v->second));
  return tiers;
}

void tier_caps::remember(const terminal_record& rec) {
  auto tiers = tiers_for(rec);
  if (tiers.empty())
    tiers_.erase(rec.terminal_id);
  else
    tiers_[rec.terminal_id] = std::move(tiers);
}

std::vector<std::string>
tier_caps::tiers_of(const std::string& terminal) const {
  auto i = tiers_.find(terminal);
  return i == tiers_.end() ? std::vector<std::string>{} : i->second;
}

std::string tier_caps::over_cap(const config::cluster_config& c,
                                const std::vector<std::string>& tiers) const {
  auto now = current(c.id);
  if (c.max_connections > 0 && now.total >= c.max_connections)
    return "cluster " + c.id + " is at its max_connections ("
         + std::to_string(c.max_connections) + ")";
  for (const auto& [attribute, values] : c.caps)
    for (const auto& [value, cap] : values) {
      auto key = tier_key(attribute, value);
      if (std::find(tiers.begin(), tiers.end(), key) == tiers.end())
        continue;
      auto n = now.tiers.find(key);
      if ((n == now.tiers.end() ? 0 : n->second) >= cap)
        return "cluster " + c.id + " is at its cap for " + key + " ("
             + std::to_string(cap) + " connections)";
    }
  return {};
}

void tier_caps::admit(const std::string& cluster,
                      const std::vector<std::string>& tiers, int64_t now_ms) {
  if (any_)
    since_.push_back({now_ms, cluster, tiers});
}

void tier_caps::take_reports(
  const std::vector<std::optional<balancer_status>>& rs, int64_t asked_ms) {
  bool all_answered = true;
  for (const auto& r : rs) {
    if (!r) {
      all_answered = false;
      continue;
    }
    auto& c = reported_[r->balancer_id];
    c = report{r->cluster_id, {}};
    for (const auto& [key, n] : r->tiers) {
      if (key == all_tiers)
        c.n.total += n;
      else
        c.n.tiers[key] += n;
    }
  }
  if (!all_answered)
    return;
  // Admissions made before the reports were asked for are in them.
  since_.erase(
    std::remove_if(since_.begin(), since_.end(),
                   [&](const admitted& a) { return a.at_ms < asked_ms; }),
    since_.end());
}

void tier_caps::forget(const std::string& balancer_id) {
  reported_.erase(balancer_id);
}

tier_caps::counts tier_caps::current(const std::string& cluster) const {
  counts out;
  for (const auto& [id, r] : reported_)
    if (r.cluster == cluster) {
      out.total += r.n.total;
      for (const auto& [key, n] : r.n.tiers)
        out.tiers[key] += n;
    }
  for (const auto& a : since_)
    if (a.cluster == cluster) {
      ++out.total;
      for (const auto& t : a.tiers)
        ++out.tiers[t];
    }
  return out;
}

} // namespace tether
