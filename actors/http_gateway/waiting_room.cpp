#include "actors/http_gateway/waiting_room.hpp"

namespace tether {

void waiting_room::slot::release() {
  if (count_) {
    count_->fetch_sub(1, std::memory_order_relaxed);
    count_.reset();
  }
}

std::optional<waiting_room::slot> waiting_room::take(clock::time_point now) {
  // Only this thread adds; others only give places back, so the count read
  // here can only have fallen when it is incremented below.
  auto waiting = count_->load(std::memory_order_relaxed);
  auto verdict = cap_.judge(now, waiting, taken_ - waiting);
  last_wait_ = verdict.wait;
  if (!verdict.admit)
    return std::nullopt;
  count_->fetch_add(1, std::memory_order_relaxed);
  ++taken_;
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
