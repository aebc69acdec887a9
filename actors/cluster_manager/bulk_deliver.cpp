#include "actors/cluster_manager/bulk_deliver.hpp"

#include <algorithm>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/fan_out.hpp"

namespace tether::bulk_delivery {

std::vector<cluster_group> group(const cluster_manager_state& st,
                                 std::vector<job_record> jobs) {
  std::vector<cluster_group> groups;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto* c = st.clusters.find(st.terminals.current(jobs[i].terminal_id));
    if (c == nullptr || c->balancers.empty())
      continue;
    auto g
      = std::find_if(groups.begin(), groups.end(),
                     [c](const cluster_group& x) { return x.cluster == c; });
    if (g == groups.end())
      g = groups.insert(groups.end(), cluster_group{c, {}, {}});
    g->positions.push_back(i);
    g->jobs.push_back(std::move(jobs[i]));
  }
  return groups;
}

void merge(std::string& out, const cluster_group& g,
           const std::vector<std::optional<std::string>>& answers) {
  for (const auto& a : answers) {
    if (!a)
      continue;
    for (size_t j = 0; j < g.positions.size() && j < a->size(); ++j)
      if ((*a)[j] == handed)
        out[g.positions[j]] = handed;
  }
}

} // namespace tether::bulk_delivery

namespace tether {

caf::result<std::string> deliver_bulk(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  std::vector<job_record> jobs) {
  using namespace bulk_delivery;
  std::string out(jobs.size(), queued);
  auto groups = group(self->state, std::move(jobs));
  if (groups.empty())
    return out;
  struct gather {
    std::string out;
    size_t pending;
    caf::typed_response_promise<std::string> rp;
  };
  auto g = std::make_shared<gather>(gather{
    std::move(out), groups.size(), self->make_response_promise<std::string>()});
  auto rp = g->rp;
  for (auto& grp : groups) {
    std::vector<cluster_balancer_actor> handles;
    for (const auto& b : grp.cluster->balancers)
      handles.push_back(b.handle);
    auto shared = std::make_shared<cluster_group>(std::move(grp));
    fan_out<std::string>(
      self, handles, self->state.request_timeout,
      [g, shared](std::vector<std::optional<std::string>> answers) {
        merge(g->out, *shared, answers);
        if (--g->pending == 0)
          g->rp.deliver(std::move(g->out));
      },
      deliver_atom::value, shared->jobs);
  }
  return rp;
}

} // namespace tether
