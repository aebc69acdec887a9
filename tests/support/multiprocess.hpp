// multiprocess_deployment: every process of a multi-process topology as its
// own OS process (`tetherd --config F --process NAME`), on ports chosen for
// the test: each distinct port the topology names is replaced by a free one.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace tether::test {

class multiprocess_deployment {
public:
  /// `topology_toml`: a file with [[processes]]; its ports are remapped.
  /// With `process_tls` (the default), a deployment CA and a certificate
  /// per process are made in the test's folder (examples/make-certs.sh) and
  /// [process_tls] is added: the processes talk over mutual TLS
  /// (TETHER_TEST_PROCESS_TLS=0 in the environment turns it off).
  explicit multiprocess_deployment(std::string topology_toml,
                                   bool process_tls = true);
  ~multiprocess_deployment();

  /// Starts every process (in the file's order, or `order`), waits until
  /// each serves, then until every peer of the gateway is reachable and
  /// every balancer has joined (throws after 30 s). Processes left out of
  /// `order` may stay unreachable, and nodes failed, meanwhile.
  void start(std::vector<std::string> order = {});
  /// A deployment of `topology_toml`, started (in `order`): on new ports
  /// when a start fails, at most three times (started_retrying).
  static std::unique_ptr<multiprocess_deployment>
  start_retrying(const std::string& topology_toml,
                 std::vector<std::string> order = {});
  /// Starts one process (again) and waits until it serves.
  void start_process(const std::string& name);
  void kill9(const std::string& name);
  void freeze(const std::string& name); // SIGSTOP
  void thaw(const std::string& name);   // SIGCONT
  bool running(const std::string& name);
  /// The OS process id of process `name` (started).
  pid_t pid(const std::string& name) const;

  /// Waits until the gateway sees every peer reachable and every
  /// balancer joined.
  bool wait_complete(std::chrono::milliseconds timeout);

  /// "127.0.0.1:port" of the gateway of process `name` (the first gateway
  /// process by default).
  std::string http(const std::string& name = {}) const;
  const std::vector<std::string>& names() const { return names_; }
  const std::string& topology_text() const { return text_; }
  const std::string& dir() const { return dir_.path(); }
  /// DIR/certs (ca.crt, ca.key, NAME.crt, NAME.key) with process TLS.
  std::string certs() const { return dir_.path() + "/certs"; }
  std::string log(const std::string& name) const;
  /// The logs of every process, for a failure message.
  std::string logs() const;

private:
  temp_dir dir_;
  std::string text_;
  std::string path_;
  std::vector<std::string> names_;
  // Processes left out of start()'s `order` (a spare that an autoscale
  // command starts): unreachable, with failed nodes, until they run.
  std::vector<std::string> not_started_;
  std::map<std::string, std::string> http_; // gateway processes
  std::map<std::string, std::unique_ptr<child_process>> procs_;
};

/// The shipped examples/topologies/multiprocess.toml.
std::string shipped_multiprocess_topology();

/// The shipped file with `cluster_extra` written into C1's table (after
/// its `nodes` line) and `top` before everything; empty if C1's table
/// changed shape.
std::string shipped_multiprocess_topology_with(const std::string& cluster_extra,
                                               const std::string& top = {});

/// The shipped file as the multi-process e2e tests run it: its
/// `keepalive = "30s"` line replaced by `timers` (e.g. `keepalive = "2s"`,
/// so keepalives run through every fault), and a second gateway process
/// (gateway-2, HTTP on 127.0.0.1:8081), which answers 503 while the control
/// process is down.
std::string multiprocess_test_topology(const std::string& timers);

} // namespace tether::test
