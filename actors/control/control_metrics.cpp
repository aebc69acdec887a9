// The control's answer to `get_atom, metrics_atom` (the gateway's
// /metrics): its own job figures, then the store's, the notifier's and
// every balancer's (through the cluster manager), asked one after the
// other with the request timeout. A part that does not answer is left out
// and named in tether_metrics_source_up (0), so a scrape never fails for
// one slow process.
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/control/control.hpp"
#include "actors/control/control_flows.hpp"

namespace tether {

namespace {

using series_list = std::vector<metric_series>;
using series_promise = caf::typed_response_promise<series_list>;

/// `up` (1 or 0) of one gathered part.
void source_up(series_list& out, const std::string& source, bool up) {
  metric_series s;
  s.name = "tether_metrics_source_up";
  s.labels = {{"source", source}};
  s.value = up ? 1 : 0;
  out.push_back(std::move(s));
}

/// Asks `from` for its series, appends them to `*out`, then calls `next`.
template <class Handle, class Next>
void gather_one(control_self self, const Handle& from, std::string source,
                std::shared_ptr<series_list> out, Next next) {
  if (!from) {
    source_up(*out, source, false);
    return next();
  }
  self
    ->request(from, self->state.request_timeout, get_atom::value,
              metrics_atom::value)
    .then(
      [out, source, next](series_list& got) mutable {
        out->insert(out->end(), got.begin(), got.end());
        source_up(*out, source, true);
        next();
      },
      [out, source, next](caf::error&) mutable {
        source_up(*out, source, false);
        next();
      });
}

} // namespace

caf::result<std::vector<metric_series>> gather_metrics(control_self self,
                                                       const control_peers& p) {
  auto rp = self->make_response_promise<series_list>();
  auto out = std::make_shared<series_list>(self->state.job_figures.series());
  auto done = [rp, out]() mutable {
    rp.deliver(std::move(*out));
  };
  auto balancers = [self, p, out, done]() mutable {
    gather_one(self, p.manager, "balancers", out, done);
  };
  auto notifier = [self, p, out, balancers]() mutable {
    gather_one(self, p.notify, "notifier", out, balancers);
  };
  gather_one(self, p.store, "store", out, notifier);
  return rp;
}

} // namespace tether
