#include "actors/control/disconnect_groups.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "actors/system/log.hpp"

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

namespace {

/// The GE and GF classes held now: (true for GE, name).
using class_key = std::pair<bool, std::string>;
std::set<class_key> class_names(const disconnect_tracker& t) {
  std::set<class_key> out;
  for (const auto& [name, formed] : t.disconnect_classes())
    out.emplace(true, name);
  for (const auto& [name, formed] : t.failure_classes())
    out.emplace(false, name);
  return out;
}

size_t members_of(const disconnect_tracker& t, const class_key& c) {
  const auto& members = c.first ? t.disconnect_members() : t.failure_members();
  return static_cast<size_t>(
    std::count_if(members.begin(), members.end(),
                  [&](const auto& m) { return m.second == c.second; }));
}

/// Logs the classes that formed and those that ended (their class_ttl)
/// since `before`.
void log_class_changes(const std::set<class_key>& before,
                       const disconnect_tracker& t) {
  auto now = class_names(t);
  if (now == before)
    return;
  auto log = logger("control");
  for (const auto& c : now)
    if (before.count(c) == 0)
      log->info("class {} formed ({}): {} terminals", c.second,
                c.first ? "simultaneous disconnection, GE"
                        : "failing group, GF",
                members_of(t, c));
  for (const auto& c : before)
    if (now.count(c) == 0)
      log->info("class {} ended: [placement] class_ttl passed", c.second);
}

} // namespace

int64_t disconnect_groups::refresh(int64_t now,
                                   const terminal_table& terminals) {
  auto held = class_names(tracker);
  auto drop_before = refresh_classes(now, terminals);
  log_class_changes(held, tracker);
  return drop_before;
}

int64_t disconnect_groups::refresh_classes(int64_t now,
                                           const terminal_table& terminals) {
  auto drop_before = tracker.prune(now);
  auto ended = tracker.expire(now);
  if (drop_before != 0 || ended > 0)
    gate.touch();               // events went
  if (tracker.events().empty()) // the classes found before are kept
    return drop_before;
  const auto& pass = pass_over(terminals);
  group_inputs in;
  in.terminals_fp = pass.fingerprint;
  in.classes = class_counts(tracker);
  if (!gate.due(now, in)) {
    ++gate.skipped;
    return drop_before;
  }
  const auto& by = tracker.rules().failure_group.group_by;
  tracker.refresh(
    now,
    [&terminals, &by](const std::string& id) {
      const auto* t = terminals.find(id);
      return t == nullptr ? std::string{} : t->record.fact(by);
    },
    pass.sizes);
  gate.refreshed(now, in, tracker);
  return drop_before;
}

const disconnect_groups::terminals_pass&
disconnect_groups::pass_over(const terminal_table& terminals) {
  if (pass_.version == terminals.version
      && pass_.size == terminals.entries.size())
    return pass_;
  const auto& by = tracker.rules().failure_group.group_by;
  pass_.fingerprint = 0;
  pass_.sizes.clear();
  for (const auto& [id, t] : terminals.entries) {
    auto g = t.record.fact(by);
    add_to_fingerprint(pass_.fingerprint, id, g);
    if (!g.empty())
      ++pass_.sizes[g];
  }
  pass_.version = terminals.version;
  pass_.size = terminals.entries.size();
  ++passes;
  return pass_;
}

std::vector<disconnect_event> disconnect_groups::take_unsaved() {
  auto out = std::move(unsaved);
  unsaved.clear();
  return out;
}

} // namespace tether
