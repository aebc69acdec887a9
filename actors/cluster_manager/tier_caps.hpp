// tier_caps: the cluster manager's count of live connections per cluster
// and per capped tier ("plan=free"), and the check of a cluster's caps
// (`max_connections`, `caps = { plan = { free = N } }` in the topology).
//
// The count lives here, in the one cluster manager, so that a cap holds
// across every balancer of a cluster: each admission of a connection goes
// through the manager (`admit`), which counts it at once; every second the
// balancers' reports (their connections per tier) replace the counts, and
// admissions made after that report was asked for are added back. So the
// count never drifts after kills or lost closes: it is a recount.
// Plain C++, owned by the cluster manager (cluster_manager.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/system/interfaces.hpp"
#include "config/topology.hpp"

namespace tether {

/// The tier key of an attribute value: "plan=free".
std::string tier_key(const std::string& attribute, const std::string& value);

/// A balancer's report key for all its admitted connections.
inline constexpr const char* all_tiers = "*";

class tier_caps {
public:
  struct counts {
    uint32_t total = 0;
    std::map<std::string, uint32_t> tiers;
  };

  /// Takes the attributes capped in any cluster (only those are tiers).
  void configure(const std::vector<config::cluster_config>& clusters);

  /// The capped tiers a terminal with `rec`'s attributes counts in.
  std::vector<std::string> tiers_for(const terminal_record& rec) const;

  /// Remembers a terminal's capped tiers from its attributes (at start and
  /// at each assignment).
  void remember(const terminal_record& rec);

  /// The capped tiers of a terminal (empty if none or unknown).
  std::vector<std::string> tiers_of(const std::string& terminal) const;

  /// The cap of cluster `c` a new connection with `tiers` would exceed, as
  /// a sentence naming it; empty when it fits.
  std::string over_cap(const config::cluster_config& c,
                       const std::vector<std::string>& tiers) const;

  /// Counts an admitted connection at once (until the next report).
  void admit(const std::string& cluster, const std::vector<std::string>& tiers,
             int64_t now_ms);

  /// Replaces each answering balancer's count with its report, asked for
  /// at `asked_ms`. A balancer that did not answer (slow, frozen) keeps its
  /// last report, and then admissions are kept too (counted twice rather
  /// than not at all: a cap may refuse one too many, never admit one too
  /// many); when every balancer answered, admissions before `asked_ms` are
  /// in the reports and dropped. Times are steady-clock milliseconds.
  void take_reports(const std::vector<std::optional<balancer_status>>& rs,
                    int64_t asked_ms);
  /// Forgets a balancer that went down (its connections went with it).
  void forget(const std::string& balancer_id);

  /// The current count of a cluster (reported plus admitted since).
  counts current(const std::string& cluster) const;

  /// Whether any cluster has a cap (else admissions are not counted).
  bool any() const { return any_; }

private:
  struct admitted {
    int64_t at_ms;
    std::string cluster;
    std::vector<std::string> tiers;
  };
  bool any_ = false;
  std::set<std::string> attributes_;
  std::unordered_map<std::string, std::vector<std::string>> tiers_;
  struct report {
    std::string cluster;
    counts n;
  };
  std::unordered_map<std::string, report> reported_; // by balancer id
  std::vector<admitted> since_;
};

} // namespace tether
