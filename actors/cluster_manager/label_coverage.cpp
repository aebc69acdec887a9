#include "actors/cluster_manager/label_coverage.hpp"

#include <algorithm>

#include "actors/system/errors.hpp"

namespace tether {

namespace {

/// "\"a\"" or "\"a\", \"b\"".
std::string quoted(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "\"" : ", \"") + item + "\"";
  return out;
}

const char* strict_consequence(bool one) {
  return one ? ": with [labels] matching = \"strict\" a terminal with a "
               "value for it would match no cluster and could not register"
             : ": with [labels] matching = \"strict\" a terminal with a "
               "value for one of them would match no cluster and could not "
               "register";
}

} // namespace

std::vector<std::string>
unnamed_label_items(const cluster_table& clusters,
                    const std::vector<std::string>& items,
                    const label_overrides& after) {
  auto names = [&](const cluster_entry& c, const std::string& item) {
    if (auto o = after.find(c.cfg.id); o != after.end())
      return o->second->count(item) > 0;
    return c.enabled && c.cfg.labels.count(item) > 0;
  };
  std::vector<std::string> out;
  for (const auto& item : items)
    if (std::none_of(clusters.entries.begin(), clusters.entries.end(),
                     [&](const cluster_entry& c) { return names(c, item); }))
      out.push_back(item);
  return out;
}

label_overrides
label_coverage::overrides(const cluster_settings* change) const {
  label_overrides out;
  for (const auto& [id, s] : pending_)
    out[s.cluster_id] = &s.labels; // the latest of a cluster wins
  if (change != nullptr)
    out[change->cluster_id] = &change->labels;
  return out;
}

caf::error
label_coverage::check_config(const cluster_table& clusters,
                             const std::vector<std::string>& items) const {
  if (matching != label_matching::strict)
    return {};
  auto unnamed = unnamed_label_items(clusters, items, overrides());
  if (unnamed.empty())
    return {};
  bool one = unnamed.size() == 1;
  return make_error(
    errc::conflict,
    std::string{"no cluster names the label item"} + (one ? " " : "s ")
      + quoted(unnamed) + strict_consequence(one)
      + "; add it to a cluster's labels first (they are replaced by PUT "
        "/v1/admin/clusters/{id}: give the existing ones too, or use "
        "`tetherctl cluster set C1 --label "
      + unnamed.front() + "=*`), or leave it out");
}

void label_coverage::admitted(std::vector<std::string> items,
                              int64_t until_ms) {
  admitted_ = std::move(items);
  admitted_until_ms_ = until_ms;
}

caf::error label_coverage::check_change(const cluster_table& clusters,
                                        const cluster_settings& change,
                                        const std::vector<std::string>& in_use,
                                        int64_t now_ms) const {
  if (matching != label_matching::strict)
    return {};
  auto items = in_use;
  if (now_ms < admitted_until_ms_)
    for (const auto& item : admitted_)
      if (std::find(items.begin(), items.end(), item) == items.end())
        items.push_back(item);
  auto before = unnamed_label_items(clusters, items, overrides());
  auto after = unnamed_label_items(clusters, items, overrides(&change));
  std::vector<std::string> dropped;
  for (const auto& item : after)
    if (std::find(before.begin(), before.end(), item) == before.end())
      dropped.push_back(item);
  if (dropped.empty())
    return {};
  bool one = dropped.size() == 1;
  return make_error(
    errc::conflict,
    "these labels of cluster " + change.cluster_id
      + " would leave no cluster naming the label item" + (one ? " " : "s ")
      + quoted(dropped) + ", which the label configuration uses"
      + strict_consequence(one) + "; keep " + (one ? "it" : "them")
      + " in the labels (`--label " + dropped.front()
      + "=*` accepts every value), or take " + (one ? "it" : "them")
      + " out of the label configuration first (tetherctl label-config "
        "set)");
}

uint64_t label_coverage::pending(const cluster_settings& change) {
  pending_.emplace(next_, change);
  return next_++;
}

void label_coverage::done(uint64_t id) {
  pending_.erase(id);
}

} // namespace tether
