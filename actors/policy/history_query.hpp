// GET /v1/terminals/{id}/history as plain C++ (docs/API.md, "History"):
// its query (since, limit, cursor; 400 naming the parameter) and its answer.
// Tested in tests/actors/policy/history_query_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/system/messages.hpp"

namespace tether::api {

struct history_query {
  int64_t since_ms = 0; // 0: any age
  uint32_t limit = 100; // 1..1000
  std::string cursor;   // a page's `next` (empty: the newest)
};

/// Decodes the query of `target`: an empty string or the problem, naming
/// the parameter (unknown ones are refused).
std::string decode_history_query(std::string_view target, history_query& out);

/// Unix ms of an RFC 3339 time ("2026-12-05T12:00:00Z", fractions and
/// offsets allowed); nullopt when malformed.
std::optional<int64_t> parse_rfc3339(std::string_view text);

/// {"terminal_id","records":[{"at","event",...}],"next"} (newest first).
std::string encode_history(const std::string& terminal_id,
                           const call_page& page);

} // namespace tether::api
