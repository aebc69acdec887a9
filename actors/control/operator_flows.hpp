// The operator's changes to jobs and terminals (docs/API.md): cancelling a
// job that is not final (DELETE /v1/jobs/{id}) and retiring a terminal
// (DELETE /v1/terminals/{id}). Both are stored before they take effect
// (store_then) and answered after. Used by the behaviour in control.cpp.
#pragma once

#include <string>

#include <caf/result.hpp>

#include "actors/control/control_flows.hpp"

namespace tether {

/// DELETE /v1/jobs/{id}: the job stored as `canceled`, then applied (its
/// callback posted, its session told to drop it); 409 naming the status of
/// a final job, 404 for an unknown one.
caf::result<job_record> cancel_job(control_self self, const control_peers& p,
                                   const std::string& job_id);

/// DELETE /v1/terminals/{id}: the record and history deleted and the token
/// generation raised in the store, then the open jobs canceled, the
/// session closed (close_code::retired), the cluster manager's mapping
/// dropped. Answers the terminal's view as it was; 404 when unknown.
caf::result<terminal_status> retire_terminal(control_self self,
                                             const control_peers& p,
                                             const std::string& terminal);

} // namespace tether
