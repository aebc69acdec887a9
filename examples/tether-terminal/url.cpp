#include "tether-terminal/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>

namespace tether::terminal {

namespace urls = boost::urls;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

std::uint16_t default_port(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws")
    return 80;
  if (scheme == "https" || scheme == "wss")
    return 443;
  return 0;
}

} // namespace

std::optional<parsed_url>
parse_url(std::string_view text,
          std::initializer_list<std::string_view> schemes, std::string& error) {
  auto r = urls::parse_uri(text);
  if (!r) {
    error
      = "'" + std::string(text) + "': not a URL (" + r.error().message() + ")";
    return std::nullopt;
  }
  const urls::url_view& u = *r;
  parsed_url out;
  out.scheme = lower(std::string_view(u.scheme()));
  if (std::find(schemes.begin(), schemes.end(), out.scheme) == schemes.end()) {
    error
      = "'" + std::string(text) + "': unsupported scheme '" + out.scheme + "'";
    return std::nullopt;
  }
  out.host = u.host_address();
  if (out.host.empty()) {
    error = "'" + std::string(text) + "': no host";
    return std::nullopt;
  }
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) {
      error = "'" + std::string(text) + "': bad port";
      return std::nullopt;
    }
    out.port = u.port_number();
  } else {
    out.port = default_port(out.scheme);
  }
  out.host_header = std::string(std::string_view(u.encoded_host_and_port()));
  out.target = std::string(std::string_view(u.encoded_target()));
  if (out.target.empty() || out.target.front() != '/')
    out.target.insert(0, "/");
  return out;
}

std::string append_query(
  std::string_view url,
  const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  auto r = urls::parse_uri(url);
  if (!r)
    return {};
  urls::url u(*r);
  for (const auto& [key, value] : params)
    u.params().append({key, value});
  return std::string(u.buffer());
}

std::string join_path(std::string_view base, std::string_view path) {
  std::string out(base);
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  out += path;
  return out;
}

} // namespace tether::terminal
