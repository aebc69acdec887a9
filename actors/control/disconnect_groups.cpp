#include "actors/control/disconnect_groups.hpp"

#include <string>
#include <unordered_map>

namespace tether {

void disconnect_groups::load(std::vector<disconnect_event> stored,
                             terminal_table& terminals) {
  for (auto& e : stored) {
    if (auto* t = terminals.find(e.terminal_id); t && !e.address.empty())
      t->address = e.address;
    tracker.add(std::move(e));
  }
}

void disconnect_groups::record(int64_t now, const std::string& terminal_id,
                               const std::string& address) {
  disconnect_event e{now, terminal_id, address};
  tracker.add(e);
  unsaved.push_back(std::move(e));
}

int64_t disconnect_groups::refresh(int64_t now,
                                   const terminal_table& terminals) {
  auto drop_before = tracker.prune(now);
  tracker.expire(now);
  if (tracker.events().empty()) // the classes found before are kept
    return drop_before;
  const auto& by = tracker.rules().failure_group.group_by;
  std::unordered_map<std::string, size_t> sizes;
  for (const auto& [id, t] : terminals.entries)
    if (auto g = fact_of(t.record, by); !g.empty())
      ++sizes[g];
  tracker.refresh(
    now,
    [&terminals, &by](const std::string& id) {
      const auto* t = terminals.find(id);
      return t == nullptr ? std::string{} : fact_of(t->record, by);
    },
    sizes);
  return drop_before;
}

std::vector<disconnect_event> disconnect_groups::take_unsaved() {
  auto out = std::move(unsaved);
  unsaved.clear();
  return out;
}

} // namespace tether
