// flap_ban: a terminal id that connects more than `limit` times within a
// minute is refused for `ban` (a device in a reconnect loop, or someone
// hammering an id). Counts per id in fixed one-minute windows; thread-safe;
// bounded (ids whose window passed and that are not banned are forgotten
// when the table is full). Connects the server itself refused are taken
// back (`forgive`): a device retrying while its cluster has no live node is
// not flapping. Time passed in for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "net/limits/token_bucket.hpp"

namespace tether::net {

class flap_ban {
public:
  flap_ban(uint32_t limit, std::chrono::milliseconds ban,
           std::size_t max_ids = 200'000)
      : limit_(limit), max_forgiven_(4 * limit), ban_(ban), max_ids_(max_ids) {}

  struct verdict {
    std::chrono::milliseconds retry_after{0}; // zero: may connect
    bool banned_now = false; // this connect started the ban (log it once)
  };

  /// Counts a connect of `id`.
  verdict connect(const std::string& id,
                  limit_clock::time_point now = limit_clock::now());
  /// Takes back one connect of `id` counted in the current minute: the
  /// server refused it itself (no live node, starting), so it is not the
  /// device's doing. At most 4 × limit a minute (beyond, a device retries
  /// far too fast whatever the reason); a ban already started stays.
  void forgive(const std::string& id,
               limit_clock::time_point now = limit_clock::now());

private:
  struct entry {
    limit_clock::time_point window_start;
    uint32_t count = 0;
    uint32_t forgiven = 0; // connects taken back in this window
    limit_clock::time_point banned_until{};
  };

  void prune(limit_clock::time_point now);

  uint32_t limit_;
  uint32_t max_forgiven_;
  std::chrono::milliseconds ban_;
  std::size_t max_ids_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> ids_;
};

} // namespace tether::net
