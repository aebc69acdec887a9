// load_reports: when a node reports its load on its own, on top of the
// balancers' periodic requests (every status_period): as soon as its
// sessions moved by at least `session_step`, or its CPU (measured at each
// periodic request) by at least `cpu_step`, since the last report it sent.
// The baseline is the last report sent, so a load that flaps around one
// value sends nothing more (hysteresis). Plain C++, owned by the node.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <caf/actor_addr.hpp>

#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"

namespace tether {

class load_reports {
public:
  uint32_t session_step = defaults::load_report_sessions;
  double cpu_step = defaults::load_report_cpu;

  /// True if a report is due for this load.
  bool due(uint32_t sessions, double cpu) const {
    auto moved = sessions > sent_sessions_ ? sessions - sent_sessions_
                                           : sent_sessions_ - sessions;
    return moved >= session_step || std::fabs(cpu - sent_cpu_) >= cpu_step;
  }

  /// A report with this load was sent (or answered).
  void sent(uint32_t sessions, double cpu) {
    sent_sessions_ = sessions;
    sent_cpu_ = cpu;
  }

  /// Remembers a balancer that uses this node (from its session specs);
  /// each is named once. True if it is new (the node then monitors it).
  bool add_balancer(const cluster_balancer_actor& b) {
    for (const auto& x : balancers_)
      if (x.address() == b.address())
        return false;
    balancers_.push_back(b);
    return true;
  }

  /// Forgets a balancer that went away (a restarted one comes back as a
  /// new handle: without this the list would grow with every restart).
  void drop_balancer(const caf::actor_addr& gone) {
    std::erase_if(balancers_,
                  [&](const auto& b) { return b.address() == gone; });
  }

  const std::vector<cluster_balancer_actor>& balancers() const {
    return balancers_;
  }

private:
  uint32_t sent_sessions_ = 0;
  double sent_cpu_ = 0;
  std::vector<cluster_balancer_actor> balancers_;
};

} // namespace tether
