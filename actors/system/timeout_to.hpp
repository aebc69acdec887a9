// timeout_to: the timeout of a request from one role to another, for hops
// whose handler answers from memory (the selector's select, the cluster
// manager's assignment and lookups, a node's spawn): such an actor of the
// same process answers as soon as it runs the request, and once it is gone
// CAF bounces the request with an error at once; only a peer in another
// process can be frozen or cut off, which only a timer notices. So such a
// request to an actor of the same process gets no timer: each timed request
// costs a wake-up of CAF's clock thread, a clock entry that lives as long
// as the timeout and a late timeout message delivered to the requester
// after its answer (on the register chain, one of each per hop and device;
// docs/BENCHMARKS.md, conn10).
//
// Not for the store: it may block on a stalled disk, so every request to
// it keeps its timer (store_then), which answers, undoes and logs. A hop
// whose handler waits on the store (the cluster manager's assignment) is
// bounded by that timer. The outermost request of a chain (the gateway's
// to the control, the balancer's admission) keeps its deadline too, which
// bounds what a client waits when something in the process stalls; those,
// the manager's assignment writes and the balancer's spawns on nodes in
// another process keep it in the requester's own queue
// (request_deadlines.hpp, timed_request_to) rather than on CAF's clock.
#pragma once

#include <caf/duration.hpp>

namespace tether {

/// Whether `dest` is an actor of `self`'s own process (such a request needs
/// no timer: see above).
template <class Self, class Handle>
bool same_process(const Self& self, const Handle& dest) {
  return dest && dest.node() == self->node();
}

/// `timeout`, or no timeout (`caf::infinite`) when `dest` is an actor of
/// `self`'s own process.
template <class Self, class Handle, class Timeout>
caf::duration timeout_to(const Self& self, const Handle& dest,
                         const Timeout& timeout) {
  if (same_process(self, dest))
    return caf::duration{caf::infinite};
  return caf::duration{timeout};
}

} // namespace tether
