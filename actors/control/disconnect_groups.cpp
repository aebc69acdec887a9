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
  gate.touch();
}

void disconnect_groups::record(int64_t now, const std::string& terminal_id,
                               const std::string& address) {
  disconnect_event e{now, terminal_id, address};
  tracker.add(e);
  gate.touch();
  unsaved.push_back(std::move(e));
}

int64_t disconnect_groups::refresh(int64_t now,
                                   const terminal_table& terminals) {
  auto drop_before = tracker.prune(now);
  auto ended = tracker.expire(now);
  if (drop_before != 0 || ended > 0)
    gate.touch();               // events went
  if (tracker.events().empty()) // the classes found before are kept
    return drop_before;
  const auto& by = tracker.rules().failure_group.group_by;
  std::unordered_map<std::string, size_t> sizes;
  group_inputs in;
  for (const auto& [id, t] : terminals.entries) {
    auto g = fact_of(t.record, by);
    add_to_fingerprint(in.terminals_fp, id, g);
    if (!g.empty())
      ++sizes[g];
  }
  in.classes = class_counts(tracker);
  if (!gate.due(now, in)) {
    ++gate.skipped;
    return drop_before;
  }
  tracker.refresh(
    now,
    [&terminals, &by](const std::string& id) {
      const auto* t = terminals.find(id);
      return t == nullptr ? std::string{} : fact_of(t->record, by);
    },
    sizes);
  gate.refreshed(now, in, tracker);
  return drop_before;
}

std::vector<disconnect_event> disconnect_groups::take_unsaved() {
  auto out = std::move(unsaved);
  unsaved.clear();
  return out;
}

} // namespace tether
