// audit: the audit log (docs/SECURITY.md "Audit log"), one JSON object per
// line in its own file: {"time":RFC 3339,"event":..., then the fields}.
// Who writes what: admin changes, API key creation and revocation, refused
// credentials (401/403); other concerns add their own events by calling
// `audit`. Thread-safe: any actor or I/O thread may call it; each line is
// written whole and flushed. Before `open_audit_log` (unit tests, tools)
// lines go nowhere.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether {

/// The fields of one audit line after "time" and "event", in order, as
/// JSON strings (e.g. {"key_id","k1a2b"}, {"source","10.0.0.7"}).
using audit_fields = std::vector<std::pair<std::string, std::string>>;

/// Appends to the file at `path` from now on (created 0600 when missing).
/// False with the reason in `error` when it cannot be opened.
bool open_audit_log(const std::string& path, std::string& error);

/// Stops writing (closes the file).
void close_audit_log();

/// Writes one line: the time, `event`, then `fields`.
void audit(std::string_view event, const audit_fields& fields);

/// The line `audit` writes, without its newline (for tests).
std::string audit_line(int64_t unix_ms, std::string_view event,
                       const audit_fields& fields);

} // namespace tether
