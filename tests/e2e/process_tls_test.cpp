// Process TLS between real tetherd processes ([process_tls],
// net/peer_tls.hpp): a foreign CAF peer without the deployment certificate,
// with a self-signed one, with one of another CA, or with a deployment
// certificate of the wrong name gets no handle, and the deployment keeps
// serving; a dialer that reaches a process with another name's certificate
// gets no handle either. A test client with the right certificate does get
// one (so the refusals are not the client's own failure). And the start-time
// checks: a missing or wrongly named certificate, and plaintext between
// machines without `insecure = true`, are refused with the setting's name.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/system/interfaces.hpp"
#include "net/peer_tls.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/multiprocess.hpp"

#ifndef TETHERD_PATH
#error "TETHERD_PATH must name the tetherd binary"
#endif
#ifndef TETHER_SOURCE_DIR
#error "TETHER_SOURCE_DIR must name the source tree"
#endif

using namespace tether;
using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// Two processes: "control" (gateway and control plane) and "edge" (the
/// balancer and node of C1), which dials the control.
std::string two_processes(const std::string& edge_host = "127.0.0.1",
                          const std::string& extra = {},
                          const std::string& control_host = "127.0.0.1") {
  return extra + R"(
[labels]
items = ["region"]

[timers]
heartbeat = "500ms"
failure_timeout = "3s"
reconnect_min = "100ms"
reconnect_max = "1s"

[[clusters]]
id = "C1"
labels = { region = ["GG1"] }
nodes = ["C1-n1"]
  [[clusters.balancers]]
  id = "C1-b1"
  listen = "127.0.0.1:29101"

[auth]
secrets_from = "tether-data/control"

[[processes]]
name = "control"
host = ")"
       + control_host + R"("
caf_port = 27000
roles = ["gateway", "control", "selector", "cluster_manager"]
http = "127.0.0.1:28080"
data = "tether-data/control"

[[processes]]
name = "edge"
host = ")"
       + edge_host + R"("
caf_port = 27001
roles = ["balancer", "node"]
balancers = ["C1-b1"]
nodes = ["C1-n1"]
)";
}

/// The CAF port of process `name` in the (remapped) topology text.
uint16_t caf_port_of(const std::string& text, const std::string& name) {
  std::regex re{"name = \"" + name
                + "\"\\n(?:host = \"[^\"]*\"\\n)?caf_port = (\\d+)"};
  std::smatch m;
  if (!std::regex_search(text, m, re))
    throw std::runtime_error("no caf_port for " + name);
  return static_cast<uint16_t>(std::stoi(m[1].str()));
}

void sh(const std::string& cmd) {
  ASSERT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << cmd;
}

std::string make_certs() {
  return "bash " + std::string{TETHER_SOURCE_DIR} + "/examples/make-certs.sh ";
}

