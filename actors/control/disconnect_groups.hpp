// disconnect_groups: the disconnect events of the last windows and the
// groups they make (GE: addresses, GF: failure groups; docs/LABELS.md), and
// the events not stored yet (one section of control_state). Plain C++;
// unit-tested in tests/actors/control/disconnect_groups_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/control/group_refresh_gate.hpp"
#include "actors/control/terminal_table.hpp"
#include "actors/policy/placement.hpp"

namespace tether {

struct disconnect_groups {
  disconnect_tracker tracker;
  /// Events recorded since the last take_unsaved().
  std::vector<disconnect_event> unsaved;
  /// Connected terminals the server moved (re-allocation, a return): their
  /// next close is the device following `reassign`, no GE/GF event.
  std::unordered_set<std::string> reassigned;
  /// Whether the classes must be recomputed (group_refresh_gate.hpp).
  group_refresh_gate gate;

  /// What the pass over every terminal gives: the size of each failure
  /// group and the fingerprint of (terminal, group value) pairs, as of the
  /// terminal table's `version` and size it was taken at.
  struct terminals_pass {
    uint64_t version = UINT64_MAX;
    size_t size = 0;
    uint64_t fingerprint = 0;
    std::unordered_map<std::string, size_t> sizes;
  };
  /// The pass of the terminals as they are now: taken again only when the
  /// table changed since the last one (at 10,000 terminals it cost 1-3 ms
  /// of the control's thread a tick; docs/BENCHMARKS.md, "Job path").
  const terminals_pass& pass_over(const terminal_table& terminals);
  /// Passes taken (for the tests).
  uint64_t passes = 0;

  /// Takes the stored events at start (oldest first); they are stored
  /// already. Each terminal's last known address comes from them.
  void load(std::vector<disconnect_event> stored, terminal_table& terminals);

  /// A terminal lost its connection from `address`.
  void record(int64_t now, const std::string& terminal_id,
              const std::string& address);

  /// Drops the events past the windows and recomputes the GE/GF groups
  /// (the group sizes take one pass over `terminals`, done only while
  /// there are events or groups to dissolve), unless nothing they depend
  /// on changed since the last time (`gate`). Returns the time before
  /// which stored events are no longer needed (0: none dropped since the
  /// last call). Logs each class that formed or ended (class_ttl).
  int64_t refresh(int64_t now, const terminal_table& terminals);

  /// The events to store, and forgets them.
  std::vector<disconnect_event> take_unsaved();

private:
  terminals_pass pass_;

  int64_t refresh_classes(int64_t now, const terminal_table& terminals);
};

} // namespace tether
