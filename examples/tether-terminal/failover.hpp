// tether-terminal: what a device does after a WebSocket connect failed.
//
// The device contract (docs/API.md "Reconnecting"): a device walks its
// destination's cluster_urls in order, but not at once. After a failed
// attempt it waits before the next URL:
//   - refused (nothing listens there: that balancer is down): a short
//     jittered hop, uniform in [0, hop_max] — it costs the servers nothing;
//   - busy (503 or 429 before the upgrade): the answer's Retry-After, or the
//     device's backoff if that is longer;
//   - closed before any answer (a balancer over its pending-handshake cap),
//     timed out, or any other failure: the device's backoff (exponential,
//     full jitter, backoff.hpp);
//   - 409 / 404 (not assigned to this cluster), or the last URL failed:
//     register again after the backoff (at least any Retry-After).
// Without the waits a reconnect storm multiplies itself: every device
// refused by an overloaded survivor hits the next one at once. Plain C++: the
// classification and the decision are unit-tested without sockets
// (tests/examples/tether-terminal/failover_test.cpp).
#pragma once

#include "tether-terminal/backoff.hpp"

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <random>
#include <string_view>

namespace tether::terminal {

/// Why a connect attempt failed, as the device can tell (counted apart in
/// the fleet's stats: connect_refused, connect_busy, connect_closed,
/// connect_timeouts, connect_not_here, connect_other).
/// (The order is that of fleet_stats::connect_failed's table, stats.cpp.)
enum class connect_failure { refused, busy, closed, timeout, not_here, other };

/// Classifies a failure from its error code and, when the server declined
/// the upgrade, its HTTP status (0 otherwise).
connect_failure classify_failure(const boost::system::error_code& ec,
                                 unsigned http_status);

/// A Retry-After header's value in whole seconds, for an HTTP answer or a
/// declined upgrade alike: delta-seconds only (an HTTP-date, a negative or
/// malformed value count as none: 0), at most an hour.
std::chrono::seconds retry_after_seconds(std::string_view value);

/// The step after a failed attempt: the next URL of the list, or register
/// again; and how long to wait first.
struct failover_step {
  enum class go { next_url, register_again } next;
  std::chrono::milliseconds delay;
};

class failover {
public:
  using duration = std::chrono::milliseconds;

  explicit failover(duration hop_max) : hop_max_(hop_max) {}

  /// `last_url`: the failed URL was the last of the list. `retry_after`: the
  /// server's Retry-After (0 if none). Advances `b` when the device backs
  /// off.
  template <class Rng>
  failover_step after(connect_failure why, bool last_url, duration retry_after,
                      backoff& b, Rng& rng) const {
    using go = failover_step::go;
    if (why == connect_failure::not_here || last_url)
      return {go::register_again, std::max(b.next(rng), retry_after)};
    if (why == connect_failure::refused) {
      std::uniform_int_distribution<std::int64_t> hop(0, hop_max_.count());
      return {go::next_url, duration(hop(rng))};
    }
    return {go::next_url, std::max(b.next(rng), retry_after)};
  }

private:
  duration hop_max_;
};

} // namespace tether::terminal
