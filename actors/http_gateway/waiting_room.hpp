// waiting_room: how many device and service requests of one gateway are
// waiting for the control plane, and the cap on them ([limits]
// http_max_waiting). Over the cap a request is answered 503 at once with a
// jittered Retry-After instead of joining the queue: in a registration or
// push storm the queue would otherwise grow until every answer came after
// its client had given up, so the control would work only for answers
// nobody reads and the clients' retries would add to the queue (found with
// examples/bench/fleet.sh, docs/BENCHMARKS.md). A slot is taken when a
// request is admitted and given back when it is answered (or its responder
// dropped); slots may be given back from any thread, and are taken by one
// thread only (the gateway actor's).
//
// The cap counts requests, but what it protects is their wait: over the
// limit, a request is still admitted while the queue moves, that is while
// the request admitted as many places ago as are now waiting (the oldest
// one still waiting, when the control answers in order) has waited less
// than `max_wait`, up to `ring` requests waiting. A burst the control
// plane clears within `max_wait` is served instead of refused: a refused
// device comes back only after its Retry-After (whole seconds, at least
// one), while the control plane idles (10,000 devices registering at once:
// about 4,000 to 6,000 refusals with the count alone; branch conn13,
// docs/BENCHMARKS.md). A control plane that stalls still gets `limit`
// requests at most once its oldest has waited `max_wait`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "actors/policy/api.hpp"

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

  using clock = std::chrono::steady_clock;
  /// How many admission times are kept: the most requests that can wait
  /// once more than `limit` do.
  static constexpr size_t ring = 16384;

  /// `limit` requests may always wait; over it, more while the oldest has
  /// waited less than `max_wait` (zero: never more than `limit`).
  explicit waiting_room(size_t limit,
                        std::chrono::milliseconds max_wait = {});
  /// A place for one more request, or none while `limit` are waiting and
  /// the queue does not move (see above). From one thread only.
  std::optional<slot> take(clock::time_point now = clock::now());
  size_t waiting() const { return count_->load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

  /// The routes that take a place: the devices' and services' (they come in
  /// storms). An operator's calls, health, metrics and static files do not,
  /// so that an operator can act while devices are refused.
  static bool counted(api::route::kind_t kind);

private:
  /// Over the limit: whether the oldest waiting request waited less than
  /// `max_wait_` (by the admission times of the last `ring` requests).
  bool queue_moves(size_t waiting, clock::time_point now) const;

  size_t limit_;
  clock::duration max_wait_;
  std::shared_ptr<std::atomic<size_t>> count_
    = std::make_shared<std::atomic<size_t>>(0);
  /// Requests admitted so far, and when the last `ring` of them were (not
  /// initialised: pages are touched only once a burst needs them).
  uint64_t admitted_ = 0;
  std::unique_ptr<clock::time_point::rep[]> admitted_at_;
};

} // namespace tether