class process_tls : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    d = new multiprocess_deployment(two_processes());
    d->start();
    cfg = new caf::actor_system_config;
    register_types(*cfg);
    cfg->load<caf::io::middleman>();
    cfg->set("middleman.connection-timeout", caf::timespan{3s});
    sys = new caf::actor_system{*cfg};
    io = new boost::asio::io_context;
    work = new boost::asio::executor_work_guard<
      boost::asio::io_context::executor_type>{io->get_executor()};
    io_thread = new std::thread{[] {
      io->run();
    }};
  }
  static void TearDownTestSuite() {
    // A set-up that threw (the deployment did not start) created nothing
    // after the deployment: a failure, not a crash.
    if (io_thread) {
      work->reset();
      io->stop();
      io_thread->join();
    }
    delete io_thread;
    delete work;
    delete io;
    delete sys;
    delete cfg;
    delete d;
  }

  /// The directory of `process` through a relay with `cert`/`key` (under
  /// the deployment's certs/ unless a path is given), expecting the peer
  /// to be `expect_name`; nothing if no handle was obtained.
  std::optional<std::string> ask_through(const std::string& ca,
                                         const std::string& cert,
                                         const std::string& key,
                                         const std::string& expect_name,
                                         const std::string& process) {
    std::string error;
    auto relay
      = net::peer_tls::create(*io, {ca, cert, key}, cert_name(cert), error);
    if (!relay) {
      ADD_FAILURE() << error;
      return std::nullopt;
    }
    auto port
      = relay->dial_through(expect_name, "127.0.0.1",
                            caf_port_of(d->topology_text(), process), error);
    auto got = directory_at(port);
    relay->stop();
    return got;
  }

  /// Connects CAF to 127.0.0.1:port and asks for the process directory.
  std::optional<std::string> directory_at(uint16_t port) {
    auto ptr = sys->middleman().remote_actor<process_actor>("127.0.0.1", port);
    if (!ptr) {
      std::cerr << "no handle at port " << port << ": "
                << sys->render(ptr.error()) << "\n";
      return std::nullopt;
    }
    caf::scoped_actor self{*sys};
    std::optional<std::string> out;
    self->request(*ptr, 5s, get_atom::value, peer_atom::value)
      .receive([&](const peer_directory& dir) { out = dir.process; },
               [&](const caf::error&) {});
    return out;
  }

  /// The name the test claims for itself: the file's base name.
  static std::string cert_name(const std::string& cert) {
    auto base = cert.substr(cert.rfind('/') + 1);
    return base.substr(0, base.find('.'));
  }

  /// The deployment still serves: healthz answers, every peer reachable.
  void expect_serving() {
    EXPECT_TRUE(d->running("control"));
    EXPECT_TRUE(d->running("edge"));
    EXPECT_TRUE(d->wait_complete(10s)) << d->logs();
  }

  std::string certs() const { return d->certs(); }

  static multiprocess_deployment* d;
  static caf::actor_system_config* cfg;
  static caf::actor_system* sys;
  static boost::asio::io_context* io;
  static boost::asio::executor_work_guard<
    boost::asio::io_context::executor_type>* work;
  static std::thread* io_thread;
};

multiprocess_deployment* process_tls::d = nullptr;
caf::actor_system_config* process_tls::cfg = nullptr;
caf::actor_system* process_tls::sys = nullptr;
boost::asio::io_context* process_tls::io = nullptr;
boost::asio::executor_work_guard<boost::asio::io_context::executor_type>*
  process_tls::work
  = nullptr;
std::thread* process_tls::io_thread = nullptr;

TEST_F(process_tls, the_right_certificate_gets_the_directory) {
  // "edge" dials the control: its certificate is accepted there.
  auto got = ask_through(certs() + "/ca.crt", certs() + "/edge.crt",
                         certs() + "/edge.key", "control", "control");
  ASSERT_TRUE(got) << d->logs();
  EXPECT_EQ(*got, "control");
  expect_serving();
}

TEST_F(process_tls, a_plaintext_caf_peer_gets_no_handle) {
  EXPECT_FALSE(directory_at(caf_port_of(d->topology_text(), "control")));
  EXPECT_FALSE(directory_at(caf_port_of(d->topology_text(), "edge")));
  expect_serving();
}

TEST_F(process_tls, another_ca_or_a_self_signed_certificate_gets_no_handle) {
  auto other = d->dir() + "/other-ca";
  sh(make_certs() + other + " edge");
  EXPECT_FALSE(ask_through(other + "/ca.crt", other + "/edge.crt",
                           other + "/edge.key", "control", "control"));
  auto self_signed = d->dir() + "/self";
  sh("mkdir -p " + self_signed
     + " && openssl req -x509 -newkey ec "
       "-pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=edge "
       "-addext subjectAltName=DNS:edge -keyout "
     + self_signed + "/edge.key -out " + self_signed + "/edge.crt");
  EXPECT_FALSE(ask_through(self_signed + "/edge.crt", self_signed + "/edge.crt",
                           self_signed + "/edge.key", "control", "control"));
  EXPECT_NE(d->log("control").find("process TLS refused"), std::string::npos);
  expect_serving();
}

