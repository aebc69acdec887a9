#include "actors/system/request_deadlines.hpp"

#include <algorithm>

namespace tether {

namespace {

/// The counter part of a request id (without its category bits), which
/// rises with every request of an actor.
uint64_t order_of(uint64_t id) {
  return id & caf::message_id::request_id_mask;
}

} // namespace

bool request_deadlines::add(caf::message_id id, time_point now) {
  bool was_idle = waiting_ == 0;
  entries_.push_back(entry{id.integer_value(), now + timeout_, true});
  ++waiting_;
  return was_idle;
}

void request_deadlines::done(caf::message_id id) {
  auto key = order_of(id.integer_value());
  auto i = std::lower_bound(
    entries_.begin(), entries_.end(), key,
    [](const entry& e, uint64_t k) { return order_of(e.id) < k; });
  if (i == entries_.end() || order_of(i->id) != key || !i->waiting)
    return;
  i->waiting = false;
  --waiting_;
  drop_answered_front();
}

void request_deadlines::drop_answered_front() {
  while (!entries_.empty() && !entries_.front().waiting)
    entries_.pop_front();
}

std::optional<request_deadlines::time_point>
request_deadlines::next_due() const {
  if (entries_.empty())
    return std::nullopt;
  return entries_.front().due;
}

} // namespace tether
