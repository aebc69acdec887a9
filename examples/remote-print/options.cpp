#include "remote-print/options.hpp"

#include "remote-print/url.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace tether::print {

namespace {

bool is_base_url(const std::string& text, std::string& error) {
  if (!parse_http_url(text, error))
    return false;
  if (text.find_first_of("?#") != std::string::npos) {
    error = "'" + text + "' must not have a query or fragment";
    return false;
  }
  return true;
}

} // namespace

std::optional<listen_address> parse_listen(std::string_view text,
                                           std::string& error) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) {
      error = "'" + std::string(text) + "': expected [IPv6]:PORT";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      error = "'" + std::string(text) + "': expected HOST:PORT";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec) {
    error = "'" + std::string(text) + "': host must be an IP address";
    return std::nullopt;
  }
  unsigned value = 0;
  auto [end, err]
    = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || err != std::errc{} || end != port.data() + port.size()
      || value > 65535) {
    error = "'" + std::string(text) + "': port must be 0-65535";
    return std::nullopt;
  }
  return listen_address{std::string(host), static_cast<std::uint16_t>(value)};
}

std::vector<std::string> validate(const service_options& o,
                                  listen_address& listen) {
  std::vector<std::string> errors;
  std::string error;
  if (auto l = parse_listen(o.listen, error))
    listen = *l;
  else
    errors.push_back("--listen: " + error);
  if (!is_base_url(o.tether, error))
    errors.push_back("--tether: " + error);
  if (!o.public_url.empty() && !is_base_url(o.public_url, error))
    errors.push_back("--public-url: " + error);
  if (o.data_dir.empty())
    errors.push_back("--data: must not be empty");
  if (o.max_document_bytes < 1 || o.max_document_bytes > (64u << 20))
    errors.push_back("--max-document-bytes: must be 1 to 67108864 (64 MiB)");
  if (o.job_ttl_s < 1 || o.job_ttl_s > 30LL * 24 * 3600)
    errors.push_back("--job-ttl-s: must be 1 to 2592000 (Tether's bounds)");
  if (!o.api_key.empty() && !o.api_key_file.empty())
    errors.push_back("--api-key and --api-key-file: give one of them");
  if (o.tether_timeout_ms < 100 || o.tether_timeout_ms > 60000)
    errors.push_back("--tether-timeout-ms: must be 100 to 60000");
  if (o.poll_interval_s < 0 || o.poll_interval_s > 3600)
    errors.push_back("--poll-interval-s: must be 0 (off) to 3600");
  return errors;
}

std::string default_public_url(const listen_address& listen,
                               std::uint16_t bound_port) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(listen.host, ec);
  std::string host = listen.host;
  if (!ec && address.is_unspecified())
    host = address.is_v6() ? "::1" : "127.0.0.1";
  if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(bound_port);
}

} // namespace tether::print
