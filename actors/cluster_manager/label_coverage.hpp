// label_coverage: under strict matching (patent S640) a terminal with a
// value for a label item matches only the clusters that name the item, so
// an item of the label configuration that no cluster names keeps every
// such terminal from registering. The cluster manager checks a new label
// configuration, and every change of a cluster's labels, against this
// before either is stored; the label changes still being stored count as
// made, so two changes in flight cannot each drop the last mention. Plain
// C++, owned by the cluster manager.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "actors/cluster_manager/cluster_table.hpp"
#include "actors/policy/placement.hpp"

namespace tether {

/// Labels that clusters will have once changes are applied: cluster id ->
/// its new labels (such a cluster counts as enabled: a change enables a
/// declared cluster).
using label_overrides = std::map<std::string, const config::cluster_labels*>;

/// The items of `items` that no enabled cluster of `clusters` names, in
/// order, with `after` applied over the table.
std::vector<std::string>
unnamed_label_items(const cluster_table& clusters,
                    const std::vector<std::string>& items,
                    const label_overrides& after = {});

class label_coverage {
public:
  label_matching matching = label_matching::strict;

  /// A label configuration of `items`: 409 naming the items no cluster
  /// names (strict matching), else no error.
  caf::error check_config(const cluster_table& clusters,
                          const std::vector<std::string>& items) const;

  /// A label configuration check_config let through is being stored by
  /// the control, which then hands it to the selector (whose items come
  /// with each cluster change). Until `until_ms` (the bound of that write)
  /// its items count as in use too, so a cluster change checked in between
  /// cannot drop the last mention of one of them. The latest replaces any
  /// earlier one.
  void admitted(std::vector<std::string> items, int64_t until_ms);

  /// A change of a cluster's labels at `now_ms`, with `in_use` the label
  /// items now configured: 409 naming those it would leave named by no
  /// cluster that some cluster names now (strict matching; an item named
  /// by none already is not its doing), else no error.
  caf::error check_change(const cluster_table& clusters,
                          const cluster_settings& change,
                          const std::vector<std::string>& in_use,
                          int64_t now_ms) const;

  /// A checked change is being stored: it counts as made until `done`.
  uint64_t pending(const cluster_settings& change);
  void done(uint64_t id);

private:
  std::map<uint64_t, cluster_settings> pending_; // in the order made
  uint64_t next_ = 1;
  std::vector<std::string> admitted_; // the latest configuration let through
  int64_t admitted_until_ms_ = 0;

  label_overrides overrides(const cluster_settings* change = nullptr) const;
};

} // namespace tether
