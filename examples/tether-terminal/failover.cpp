#include "tether-terminal/failover.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <charconv>

namespace tether::terminal {

namespace {

namespace errc = boost::asio::error;

bool is_refused(const boost::system::error_code& ec) {
  return ec == errc::connection_refused || ec == errc::host_unreachable
      || ec == errc::network_unreachable;
}

bool is_timeout(const boost::system::error_code& ec) {
  return ec == boost::beast::error::timeout || ec == errc::timed_out;
}

/// The peer ended the connection before answering the upgrade (a balancer
/// over its pending-handshake cap closes a new socket at once).
bool is_closed(const boost::system::error_code& ec) {
  return ec == errc::eof || ec == boost::beast::http::error::end_of_stream
      || ec == boost::asio::ssl::error::stream_truncated
      || ec == errc::connection_reset || ec == errc::broken_pipe
      || ec == errc::connection_aborted;
}

} // namespace

std::chrono::seconds retry_after_seconds(std::string_view value) {
  long long s = 0;
  auto [end, err]
    = std::from_chars(value.data(), value.data() + value.size(), s);
  if (err != std::errc{} || end != value.data() + value.size() || s < 0)
    return std::chrono::seconds{0};
  return std::chrono::seconds(std::min(s, 3600ll));
}

connect_failure classify_failure(const boost::system::error_code& ec,
                                 unsigned http_status) {
  if (http_status == 503 || http_status == 429)
    return connect_failure::busy;
  if (http_status == 409 || http_status == 404)
    return connect_failure::not_here;
  if (http_status != 0)
    return connect_failure::other;
  if (is_refused(ec))
    return connect_failure::refused;
  if (is_timeout(ec))
    return connect_failure::timeout;
  if (is_closed(ec))
    return connect_failure::closed;
  return connect_failure::other;
}

} // namespace tether::terminal
