// Clusters built by hand for the cluster manager's state tests: no actor,
// no topology file. Balancer handles are null (never messaged here).
#pragma once

#include <map>
#include <string>

#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/system/errors.hpp"

namespace tether::test {

/// A cluster with `balancers` joined balancers (ws://<id>/<n>).
inline cluster_entry cluster(const std::string& id,
                             config::cluster_labels labels,
                             uint32_t connections = 0, size_t balancers = 1) {
  cluster_entry c;
  c.cfg.id = id;
  c.cfg.labels = std::move(labels);
  c.connections = connections;
  for (size_t i = 0; i < balancers; ++i)
    c.balancers.push_back(balancer_info{
      id + "-b" + std::to_string(i + 1), id,
      "ws://" + id + "/" + std::to_string(i + 1), cluster_balancer_actor{}});
  return c;
}

/// A cluster with two nodes (<id>-n1, <id>-n2) and one balancer (ws://<id>),
/// in service or only declared.
inline cluster_entry entry(const std::string& id, config::cluster_labels labels,
                           bool enabled = true) {
  cluster_entry c;
  c.cfg.id = id;
  c.cfg.labels = std::move(labels);
  c.cfg.nodes = {id + "-n1", id + "-n2"};
  c.enabled = enabled;
  c.balancers.push_back(
    balancer_info{id + "-b1", id, "ws://" + id, cluster_balancer_actor{}});
  return c;
}

inline assigned_label label(std::map<std::string, std::string> items) {
  return assigned_label{std::move(items)};
}

/// C1: region GG1 (models GJ1, GJ2); C2: region GG2; C3: region GG1 or GG2
/// (C2 and C3 take every model: "*", as strict matching needs).
inline cluster_manager_state three_clusters() {
  cluster_manager_state st;
  st.clusters.entries.push_back(
    cluster("C1", {{"region", {"GG1"}}, {"model", {"GJ1", "GJ2"}}}, 5));
  st.clusters.entries.push_back(
    cluster("C2", {{"region", {"GG2"}}, {"model", {"*"}}}, 0));
  st.clusters.entries.push_back(
    cluster("C3", {{"region", {"GG1", "GG2"}}, {"model", {"*"}}}, 2));
  return st;
}

/// C1: GG1; C2: GG2; C3: declared (not in service), GG1 or GG2; every
/// model ("*").
inline cluster_manager_state manager() {
  cluster_manager_state st;
  st.clusters.entries.push_back(
    entry("C1", {{"region", {"GG1"}}, {"model", {"*"}}}));
  st.clusters.entries.push_back(
    entry("C2", {{"region", {"GG2"}}, {"model", {"*"}}}));
  st.clusters.entries.push_back(
    entry("C3", {{"region", {"GG1", "GG2"}}, {"model", {"*"}}}, false));
  return st;
}

inline errc code_of(const caf::error& err) {
  return view(err).code;
}

} // namespace tether::test
