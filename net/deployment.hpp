// deployment: wires one tetherd process from a topology — opens the store,
// spawns every role's actor, binds the HTTP and WebSocket listeners and runs
// the I/O threads. `main` only parses the command line and calls this.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/topology.hpp"

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace tether::net {

struct deployment_options {
  config::topology topo;
  std::string data_dir = "tether-data";
  /// The process of the topology to run (`tetherd --process NAME`): only
  /// its roles, published on its CAF port, connected to its peers. Empty:
  /// every role of the file in this one OS process, wired directly.
  std::string process;
  /// Sync the RocksDB WAL on every (group-committed) write: what the API
  /// acknowledged survives a machine crash, not only a process crash.
  bool sync_writes = true;
};

/// What a started deployment listens on (the real ports).
struct deployment_endpoints {
  std::string http;   // host:port
  bool https = false; // the gateway speaks TLS ([edge_tls])
  std::vector<std::pair<std::string, std::string>> balancers; // id, URL
};

class deployment {
public:
  virtual ~deployment() = default;

  /// Starts everything. On failure returns nullptr with the reason.
  static std::unique_ptr<deployment>
  start(caf::actor_system& sys, deployment_options opts, std::string& error);

  virtual const deployment_endpoints& endpoints() const = 0;

  /// Stops the listeners, the I/O threads and the actors.
  virtual void stop() = 0;
};

/// Applies the CAF settings of the topology (for `process`: that process's
/// scheduler; the middleman's heartbeat and connection timeout from the
/// timers), loads the middleman and registers Tether's message types.
void configure_actor_system(caf::actor_system_config& cfg,
                            const config::topology& topo,
                            const std::string& process = {});

} // namespace tether::net
