#include "remote-print/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace tether::print {

namespace urls = boost::urls;

std::optional<http_url> parse_http_url(std::string_view text,
                                       std::string& error) {
  auto r = urls::parse_absolute_uri(text);
  if (!r) {
    error = "'" + std::string(text) + "' is not an absolute URL";
    return std::nullopt;
  }
  const urls::url_view& u = *r;
  if (u.scheme_id() != urls::scheme::http) {
    error = "'" + std::string(text) + "': only http:// URLs are supported";
    return std::nullopt;
  }
  http_url out;
  out.host = u.host_address();
  if (out.host.empty()) {
    error = "'" + std::string(text) + "' has no host";
    return std::nullopt;
  }
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) {
      error = "'" + std::string(text) + "' has an invalid port";
      return std::nullopt;
    }
    out.port = u.port_number();
  }
  out.host_header = std::string(u.encoded_host_and_port());
  out.target = std::string(u.encoded_target());
  if (out.target.empty() || out.target.front() != '/')
    out.target.insert(0, "/");
  return out;
}

std::string trim_base_url(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

std::optional<request_target> parse_target(std::string_view target,
                                           std::string& error) {
  auto r = urls::parse_origin_form(target);
  if (!r) {
    error = "request target is not a valid path";
    return std::nullopt;
  }
  request_target out;
  for (auto segment : r->segments())
    if (!segment.empty())
      out.segments.push_back(std::move(segment));
  for (auto param : r->params())
    out.params.emplace_back(param.key, param.value);
  return out;
}

} // namespace tether::print
