#include "actors/http_gateway/waiting_room.hpp"

namespace tether {

void waiting_room::slot::release() {
  if (count_) {
    count_->fetch_sub(1, std::memory_order_relaxed);
    count_.reset();
  }
}

std::optional<waiting_room::slot> waiting_room::take() {
  auto now = count_->load(std::memory_order_relaxed);
  do {
    if (now >= limit_)
      return std::nullopt;
  } while (
    !count_->compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
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
