// request_deadlines: the timeouts of an actor's requests, kept by the actor
// itself and checked by one timer of its own, instead of one entry on CAF's
// clock per request.
//
// With CAF 0.17 a request with a timeout costs a wake-up of the clock
// thread to set the timer, a clock entry that lives as long as the timeout
// and a late timeout message to the requester after its answer
// (docs/BENCHMARKS.md, conn10 and the push latency's tail split): on the
// hot paths, one of each per push and per device that registers. Here a
// request carries no CAF timeout; its id and deadline go into a queue (ids
// and deadlines rise together: one timeout per book), its handlers forget
// it when they run, and a single timer (armed for the oldest deadline while
// anything waits) fails each request still waiting at its deadline with
// `sec::request_timeout`, the error CAF's own timer gives, through the
// mailbox (behind the timer's message and then the mailbox's backlog: an
// actor with a long backlog sees it somewhat later than CAF's would be). A
// request answered in time costs an append and a search in the queue.
//
//   auto& book = self->state.deadlines;             // a request_deadlines
//   timed_request(self, book, dest, xs...).then(f, g);
//   [self](deadline_atom) { sweep_deadlines(self, self->state.deadlines); }
//
// The actor's interface takes `deadline_atom` (the timer).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/sec.hpp>

#include "actors/system/messages.hpp"
#include "actors/system/timeout_to.hpp"

namespace tether {

/// The requests of one actor that wait for an answer, by deadline.
class request_deadlines {
public:
  using time_point = caf::actor_clock::time_point;

  request_deadlines() = default;
  explicit request_deadlines(std::chrono::milliseconds timeout)
      : timeout_(timeout) {}

  /// A request was sent at `now`: it is due at now + timeout. `id` is the
  /// id its answer will carry (a response_handle's `id()`); ids must rise
  /// from one call to the next (an actor's own request ids do).
  /// Returns true when nothing was waiting before (arm the timer).
  bool add(caf::message_id id, time_point now);

  /// Request `id` was answered or failed: its deadline is forgotten. An
  /// unknown id (already expired) is ignored.
  void done(caf::message_id id);

  /// Removes the requests due by `now` that still wait and calls
  /// `timed_out(id)` for each, oldest first (`id` as given to add).
  template <class F>
  void expire(time_point now, F&& timed_out) {
    while (!entries_.empty() && entries_.front().due <= now) {
      auto e = entries_.front();
      entries_.pop_front();
      if (e.waiting) {
        --waiting_;
        timed_out(caf::message_id{e.id});
      }
      drop_answered_front();
    }
  }

  /// The oldest waiting request's deadline; none when nothing waits.
  std::optional<time_point> next_due() const;

  /// Requests waiting for an answer.
  size_t waiting() const { return waiting_; }

  /// Whether a timer is armed (kept by timed_request and sweep_deadlines).
  bool armed = false;

private:
  struct entry {
    uint64_t id; // caf::message_id's integer value
    time_point due;
    bool waiting;
  };
  void drop_answered_front();

  std::chrono::milliseconds timeout_{5'000};
  std::deque<entry> entries_; // ids and deadlines rising
  size_t waiting_ = 0;
};

namespace detail_deadlines {

/// `f` with the same parameters, forgetting request `id` in `book` first.
template <class F, class... Args>
auto forgetting(F f, request_deadlines* book, caf::message_id id,
                caf::detail::type_list<Args...>) {
  return [f = std::move(f), book, id](Args... xs) mutable {
    book->done(id);
    return f(std::forward<Args>(xs)...);
  };
}

template <class F>
auto forgetting(F f, request_deadlines* book, caf::message_id id) {
  using args = typename caf::detail::get_callable_trait<F>::arg_types;
  return forgetting(std::move(f), book, id, args{});
}

/// A request's handle whose `then` forgets the deadline in either branch
/// (no book: the request has no deadline).
template <class Handle>
class deadline_handle {
public:
  deadline_handle(Handle h, request_deadlines* book)
      : handle_(std::move(h)), book_(book) {}
  template <class F, class OnError>
  void then(F f, OnError g) {
    if (book_ == nullptr)
      return handle_.then(std::move(f), std::move(g));
    auto id = handle_.id();
    handle_.then(forgetting(std::move(f), book_, id),
                 forgetting(std::move(g), book_, id));
  }

private:
  Handle handle_;
  request_deadlines* book_;
};

} // namespace detail_deadlines

/// Arms `self`'s deadline timer for `book`'s oldest waiting request.
template <class Self>
void arm_deadlines(Self* self, request_deadlines& book) {
  auto due = book.next_due();
  if (!due || book.armed)
    return;
  book.armed = true;
  auto now = self->clock().now();
  auto wait = *due > now ? *due - now : caf::actor_clock::duration_type{0};
  self->delayed_send(self, wait, deadline_atom::value);
}

/// `self->request(dest, book's timeout, xs...)` with the timeout kept in
/// `book` instead of on CAF's clock. Handle it with `.then(f, g)`.
template <class Self, class Dest, class... Ts>
auto timed_request(Self* self, request_deadlines& book, const Dest& dest,
                   Ts&&... xs) {
  auto h = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  book.add(h.id(), self->clock().now());
  arm_deadlines(self, book);
  return detail_deadlines::deadline_handle<decltype(h)>{std::move(h), &book};
}

/// timed_request for a peer in another process; an actor of `self`'s own
/// process gets no deadline (as timeout_to.hpp: it answers as soon as it
/// runs the request, and CAF bounces the request at once when it is gone).
template <class Self, class Dest, class... Ts>
auto timed_request_to(Self* self, request_deadlines& book, const Dest& dest,
                      Ts&&... xs) {
  if (same_process(self, dest)) {
    auto h = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    return detail_deadlines::deadline_handle<decltype(h)>{std::move(h),
                                                          nullptr};
  }
  return timed_request(self, book, dest, std::forward<Ts>(xs)...);
}

/// The timer's handler: every request due fails with
/// `sec::request_timeout` (delivered to its error handler through the
/// mailbox, as CAF's timer does); the timer is armed again while requests
/// wait.
template <class Self>
void sweep_deadlines(Self* self, request_deadlines& book) {
  book.armed = false;
  book.expire(self->clock().now(), [self](caf::message_id id) {
    self->enqueue(
      caf::make_mailbox_element(nullptr, id, {},
                                caf::make_error(caf::sec::request_timeout)),
      self->context());
  });
  arm_deadlines(self, book);
}

} // namespace tether
