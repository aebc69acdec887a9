#include "actors/http_gateway/dashboard_changes.hpp"

#include <boost/json.hpp>

namespace tether {

namespace {

namespace json = boost::json;

std::string cluster_data(const cluster_status& c) {
  return json::serialize(json::object{{"id", c.cluster_id},
                                      {"state", c.state},
                                      {"weight", c.weight},
                                      {"connections", c.connections},
                                      {"assigned", c.assigned},
                                      {"nodes", c.nodes.size()}});
}

std::string node_data(const cluster_status& c, const node_status& n) {
  return json::serialize(json::object{{"id", n.node_id},
                                      {"cluster", c.cluster_id},
                                      {"state", n.state},
                                      {"sessions", n.sessions},
                                      {"capacity", n.capacity},
                                      {"weight", n.weight}});
}

/// Records `data` under `id` and adds an event when it differs from the
/// last one (and this is not the first reading).
void note(std::map<std::string, std::string>& last, const std::string& id,
          std::string data, bool emit, const char* kind,
          std::vector<dashboard_event>& out) {
  auto& seen = last[id];
  if (seen == data)
    return;
  if (emit)
    out.emplace_back(kind, data);
  seen = std::move(data);
}

} // namespace

std::vector<dashboard_event>
dashboard_changes::clusters(const std::vector<cluster_status>& now) {
  std::vector<dashboard_event> out;
  bool emit = std::exchange(clusters_read_, true);
  for (const auto& c : now) {
    note(clusters_, c.cluster_id, cluster_data(c), emit, "cluster", out);
    for (const auto& n : c.nodes)
      note(nodes_, n.node_id, node_data(c, n), emit, "node", out);
  }
  return out;
}

std::vector<dashboard_event>
dashboard_changes::jobs(const std::vector<job_record>& now) {
  std::vector<dashboard_event> out;
  bool emit = std::exchange(jobs_read_, true);
  std::map<std::string, std::string> next;
  for (const auto& j : now) {
    auto it = jobs_.find(j.job_id);
    if (emit && (it == jobs_.end() || it->second != j.status))
      out.emplace_back("job",
                       json::serialize(json::object{{"id", j.job_id},
                                                    {"terminal", j.terminal_id},
                                                    {"service", j.service},
                                                    {"status", j.status}}));
    next[j.job_id] = j.status;
  }
  jobs_ = std::move(next); // jobs older than the reading are forgotten
  return out;
}

std::vector<dashboard_event>
dashboard_changes::classes(const std::vector<quality_class>& now) {
  std::vector<dashboard_event> out;
  bool emit = std::exchange(classes_read_, true);
  std::map<std::string, uint64_t> next;
  for (const auto& c : now) {
    auto it = classes_.find(c.name);
    if (emit && (it == classes_.end() || it->second != c.members))
      out.emplace_back(
        "class", json::serialize(json::object{
                   {"name", c.name},
                   {"kind", c.kind},
                   {"members", c.members},
                   {"change", it == classes_.end() ? "formed" : "members"}}));
    next[c.name] = c.members;
  }
  for (const auto& [name, members] : classes_)
    if (emit && !next.count(name))
      out.emplace_back(
        "class", json::serialize(json::object{
                   {"name", name}, {"members", 0}, {"change", "cleared"}}));
  classes_ = std::move(next);
  return out;
}

} // namespace tether
