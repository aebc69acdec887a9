// api_histories: each terminal's API history (one section of
// control_state): calls and errors (GC, GD), print jobs and jobs done (GB,
// GI) in sliding windows, the terminals whose history changed since the
// last flush to the store, and the per-user job counts (GI) refreshed on
// the control's tick. Plain C++; unit-tested in
// tests/actors/control/api_histories_test.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/control/compact_history.hpp"
#include "actors/control/terminal_table.hpp"
#include "actors/system/messages.hpp"

namespace tether {

struct api_histories {
  /// Each terminal's history, compact (the id is the key; the stored form
  /// is made only when written or read out: expand()).
  std::unordered_map<std::string, compact_history> by_terminal;
  /// Terminals whose history changed since the last take_dirty().
  std::unordered_set<std::string> dirty;
  int64_t window_ms = 3'600'000;
  /// GI (patent B9, F3): service requests (pushes) per day over the whole
  /// history of all terminals of each user (its first), since the earliest
  /// registration among them, as of the last refresh_user_jobs().
  std::unordered_map<std::string, uint64_t> user_jobs;

  /// Takes the stored histories at start.
  void load(std::vector<api_history> stored);

  /// The terminal's history, or none when nothing was counted yet.
  std::optional<api_history> find(const std::string& terminal_id) const;

  /// Counts an API call on a terminal.
  void count_call(const std::string& terminal_id, bool failed, int64_t now);
  /// Counts a job the terminal did (GB counts the pages of the print ones,
  /// GI all jobs).
  void count_done(const std::string& terminal_id, bool print, uint32_t pages,
                  int64_t now);
  /// Counts one failed communication from a node to the terminal (GD,
  /// patent S410-S420): a job delivered again (the last delivery was never
  /// acknowledged) or expired before the terminal acknowledged it.
  void count_failure(const std::string& terminal_id, int64_t now);

  /// Records the terminal's connection history (stored with the rest on
  /// the next flush).
  void set_connection(const std::string& terminal_id, uint64_t connects,
                      uint64_t disconnects, uint64_t keepalive_failures,
                      int64_t last_seen_ms);

  /// Records the terminal's GE/GF class (an empty one: unchanged).
  void set_classes(const std::string& terminal_id,
                   const std::string& disconnect_class,
                   const std::string& failure_class);

  /// Ends the terminal's GE class (`disconnect`) and/or GF class
  /// (`failure`): expired or cleared by an operator.
  void clear_classes(const std::string& terminal_id, bool disconnect,
                     bool failure);

  /// Histories changed since the last call, and forgets that they changed.
  std::vector<api_history> take_dirty();

  /// Recomputes user_jobs; `first_user_of` gives a terminal's first user
  /// (empty: none, or not registered), `registered_at` when it registered
  /// (0: unknown).
  void refresh_user_jobs(
    int64_t now,
    const std::function<std::string(const std::string&)>& first_user_of,
    const std::function<int64_t(const std::string&)>& registered_at
    = [](const std::string&) { return int64_t{0}; });
  /// The same from the terminals that link a user (terminal_table::
  /// first_users()): no pass over every history, only over those
  /// terminals (none in most fleets, so the tick costs nothing here).
  void refresh_user_jobs(int64_t now, const std::vector<first_user>& users);

  /// GI input of a terminal whose first user is `user` (0 when unknown).
  uint64_t jobs_of_user(const std::string& user) const;

private:
  compact_history& of(const std::string& terminal_id);
};

} // namespace tether
