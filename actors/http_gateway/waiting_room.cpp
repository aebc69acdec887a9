#include "actors/http_gateway/waiting_room.hpp"

namespace tether {

void waiting_room::slot::release() {
  if (count_) {
    count_->fetch_sub(1, std::memory_order_relaxed);
    count_.reset();
  }
}

waiting_room::waiting_room(size_t limit, std::chrono::milliseconds max_wait)
    : limit_(limit), max_wait_(max_wait) {
  if (max_wait_ > clock::duration::zero())
    admitted_at_.reset(new clock::time_point::rep[ring]);
}

bool waiting_room::queue_moves(size_t waiting, clock::time_point now) const {
  if (!admitted_at_ || waiting >= ring || waiting > admitted_)
    return false;
  auto oldest = admitted_at_[(admitted_ - waiting) % ring];
  return now.time_since_epoch().count() - oldest < max_wait_.count();
}

std::optional<waiting_room::slot> waiting_room::take(clock::time_point now) {
  // Only this thread adds; others only give places back, so the count read
  // here can only have fallen when it is incremented below.
  auto waiting = count_->load(std::memory_order_relaxed);
  if (waiting >= limit_ && !queue_moves(waiting, now))
    return std::nullopt;
  count_->fetch_add(1, std::memory_order_relaxed);
  if (admitted_at_)
    admitted_at_[admitted_ % ring] = now.time_since_epoch().count();
  ++admitted_;
  return slot{count_};
}

bool waiting_room::counted(api::route::kind_t kind) {
  using k = api::route;
  switch (kind) {
  case k::register_terminal:
  case k::destination:
  case k::terminal:
  case k::push_job:
  case k::attributes:
  case k::user_link:
  case k::job:
  case k::terminals_list:
  case k::jobs_list:
  case k::history:
  case k::job_cancel:
  case k::terminal_retire:
  case k::bulk_push:
    return true;
  default:
    return false;
  }
}

} // namespace tether
