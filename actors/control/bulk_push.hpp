// A bulk push (POST /v1/jobs/bulk): many jobs in one request, each accepted
// or refused on its own as a single push would be, and every accepted one
// stored in ONE store batch (one synced write for the whole request) before
// any of them is answered or routed. Used by the behaviour in control.cpp.
#pragma once

#include <vector>

#include <caf/result.hpp>

#include "actors/control/control_flows.hpp"

namespace tether {

/// The items of one bulk push split by the control's own rules (the single
/// push's control_state::accept_job, item by item in request order, so an
/// earlier item counts against a later one's queue bound).
struct bulk_batch {
  /// One per item, in request order; an accepted item's `job` has only its
  /// job_id, terminal_id and status (the payload is not copied back).
  std::vector<bulk_outcome> outcomes;
  std::vector<job_record> accepted; // the jobs to store, in request order

  /// Accepts or refuses each item; accepted jobs are reserved in the job
  /// book (unstored) until `stored` or `dropped`.
  static bulk_batch split(control_state& st, std::vector<job_record> items,
                          int64_t now);

  /// The batch was stored: the jobs count as stored and as pushed (their
  /// history records).
  void stored(control_state& st, int64_t now) const;

  /// The batch could not be stored: the reservations are forgotten.
  void dropped(control_state& st) const;
};

/// Splits the items, stores the accepted ones in one batch, then answers
/// per item and routes each accepted job as a single push does. A batch the
/// store refuses answers `unavailable` for the whole request (nothing is
/// kept).
caf::result<std::vector<bulk_outcome>> push_jobs(control_self self,
                                                 const control_peers& p,
                                                 std::vector<job_record> items);

} // namespace tether
