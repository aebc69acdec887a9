// peers: how the processes of one deployment find each other.
//
// Every process of a multi-process topology publishes one `process_actor`
// on its CAF port; asked, it returns the directory of the role actors the
// process hosts. For every pair of processes exactly one dials the other
// (config/dial_plan.hpp); the dialer sends its own directory and published
// actor along, so the accepting side learns it too (an "accepted" peer:
// reachable once it announced itself, unreachable when it goes away, until
// it dials again). The `peers` actor of a process dials each peer of its
// plan, in any start order: it retries with jittered exponential
// backoff (timers.reconnect_min .. reconnect_max), fetches the directory,
// monitors the peer's process actor, and hands the directory to the local
// subscribers (balancers, nodes, gateway), which re-point their handles.
// When a peer goes away — killed: at once; frozen or cut off: after the
// middleman's connection timeout — it reconnects the same way, so a process
// that restarts rejoins without restarting the others.
//
//   per peer: connecting ─► reachable ─(down)─► connecting ...
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"

namespace tether {

struct peer_target {
  std::string process;
  std::string host; // as in the topology (reported)
  uint16_t port = 0;
  bool dial = true; // false: the peer dials this process
  // Where to connect, if not host:port (the local end of the process-TLS
  // relay, net/peer_tls.hpp).
  std::string connect_host;
  uint16_t connect_port = 0;
};

struct peers_settings {
  std::string self_name;            // this process, for log lines
  std::vector<peer_target> targets; // dialed and accepted peers
  peer_directory self_dir;          // sent along when dialing
  std::chrono::milliseconds reconnect_min{200};
  std::chrono::milliseconds reconnect_max{defaults::reconnect_max};
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
};

struct peers_state {
  static inline const char* name = "peers";

  struct peer {
    peer_target target;
    peer_status status;
    process_actor handle;              // while reachable
    std::optional<peer_directory> dir; // while reachable
    uint32_t failures = 0; // consecutive failed attempts (for backoff)
    bool connecting = false;
  };

  peers_settings cfg;
  std::vector<peer> peers;
  std::vector<caf::actor> subscribers;
  caf::actor published; // this process's process_directory
  std::minstd_rand rng{std::random_device{}()};

  peer* find(const std::string& process);
  /// The delay before the next attempt after `failures` failed ones:
  /// reconnect_min doubled per failure, capped at reconnect_max, then
  /// scaled by a random factor in [0.5, 1] so restarts do not synchronize.
  std::chrono::milliseconds backoff(uint32_t failures);
};

/// Subscribers join with `join_atom`; each gets the directory of every
/// peer reached so far at once, and of every peer reached later. Dialing
/// starts once the process's published actor is known (`put_atom`).
peers_actor::behavior_type
peers(peers_actor::stateful_pointer<peers_state> self, peers_settings cfg);

/// The actor a process publishes on its CAF port; a dialer's announcement
/// goes to `peers`.
process_actor::behavior_type process_directory(peer_directory dir,
                                               peers_actor peers);

} // namespace tether
