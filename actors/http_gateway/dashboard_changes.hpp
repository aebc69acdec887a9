// dashboard_changes: what changed between two readings of the views the
// dashboard shows (GET /v1/admin/events): clusters (state, weight,
// connections, assigned terminals), nodes (state, sessions, capacity,
// weight), the most recent jobs (status), the quality classes (formed,
// cleared). The first reading is the baseline and yields no events (a
// client reads the lists, then follows the events). CPU and memory are
// left out: they change on every reading.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/system/messages.hpp"

namespace tether {

/// One event: its kind (`cluster`, `node`, `job`, `class`) and JSON data.
using dashboard_event = std::pair<std::string, std::string>;

class dashboard_changes {
public:
  std::vector<dashboard_event> clusters(const std::vector<cluster_status>& now);
  /// `now`: the most recent jobs; a job not in an earlier reading is new.
  std::vector<dashboard_event> jobs(const std::vector<job_record>& now);
  std::vector<dashboard_event> classes(const std::vector<quality_class>& now);

private:
  bool clusters_read_ = false;
  bool jobs_read_ = false;
  bool classes_read_ = false;
  std::map<std::string, std::string> clusters_; // id → last data
  std::map<std::string, std::string> nodes_;    // id → last data
  std::map<std::string, std::string> jobs_;     // id → last status
  std::map<std::string, uint64_t> classes_;     // name → members
};

} // namespace tether
