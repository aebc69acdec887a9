// listings: the fleet as lists for operators (GET /v1/terminals and GET
// /v1/jobs, docs/API.md): terminals by id prefix and recent jobs by
// terminal and status. Plain C++ over the control's sections, read only;
// unit-tested in tests/actors/control/listings_test.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/system/messages.hpp"

namespace tether {

struct control_state;
struct job_book;

/// At most `limit` terminals whose id starts with `prefix` (empty: any),
/// in id order; each with its label of the label `items` in use, as GET
/// /v1/terminals/{id} shows it (none: without label).
std::vector<terminal_status>
terminals_by_prefix(const control_state& st, const std::string& prefix,
                    size_t limit, int64_t now,
                    const std::vector<std::string>* items = nullptr);

/// At most `limit` jobs the control holds in memory, newest first (by
/// creation, then id); only those of `terminal_id` and in `status` when
/// these are not empty.
std::vector<job_record> recent_jobs(const job_book& jobs,
                                    const std::string& terminal_id,
                                    const std::string& status, size_t limit);

} // namespace tether
