// The control's answer to `get_atom, metrics_atom` (the gateway's
// /metrics): its own job figures, then the store's, the notifier's and
// every balancer's (through the cluster manager). The three are asked at
// once and their answers joined, so one request timeout bounds the
// scrape. A part that does not answer is left out and named in
// tether_metrics_source_up (0), so a scrape never fails for one slow
// process.
#include <array>
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

/// The parts asked at once: each answer (or its absence) in its slot, in
/// a fixed order; the promise is answered when the last slot is filled.
struct metrics_join {
  static constexpr size_t parts = 3;
  series_promise rp;
  series_list own;
  std::array<series_list, parts> got{};
  size_t pending = parts;

  void fill(size_t slot, const std::string& source, series_list* answer) {
    if (answer != nullptr)
      got[slot] = std::move(*answer);
    source_up(got[slot], source, answer != nullptr);
    if (--pending > 0)
      return;
    for (auto& part : got)
      own.insert(own.end(), std::make_move_iterator(part.begin()),
                 std::make_move_iterator(part.end()));
    rp.deliver(std::move(own));
  }
};

/// Asks `from` for its series into slot `slot` of `join`.
template <class Handle>
void gather_one(control_self self, const Handle& from, size_t slot,
                std::string source, std::shared_ptr<metrics_join> join) {
  if (!from)
    return join->fill(slot, source, nullptr);
  self
    ->request(from, self->state.request_timeout, get_atom::value,
              metrics_atom::value)
    .then(
      [join, slot, source](series_list& got) {
        join->fill(slot, source, &got);
      },
      [join, slot, source](caf::error&) { join->fill(slot, source, nullptr); });
}

} // namespace

caf::result<std::vector<metric_series>> gather_metrics(control_self self,
                                                       const control_peers& p) {
  auto join = std::make_shared<metrics_join>();
  join->rp = self->make_response_promise<series_list>();
  join->own = self->state.job_figures.series();
  auto rp = join->rp;
  gather_one(self, p.store, 0, "store", join);
  gather_one(self, p.notify, 1, "notifier", join);
  gather_one(self, p.manager, 2, "balancers", join);
  return rp;
}

} // namespace tether
