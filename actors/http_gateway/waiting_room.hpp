// waiting_room: how many device and service requests of one gateway are
// waiting for the control plane, and the cap on them ([limits]
// http_max_waiting). Over the cap a request is answered 503 at once with a
// jittered Retry-After instead of joining the queue: in a registration or
// push storm the queue would otherwise grow until every answer came after
// its client had given up, so the control would work only for answers
// nobody reads and the clients' retries would add to the queue (found with
// examples/bench/fleet.sh, docs/BENCHMARKS.md). A slot is taken when a
// request is admitted and given back when it is answered (or its responder
// dropped); slots may be given back from any thread and are taken by one
// (the gateway actor's).
//
// The cap judges by wait (net/limits/wait_cap.hpp): from `limit` waiting
// requests on, one more is still taken while the control plane answers
// them fast enough to answer it within `max_wait` ([limits] http_max_wait),
// up to wait_cap::hard_factor × `limit` waiting; a refused request is told
// the expected wait as its Retry-After (net/limits/retry_after.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "actors/policy/api.hpp"
#include "net/limits/wait_cap.hpp"

namespace tether {

class waiting_room {
public:
  /// One request's place in the queue; moves, gives the place back once.
  class slot {
  public:
    slot(slot&& other) noexcept : count_(std::move(other.count_)) {}
    slot& operator=(slot&&) = delete;
    slot(const slot&) = delete;
    ~slot() { release(); }
    /// Gives the place back (again: nothing).
    void release();

  private:
    friend class waiting_room;
    explicit slot(std::shared_ptr<std::atomic<size_t>> count)
        : count_(std::move(count)) {}
    std::shared_ptr<std::atomic<size_t>> count_;
  };

  using clock = net::wait_cap::clock;

  /// `limit` requests may always wait; more while the expected wait is at
  /// most `max_wait` (zero: never more than `limit`).
  explicit waiting_room(size_t limit, std::chrono::milliseconds max_wait = {})
      : cap_(limit, max_wait) {}
  /// A place for one more request, or none (see above). From one thread.
  std::optional<slot> take(clock::time_point now = clock::now());
  /// How long the request of the last take() would wait (none: not known).
  std::optional<std::chrono::milliseconds> last_wait() const {
    return last_wait_;
  }
  size_t waiting() const { return count_->load(std::memory_order_relaxed); }
  size_t limit() const { return cap_.count(); }
  /// The most that ever wait (the hard cap).
  size_t hard_limit() const { return cap_.hard(); }
  std::chrono::milliseconds max_wait() const { return cap_.max_wait(); }

  /// The routes that take a place: the devices' and services' (they come in
  /// storms). An operator's calls, health, metrics and static files do not,
  /// so that an operator can act while devices are refused.
  static bool counted(api::route::kind_t kind);

private:
  net::wait_cap cap_;
  std::shared_ptr<std::atomic<size_t>> count_
    = std::make_shared<std::atomic<size_t>>(0);
  uint64_t taken_ = 0; // places taken so far: minus waiting(), answered
  std::optional<std::chrono::milliseconds> last_wait_;
};

} // namespace tether
