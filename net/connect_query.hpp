// connect_query: the parameters of a device's WebSocket upgrade,
// `/v1/connect?terminal_id=...&token=...`, taken from one parse of the
// request target. The balancer's listener read each with
// api::query_value, a whole Boost.URL parse per name: two a connect, about
// 22,000 instructions (docs/BENCHMARKS.md §3); now one.
#pragma once

#include <string>
#include <string_view>

namespace tether::net {

struct connect_query {
  std::string terminal_id; // the first `terminal_id`, decoded; empty: none
  std::string token;       // the first `token`, decoded; empty: none
};

/// Each field as api::query_value(target, name) gives it: the first
/// parameter of that name, %-decoded, `+` read as a space; empty when the
/// parameter is missing or the query is malformed.
connect_query parse_connect_query(std::string_view target);

} // namespace tether::net
