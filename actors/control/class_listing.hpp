// class_listing: the GE/GF quality classes the control holds, as a list for
// operators (GET /v1/admin/classes, docs/API.md). Plain C++ over the
// disconnect tracker, read only; unit-tested in
// tests/actors/control/class_listing_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/policy/placement.hpp"
#include "actors/system/messages.hpp"

namespace tether {

/// Every class `tracker` holds, by name: its kind ("disconnect": GE,
/// "failure": GF), member count, at most `max_ids` member ids (sorted), when
/// it formed and when it ends by itself (formed + the tracker's class_ttl;
/// 0 when class_ttl is 0: never).
std::vector<quality_class> list_classes(const disconnect_tracker& tracker,
                                        size_t max_ids);

} // namespace tether

namespace tether {

/// Class `name` (as list_classes gives it) with the ids of its members
/// after `after` (empty: from the first), sorted, at most `limit` of them;
/// nothing when `tracker` holds no such class.
std::optional<quality_class> class_page(const disconnect_tracker& tracker,
                                        const std::string& name,
                                        const std::string& after, size_t limit);

} // namespace tether
