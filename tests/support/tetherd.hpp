// tetherd_process: a real tetherd under test, on ports chosen by the OS,
// with its data directory and log in a temp dir.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/topology_builder.hpp"

namespace tether::test {

class tetherd_process {
public:
  /// `config_toml` empty: the embedded default topology (all ports 0).
  /// `fixed_ports`: the ports come from the topology (and stay the same
  /// across restarts) instead of being chosen by the OS.
  explicit tetherd_process(std::string config_toml = {},
                           std::vector<std::string> extra_args = {},
                           bool fixed_ports = false);
  ~tetherd_process();

  /// Starts it and waits until it serves (throws after 20 s).
  void start();
  /// A tetherd on fixed ports (test_topology_on with `timers`; a restart
  /// keeps them), started: on new ports when the start fails, at most
  /// three times (started_retrying).
  static std::unique_ptr<tetherd_process>
  start_on_fixed_ports(const std::string& timers = "keepalive = \"30s\"");
  /// start() again after a kill, on the same ports: one may be held for a
  /// moment by another test's client socket (the ports were picked in the
  /// ephemeral range), so a start that fails is retried with backoff, at
  /// most `attempts` times (then it throws).
  void restart(int attempts = 5);
  /// kill -9, or SIGTERM and wait.
  void kill9();
  void terminate();

  const std::string& http() const { // "127.0.0.1:port"
    return http_;
  }
  const std::map<std::string, std::string>& balancers() const {
    return balancers_;
  }
  const std::string& dir() const { return dir_.path(); }
  /// The admin key of DATA/secrets/admin-key, read after start (also made
  /// the default key of http_call).
  const std::string& admin_key() const { return admin_key_; }
  std::string log() const;
  child_process& process() { return *proc_; }

private:
  temp_dir dir_;
  std::string config_path_;
  std::vector<std::string> extra_;
  bool fixed_ports_ = false;
  std::unique_ptr<child_process> proc_;
  std::string http_;
  std::map<std::string, std::string> balancers_;
  std::string admin_key_;
};

/// The admin key in data directory `data_dir` (DATA/secrets/admin-key),
/// empty when there is none.
std::string admin_key_in(const std::string& data_dir);

/// topology_builder's default with the given timers table body.
std::string test_topology(const std::string& timers = "keepalive = \"30s\"");

/// The same on fixed ports: HTTP and the balancers of C1 and C2.
std::string test_topology_on(uint16_t http, uint16_t c1, uint16_t c2,
                             const std::string& timers = "keepalive = \"30s\"");

/// Runs tetherd with `args` to its end (at most 20 s); the exit status
/// (-1 on timeout) and everything it printed.
struct tetherd_run {
  int status = -1;
  std::string output;
};
tetherd_run run_tetherd(const std::vector<std::string>& args);

/// A port that was free a moment ago on 127.0.0.1, below the kernel's
/// ephemeral range (no client socket takes it in the meantime).
uint16_t free_port();

} // namespace tether::test
