#include "config/dial_plan.hpp"

#include <algorithm>

namespace tether::config {

bool wants_peer(const topology& topo, const process_config& a,
                const process_config& b) {
  if (a.name == b.name)
    return false;
  if (a.has(process_role::gateway) || b.has(process_role::control))
    return true;
  for (const auto& bal : a.balancers)
    if (const auto* c = topo.cluster_of_balancer(bal))
      for (const auto& n : nodes_reachable_by(topo, *c))
        if (const auto* p = topo.process_of_node(n); p && p->name == b.name)
          return true;
  return false;
}

namespace {

size_t index_of(const topology& topo, const process_config& p) {
  for (size_t i = 0; i < topo.processes.size(); ++i)
    if (topo.processes[i].name == p.name)
      return i;
  return topo.processes.size();
}

/// Whether `a` dials `b` (the rule in dial_plan.hpp).
bool dials(const topology& topo, const process_config& a,
           const process_config& b) {
  bool ab = wants_peer(topo, a, b);
  bool ba = wants_peer(topo, b, a);
  if (!ab)
    return false;
  if (!ba)
    return true;
  bool a_ctl = a.has(process_role::control);
  bool b_ctl = b.has(process_role::control);
  if (a_ctl != b_ctl)
    return b_ctl;
  bool a_gw = a.has(process_role::gateway);
  bool b_gw = b.has(process_role::gateway);
  if (a_gw != b_gw)
    return a_gw;
  return index_of(topo, a) < index_of(topo, b);
}

} // namespace

dial_plan dial_plan_of(const topology& topo, const std::string& me) {
  dial_plan plan;
  const auto* self = topo.find_process(me);
  if (self == nullptr)
    return plan;
  for (const auto& p : topo.processes) {
    if (p.name == me)
      continue;
    if (dials(topo, *self, p))
      plan.dials.push_back(p.name);
    else if (dials(topo, p, *self))
      plan.accepts.push_back(p.name);
  }
  return plan;
}

} // namespace tether::config
