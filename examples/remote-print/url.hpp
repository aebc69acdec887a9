// tether-print-service: URL handling, wrapping Boost.URL so the rest sees plain
// strings.
//
// Two jobs: split an absolute http:// URL (Tether's base URL, a print URL) into
// what a client needs to connect, and split a request target
// ("/documents?terminal_id=T1") into decoded path segments and query
// parameters. Nothing throws; problems come back as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::print {

struct http_url {
  std::string host;        // for the resolver: no IPv6 brackets
  std::uint16_t port = 80; // explicit port or 80
  std::string host_header; // Host header value, as written in the URL
  std::string target;      // origin-form path[?query], at least "/"
};

// Parses an absolute http:// URL (https is not supported by this sample).
std::optional<http_url> parse_http_url(std::string_view text,
                                       std::string& error);

// `url` without trailing slashes, so that base + "/path" never doubles a slash.
std::string trim_base_url(std::string url);

struct request_target {
  std::vector<std::string> segments; // decoded, empty ones dropped
  std::vector<std::pair<std::string, std::string>> params; // decoded, in order
};

// Parses an origin-form request target. std::nullopt (and `error`) when it is
// not one.
std::optional<request_target> parse_target(std::string_view target,
                                           std::string& error);

} // namespace tether::print
