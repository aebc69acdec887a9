// topology_builder: the topology files the e2e tests start tetherd with.
// One default — the two clusters of the embedded default topology (C1 for
// region GG1 and models GJ1/GJ2, C2 for region GG2 and every model; two nodes
// and one balancer each), label items region and model, every port 0 (chosen by
// the OS) — and modifiers that each change one part. Tests that need exactly
// the embedded default use config::default_topology_toml() instead.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tether::test {

class topology_builder {
public:
  /// A [[clusters]] table: nodes "<id>-n1", "<id>-n2", balancer "<id>-b1".
  struct cluster {
    std::string id;
    std::string labels; // the TOML inline table
    bool enabled = true;
    uint16_t port = 0; // of the balancer
  };

  topology_builder();

  /// The body of the [labels] table (default: items = ["region", "model"]).
  topology_builder& label_table(std::string body);
  /// The body of the [timers] table (default: keepalive = "30s").
  topology_builder& timers(std::string body);
  /// Fixed ports: the HTTP gateway's and the balancers' of C1 and C2.
  topology_builder& ports(uint16_t http, uint16_t c1, uint16_t c2);
  /// A further table `[name]` with `body`, written after [timers].
  topology_builder& section(std::string name, std::string body);
  /// Replaces the labels of cluster `id`.
  topology_builder& labels(const std::string& id, std::string labels);
  /// Removes every cluster (to add others).
  topology_builder& no_clusters();
  /// Adds a cluster after the others.
  topology_builder& add_cluster(std::string id, std::string labels,
                                bool enabled = true);

  /// The topology file.
  std::string toml() const;

private:
  cluster& find(const std::string& id);

  uint16_t http_ = 0;
  std::string labels_ = "items = [\"region\", \"model\"]";
  std::string timers_ = "keepalive = \"30s\"";
  std::vector<std::pair<std::string, std::string>> sections_;
  std::vector<cluster> clusters_;
};

} // namespace tether::test
