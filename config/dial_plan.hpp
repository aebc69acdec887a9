// dial_plan: which process of a multi-process topology dials which.
//
// A process needs (wants) a peer when it hosts the gateway (whose /healthz
// reports every process: it wants them all), when the peer hosts the
// control, or when the peer hosts a node of one of its balancers. For every
// pair of processes where at least one wants the other, exactly one dials
// and the other accepts; the link is then used both ways (the dialer tells
// the accepting side its own directory). Who dials, for a pair {A, B}:
//   - only A wants B: A dials;
//   - both: the control's process is dialed (everyone dials the control);
//     else a gateway dials a process without one; else the process earlier
//     in the file dials.
// One dial per pair means no simultaneous dials (with process TLS, two
// handshakes for one pair raced each other).
#pragma once

#include <string>
#include <vector>

#include "config/topology.hpp"

namespace tether::config {

struct dial_plan {
  std::vector<std::string> dials;   // processes this one connects to
  std::vector<std::string> accepts; // processes that connect to this one
};

/// Whether process `a` needs the directory of process `b`.
bool wants_peer(const topology& topo, const process_config& a,
                const process_config& b);

/// The dial plan of process `me` (file order in both lists). Empty for a
/// name that is not in the topology.
dial_plan dial_plan_of(const topology& topo, const std::string& me);

} // namespace tether::config
