// rehome_tally: where the sessions of a node that went down were started
// again (one section of cluster_balancer_state). Each session of a dead
// node ends on its own down message and is re-homed one at a time; the
// tally gathers them per down node and, once no more came for a settle
// time, gives one summary line per node for the balancer's log, e.g.
// "node C1-n2 down: 812 sessions re-homed: C1-n1 405, C1-n3 407". Plain
// C++; unit-tested in tests/actors/cluster_balancer/rehome_tally_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tether {

class rehome_tally {
public:
  /// Node `node` was found down at `now`.
  void node_down(const std::string& node, int64_t now);
  /// A session that was on `from` started again on `to` (empty: no live
  /// node took it, its device was closed) at `now`.
  void rehomed(const std::string& from, const std::string& to, int64_t now);

  /// The summary lines of the nodes whose last event is at least
  /// `settle_ms` before `now`, and forgets them.
  std::vector<std::string> take_settled(int64_t now, int64_t settle_ms);

  /// One node's line: "node N down: S sessions re-homed: A a, B b" (no
  /// sessions: "node N down: no sessions to re-home"); those no node took
  /// are named at the end ("; C closed: no live node"). A node whose down
  /// was not seen (its sessions ended abnormally on their own) reads
  /// "node N: S sessions ended abnormally, re-homed: ...".
  static std::string summary(const std::string& node, bool down,
                             const std::map<std::string, size_t>& to_nodes,
                             size_t closed);

  bool empty() const { return nodes_.empty(); }

private:
  struct tally {
    bool down = false;
    int64_t last_ms = 0;
    std::map<std::string, size_t> to_nodes;
    size_t closed = 0;
  };
  std::map<std::string, tally> nodes_;
};

} // namespace tether
