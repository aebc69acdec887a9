// "Store, then apply, else unavailable": the shape of every change that must
// survive a crash before it takes effect (admin changes, registrations,
// jobs, attribute and user-link changes).
//
//   store_then(self, store, rp, "the job",
//              [=](auto& rp) { ...apply...; rp.deliver(answer); },
//              [=] { ...undo what was reserved... },  // or nothing_to_undo
//              put_atom::value, job);
//
// The store's `ok` runs the apply step; a refusal or a timeout answers `rp`
// with `unavailable` ("the job could not be stored: <why>") after the
// optional undo step. Nothing is applied before the store said yes.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/message_priority.hpp>

#include "actors/system/errors.hpp"
#include "actors/system/messages.hpp"
#include "actors/system/request_deadlines.hpp"

namespace tether {

/// The error a change that could not be stored answers with.
inline caf::error not_stored(const std::string& what, const caf::error& why) {
  return make_error(errc::unavailable,
                    what + " could not be stored: " + caf::to_string(why));
}

/// The two branches of a store write: `ok` applies the change, an error
/// undoes what was reserved and answers `rp` with `unavailable`.
template <class Promise, class Apply, class Undo>
auto store_branches(Promise rp, std::string what, Apply apply, Undo undo) {
  auto stored = [rp, apply = std::move(apply)](ok_atom) mutable {
    apply(rp);
  };
  auto failed = [rp, what = std::move(what),
                 undo = std::move(undo)](caf::error& err) mutable {
    if constexpr (!std::is_same_v<Undo, void (*)()>)
      undo();
    else if (undo != nullptr)
      undo();
    rp.deliver(not_stored(what, err));
  };
  return std::pair{std::move(stored), std::move(failed)};
}

/// store_then with an explicit timeout; `caf::infinite` for the store in
/// the same process on the job path (no timer per write: a store that goes
/// down still answers with an error, one that stalls is noticed by the
/// gateway's own timeout).
/// `Priority` high: the write goes into the store's urgent queue and its
/// answer into the sender's (a service's job, ahead of the session events
/// and history batches of a reconnect storm; docs/BENCHMARKS.md, edge9).
template <caf::message_priority Priority = caf::message_priority::normal,
          class Self, class Store, class Promise, class Apply,
          class Undo = void (*)()>
void store_then_within(Self self, caf::duration timeout, const Store& store,
                       Promise rp, std::string what, Apply apply, Undo undo,
                       auto&&... write) {
  auto [stored, failed] = store_branches(std::move(rp), std::move(what),
                                         std::move(apply), std::move(undo));
  self
    ->template request<Priority>(store, timeout,
                                 std::forward<decltype(write)>(write)...)
    .then(std::move(stored), std::move(failed));
}

/// store_then with the write's deadline kept in `book` (the actor's
/// request_deadlines, swept by its own timer) instead of on CAF's clock.
template <class Self, class Store, class Promise, class Apply,
          class Undo = void (*)()>
void store_then_in(Self self, request_deadlines& book, const Store& store,
                   Promise rp, std::string what, Apply apply, Undo undo,
                   auto&&... write) {
  auto [stored, failed] = store_branches(std::move(rp), std::move(what),
                                         std::move(apply), std::move(undo));
  timed_request(self, book, store, std::forward<decltype(write)>(write)...)
    .then(std::move(stored), std::move(failed));
}

/// Sends one write to the store (with the state's request timeout, also
/// to the store of the same process: it may block on a stalled disk, and
/// the timer then answers, undoes and logs), applies the change once it is
/// stored, answers `unavailable` otherwise.
template <caf::message_priority Priority = caf::message_priority::normal,
          class Self, class Store, class Promise, class Apply,
          class Undo = void (*)()>
void store_then(Self self, const Store& store, Promise rp, std::string what,
                Apply apply, Undo undo, auto&&... write) {
  store_then_within<Priority>(self, caf::duration{self->state.request_timeout},
                              store, std::move(rp), std::move(what),
                              std::move(apply), std::move(undo),
                              std::forward<decltype(write)>(write)...);
}

/// No undo step.
inline constexpr void (*nothing_to_undo)() = nullptr;

} // namespace tether
