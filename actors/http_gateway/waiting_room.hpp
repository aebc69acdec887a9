// waiting_room: how many device and service requests of one gateway are
// waiting for the control plane, and the cap on them ([limits]
// http_max_waiting). Over the cap a request is answered 503 at once with a
// jittered Retry-After instead of joining the queue: in a registration or
// push storm the queue would otherwise grow until every answer came after
// its client had given up, so the control would work only for answers
// nobody reads and the clients' retries would add to the queue (found with
// examples/bench/fleet.sh, docs/BENCHMARKS.md). A slot is taken when a
// request is admitted and given back when it is answered (or its responder
// dropped); slots may be given back from any thread.
#pragma once

#include <atomic>
#include <cstddef>
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

  explicit waiting_room(size_t limit) : limit_(limit) {}
  /// A place for one more request, or none while `limit` are waiting.
  std::optional<slot> take();
  size_t waiting() const { return count_->load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

  /// The routes that take a place: the devices' and services' (they come in
  /// storms). An operator's calls, health, metrics and static files do not,
  /// so that an operator can act while devices are refused.
  static bool counted(api::route::kind_t kind);

private:
  size_t limit_;
  std::shared_ptr<std::atomic<size_t>> count_
    = std::make_shared<std::atomic<size_t>>(0);
};

} // namespace tether
