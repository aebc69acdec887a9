// disconnect_groups: the disconnect events of the last windows and the
// groups they make (GE: addresses, GF: failure groups; docs/LABELS.md), and
// the events not stored yet (one section of control_state). Plain C++;
// unit-tested in tests/actors/control/disconnect_groups_test.cpp.
#pragma once

#include <cstdint>
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
  /// last call).
  int64_t refresh(int64_t now, const terminal_table& terminals);

  /// The events to store, and forgets them.
  std::vector<disconnect_event> take_unsaved();
};

} // namespace tether
