// timeout_to: the timeout of a request from one role to another. An actor
// of the same process always answers (its handler replies or delivers its
// promise), and once it is gone CAF bounces the request with an error at
// once; only a peer in another process can be frozen or cut off, which only
// a timer notices. So a request to an actor of the same process gets no
// timer: each timed request costs a wake-up of CAF's clock thread, a clock
// entry that lives as long as the timeout and a late timeout message
// delivered to the requester after its answer (on the register chain:
// gateway -> control -> selector -> cluster manager -> store, one of each
// per hop and device; docs/BENCHMARKS.md, conn10).
//
// Only the inner hops of a chain use it: the outermost request (the
// gateway's, the balancer's) keeps its timer, which bounds what a client
// waits when something in the process stalls.
#pragma once

#include <caf/duration.hpp>

namespace tether {

/// `timeout`, or no timeout (`caf::infinite`) when `dest` is an actor of
/// `self`'s own process.
template <class Self, class Handle, class Timeout>
caf::duration timeout_to(const Self& self, const Handle& dest,
                         const Timeout& timeout) {
  if (dest && dest.node() == self->node())
    return caf::duration{caf::infinite};
  return caf::duration{timeout};
}

} // namespace tether