TEST_F(process_tls, a_deployment_certificate_of_the_wrong_name_gets_no_handle) {
  // Signed by the deployment CA, but for no process of the topology.
  sh(make_certs() + certs() + " intruder");
  EXPECT_FALSE(ask_through(certs() + "/ca.crt", certs() + "/intruder.crt",
                           certs() + "/intruder.key", "control", "control"));
  // A process of the topology, but not one that dials "edge" (edge dials
  // the control; nobody dials edge here).
  EXPECT_FALSE(ask_through(certs() + "/ca.crt", certs() + "/control.crt",
                           certs() + "/control.key", "edge", "edge"));
  expect_serving();
}

TEST_F(process_tls, a_dialer_refuses_a_process_with_another_name) {
  // The test expects "edge" at the control's port: the control's
  // certificate names "control", so the handshake fails on the test's side.
  EXPECT_FALSE(ask_through(certs() + "/ca.crt", certs() + "/edge.crt",
                           certs() + "/edge.key", "edge", "control"));
  expect_serving();
}

/// Starts process `name` of `text` (written to DIR/t.toml) and expects it
/// to exit at once with `message` in its output.
void expect_refused(const temp_dir& dir, const std::string& text,
                    const std::string& message,
                    const std::string& name = "control") {
  write_file(dir.path() + "/t.toml", text);
  auto p
    = child_process::spawn({TETHERD_PATH, "--config", dir.path() + "/t.toml",
                            "--process", name, "--data", dir.path() + "/data"},
                           dir.path() + "/out.log");
  auto rc = p->wait(20s);
  ASSERT_TRUE(rc) << "still running: " << read_file(dir.path() + "/out.log");
  EXPECT_NE(*rc, 0);
  auto out = read_file(dir.path() + "/out.log");
  EXPECT_NE(out.find(message), std::string::npos) << out;
}

TEST(process_tls_start, missing_or_wrong_certificates_are_refused_by_setting) {
  temp_dir dir;
  auto certs = dir.path() + "/certs";
  sh(make_certs() + certs + " edge");
  auto tls = "[process_tls]\nca = \"" + certs + "/ca.crt\"\ncerts = \"" + certs
           + "\"\n";
  // No control.crt at all.
  expect_refused(dir, two_processes("127.0.0.1", tls),
                 "process_tls.certs: cannot load the certificate");
  // control.crt exists but names "edge".
  sh("cp " + certs + "/edge.crt " + certs + "/control.crt && cp " + certs
     + "/edge.key " + certs + "/control.key");
  expect_refused(dir, two_processes("127.0.0.1", tls),
                 "does not name process \"control\"");
  // A CA file that is not there.
  auto bad_ca = "[process_tls]\nca = \"" + certs + "/none.crt\"\ncerts = \""
              + certs + "\"\n";
  expect_refused(dir, two_processes("127.0.0.1", bad_ca), "process_tls.ca");
}

TEST(process_tls_start, plaintext_between_machines_needs_insecure) {
  temp_dir dir;
  // "edge" on another machine: the control refuses to start in plaintext.
  // (The control on a v4-mapped loopback address: not "loopback" to the
  // topology, yet nothing leaves the machine.)
  auto mapped = "::ffff:127.0.0.1";
  expect_refused(dir, two_processes("edge.invalid", "", mapped),
                 "process_tls: processes on other machines");
  // With insecure = true it starts (and says so).
  write_file(dir.path() + "/t.toml",
             two_processes("edge.invalid", "insecure = true\n", mapped));
  auto ready = dir.path() + "/ready";
  auto p = child_process::spawn(
    {TETHERD_PATH, "--config", dir.path() + "/t.toml", "--process", "control",
     "--data", dir.path() + "/data2", "--ready-file", ready},
    dir.path() + "/insecure.log");
  EXPECT_TRUE(eventually(
    [&] { return std::filesystem::exists(ready) || !p->running(); }, 20s));
  EXPECT_TRUE(p->running()) << read_file(dir.path() + "/insecure.log");
  EXPECT_NE(read_file(dir.path() + "/insecure.log")
              .find("insecure = true: the processes talk without TLS"),
            std::string::npos);
}

} // namespace
