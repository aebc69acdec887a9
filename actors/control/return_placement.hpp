// return_placement: placement re-runs when a device comes back (patent
// S110-S160, run again at power-on and after a disconnect). Registration
// and GET /v1/terminals/{id}/destination compute the terminal's label with
// the latest history and ask the cluster manager whether it may stay on its
// cluster; one that must leave moves at once while the re-allocation pacer
// allows (actors/policy/pacer.hpp, move_now_or_queue: at most
// [reallocation] max_rate moves a second, so a reconnect storm does not
// thrash the clusters), else it keeps its cluster for now and moves at its
// slot with a `reassign`, as re-allocation moves it.
#pragma once

#include <functional>
#include <string>

#include "actors/control/control_flows.hpp"

namespace tether {

/// What a terminal that came back does.
enum class return_verdict {
  place, // not placed yet, or must move and may move now
  stay,  // its cluster still takes it
  later, // must move, queued in the pacer: it stays until its slot
};

/// Decides for terminal `id` with `label` (computed now) and calls `then`.
/// An error of the cluster manager counts as `place` (the caller's usual
/// path decides).
void decide_return(control_self self, const control_peers& p,
                   const std::string& id, const assigned_label& label,
                   std::function<void(return_verdict)> then);

/// GET /v1/terminals/{id}/destination: the label with the latest history,
/// then decide_return: `place` moves it (cluster manager's move), `stay`
/// and `later` answer its current destination. An unregistered terminal:
/// the cluster manager's 404.
caf::result<destination> destination_now(control_self self,
                                         const control_peers& p,
                                         const std::string& terminal);

} // namespace tether
