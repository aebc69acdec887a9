// tether-terminal: the pieces of an http:// or ws:// URL a client needs to
// connect.
//
// Wraps Boost.URL so the Beast code only sees plain strings. Both parse
// functions return std::nullopt and fill `error` for anything they cannot use;
// they never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::terminal {

struct parsed_url {
  std::string scheme;     // lower case: "http", "ws", ...
  std::string host;       // for the resolver: no IPv6 brackets, percent-decoded
  std::uint16_t port = 0; // explicit port or the scheme's default
  std::string
    host_header;      // Host header value: host[:port] as written in the URL
  std::string target; // origin-form request target: path[?query], at least "/"
};

// Parses an absolute URL whose scheme is one of `schemes` (e.g. {"ws"},
// {"http"}).
std::optional<parsed_url>
parse_url(std::string_view text,
          std::initializer_list<std::string_view> schemes, std::string& error);

// Returns `url` with the query parameters appended (percent-encoded as needed),
// keeping any query it already had. Empty string if `url` does not parse.
std::string append_query(
  std::string_view url,
  const std::vector<std::pair<std::string_view, std::string_view>>& params);

// Returns `base` with `path` (which starts with '/') appended, without doubling
// the slash.
std::string join_path(std::string_view base, std::string_view path);

} // namespace tether::terminal
