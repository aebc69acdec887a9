#include "tether-terminal/options.hpp"

#include "tether-terminal/url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <cctype>

namespace tether::terminal {

namespace net = boost::asio;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

// A range bigger than this is almost certainly a typo (and would need as many
// sockets).
constexpr std::uint32_t max_range_size = 65536;

void expand_one(std::string_view element, std::vector<net::ip::address>& out,
                std::vector<std::string>& errors) {
  boost::system::error_code ec;
  // A '-' never occurs in an IP address, so it marks a range.
  if (auto dash = element.find('-'); dash != std::string_view::npos) {
    auto first = net::ip::make_address_v4(trim(element.substr(0, dash)), ec);
    boost::system::error_code ec2;
    auto last = net::ip::make_address_v4(trim(element.substr(dash + 1)), ec2);
    if (ec || ec2) {
      errors.push_back("--source-addrs: '" + std::string(element)
                       + "': a range needs two IPv4 addresses");
      return;
    }
    auto lo = first.to_uint(), hi = last.to_uint();
    if (lo > hi) {
      errors.push_back("--source-addrs: '" + std::string(element)
                       + "': range is descending");
      return;
    }
    if (hi - lo >= max_range_size) {
      errors.push_back("--source-addrs: '" + std::string(element)
                       + "': range larger than "
                       + std::to_string(max_range_size));
      return;
    }
    for (auto v = lo;; ++v) {
      out.emplace_back(net::ip::address_v4(v));
      if (v == hi)
        break;
    }
    return;
  }
  auto addr = net::ip::make_address(element, ec);
  if (ec) {
    errors.push_back("--source-addrs: '" + std::string(element)
                     + "': not an IP address");
    return;
  }
  out.push_back(addr);
}

} // namespace

bool valid_terminal_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'
        || c == ':' || c == '-';
  });
}

std::vector<net::ip::address>
expand_source_addresses(const std::vector<std::string>& items,
                        std::vector<std::string>& errors) {
  std::vector<net::ip::address> out;
  for (const auto& item : items) {
    std::string_view rest = item;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto element = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{}
                                             : rest.substr(comma + 1);
      if (!element.empty())
        expand_one(element, out, errors);
    }
  }
  return out;
}

std::vector<std::string>
validate(const terminal_options& o,
         std::vector<net::ip::address>& source_addresses) {
  std::vector<std::string> errors;

  if (std::string why; !parse_url(o.server, {"http", "https"}, why))
    errors.push_back("--server: " + why
                     + " (an http:// or https:// URL is needed)");
  if (!o.id.empty()) {
    if (!valid_terminal_id(o.id))
      errors.push_back("--id: '" + o.id
                       + "': must be 1-128 characters of [A-Za-z0-9._:-]");
    if (o.count != 1)
      errors.push_back("--id and --count > 1 exclude each other");
  } else {
    if (o.count == 0)
      errors.push_back("--count: must be at least 1");
    // The longest generated id is the prefix plus the digits of count-1.
    auto longest = o.id_prefix + std::to_string(o.count == 0 ? 0 : o.count - 1);
    if (!valid_terminal_id(longest))
      errors.push_back("--id-prefix: '" + o.id_prefix
                       + "': ids must be 1-128 characters of [A-Za-z0-9._:-]");
  }
  if (o.client_cert_file.empty() != o.client_key_file.empty())
    errors.push_back("--client-cert and --client-key go together");
  if (!o.client_cert_file.empty() && o.server.rfind("https://", 0) != 0)
    errors.push_back("--client-cert needs an https:// --server");
  if (o.ramp_per_s < 0)
    errors.push_back("--ramp-per-s: must be >= 0");
  if (o.threads < 1 || o.threads > 64)
    errors.push_back("--threads: must be 1..64");
  if (o.backoff_min.count() < 1)
    errors.push_back("--backoff-min-ms: must be >= 1");
  if (o.backoff_max < o.backoff_min)
    errors.push_back("--backoff-max-ms: must be >= --backoff-min-ms");
  if (o.failover_hop.count() < 0 || o.failover_hop > o.backoff_max)
    errors.push_back("--failover-hop-ms: must be 0..--backoff-max-ms");
  if (o.connect_timeout.count() < 1)
    errors.push_back("--connect-timeout-ms: must be >= 1");
  if (o.http_timeout.count() < 1)
    errors.push_back("--http-timeout-ms: must be >= 1");
  if (o.read_message_max < 1024)
    errors.push_back("--read-max-bytes: must be >= 1024");
  if (o.send_queue_max < 4)
    errors.push_back("--send-queue-max: must be >= 4");
  if (o.dedupe_window < 1)
    errors.push_back("--dedupe-window: must be >= 1");
  if (o.duration.count() < 0)
    errors.push_back("--duration-s: must be >= 0");
  if (o.stats_interval.count() < 0)
    errors.push_back("--stats-interval-s: must be >= 0");
  static constexpr std::string_view levels[]
    = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), o.log_level)
      == std::end(levels))
    errors.push_back("--log-level: '" + o.log_level
                     + "': one of trace, debug, info, warn, "
                       "error, critical, off");

  source_addresses = expand_source_addresses(o.source_addrs, errors);
  // Bind each address once with port 0: proves it is local before any device
  // depends on it.
  net::io_context probe_ctx;
  for (const auto& addr : source_addresses) {
    net::ip::tcp::socket probe(probe_ctx);
    boost::system::error_code ec;
    probe.open(addr.is_v4() ? net::ip::tcp::v4() : net::ip::tcp::v6(), ec);
    if (!ec)
      probe.bind({addr, 0}, ec);
    if (ec)
      errors.push_back("--source-addrs: " + addr.to_string() + ": cannot bind ("
                       + ec.message() + ")");
  }
  return errors;
}

std::vector<std::string> device_ids(const terminal_options& o) {
  if (!o.id.empty())
    return {o.id};
  std::vector<std::string> ids;
  ids.reserve(o.count);
  for (std::size_t i = 0; i < o.count; ++i)
    ids.push_back(o.id_prefix + std::to_string(i));
  return ids;
}

} // namespace tether::terminal
