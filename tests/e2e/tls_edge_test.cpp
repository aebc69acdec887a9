// [edge_tls]: the gateway serves HTTPS and the balancers WSS; what is not
// TLS 1.2+ from a client that trusts the certificate gets nothing, and the
// server keeps serving. A listener off loopback without TLS is refused at
// start (the top-level insecure allows it, with a warning).
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/e2e/simulator.hpp"
#include "tests/support/tls_clients.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// A certificate for 127.0.0.1 in files, and the topology that uses it.
struct tls_files {
  temp_dir dir;
  tls_identity id = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  std::string cert = dir.path() + "/cert.pem";
  std::string key = dir.path() + "/key.pem";

  tls_files() {
    write_file(cert, id.cert_pem);
    write_file(key, id.key_pem);
  }

  std::string section() const {
    return "cert_file = \"" + cert + "\"\nkey_file = \"" + key + "\"\n";
  }

  tls_options trust() const { return tls_options::trusting(id.cert_pem); }
};

/// A TCP socket to `host_port` (127.0.0.1:port), or -1.
int connect_tcp(const std::string& host_port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(
    std::stoi(host_port.substr(host_port.rfind(':') + 1))));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Waits until every socket of `fds` is closed by the server (EOF or
/// reset), at most `limit`; how many were.
int wait_closed(std::vector<int>& fds, std::chrono::milliseconds limit) {
  std::vector<pollfd> polls;
  for (int fd : fds)
    polls.push_back({fd, POLLIN, 0});
  int closed = 0;
  auto end = std::chrono::steady_clock::now() + limit;
  while (closed < static_cast<int>(fds.size())
         && std::chrono::steady_clock::now() < end) {
    ::poll(polls.data(), polls.size(), 200);
    for (auto& p : polls) {
      if (p.events == 0 || p.revents == 0)
        continue;
      char buf[512];
      if (::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) {
        p.events = 0;
        ++closed;
      }
    }
  }
  for (int fd : fds)
    ::close(fd);
  return closed;
}

class tls_edge : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    files = new tls_files;
    server = new tetherd_process(
      topology_builder{}
        .section("edge_tls", files->section())
        .section("limits", "http_header_timeout = \"1s\"\nws_max_pending = 8")
        .toml());
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    delete files;
  }

  static http_result get(const std::string& target) {
    std::string error;
    auto r = https_call(server->http(), files->trust(), "GET", target, {},
                        "Bearer " + server->admin_key(), error);
    EXPECT_TRUE(error.empty()) << error;
    return r;
  }

  static tls_files* files;
  static tetherd_process* server;
};

tls_files* tls_edge::files = nullptr;
tetherd_process* tls_edge::server = nullptr;

TEST_F(tls_edge, HttpsGatewayServesTheApiAndBalancersAreWss) {
  auto r = get("/v1/admin/clusters");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Server"], "tetherd");
  for (const auto& [id, url] : server->balancers())
    EXPECT_EQ(url.rfind("wss://127.0.0.1:", 0), 0u) << id << " " << url;
  EXPECT_NE(read_file(server->dir() + "/tetherd.log").find("https://"),
            std::string::npos);
}

TEST_F(tls_edge, PlainHttpOrGarbageIsClosedAndTheServerKeepsServing) {
  auto balancer = server->balancers().at("C1-b1");
  auto balancer_port
    = "127.0.0.1:" + balancer.substr(16, balancer.find('/', 16) - 16);
  for (const auto& at : {server->http(), balancer_port}) {
    auto start = std::chrono::steady_clock::now();
    auto plain
      = raw_exchange(at, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 5s);
    EXPECT_EQ(plain.find("HTTP/1.1"), std::string::npos) << plain;
    auto garbage = raw_exchange(at, std::string(300, '\x16'), 5s);
    EXPECT_EQ(garbage.find("HTTP/1.1"), std::string::npos);
    // Closed by the server, not left to the client's timeout.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << at;
  }
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(tls_edge, ClientThatDoesNotTrustTheCertificateFails) {
  auto stranger = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  std::string error;
  auto r = https_call(server->http(), tls_options::trusting(stranger.cert_pem),
                      "GET", "/healthz", {}, {}, error);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(error.find("certificate verify failed"), std::string::npos)
    << error;
  // A name the certificate does not carry fails as well.
  auto wrong_name = files->trust();
  wrong_name.sni = "tether.example";
  r = https_call(server->http(), wrong_name, "GET", "/healthz", {}, {}, error);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(tls_edge, OnlyTls12AndNewer) {
  std::string version, error;
  auto old = files->trust();
  old.max_version = TLS1_1_VERSION;
  EXPECT_FALSE(tls_handshake(server->http(), old, version, error));
  auto v12 = files->trust();
  v12.max_version = TLS1_2_VERSION;
  ASSERT_TRUE(tls_handshake(server->http(), v12, version, error)) << error;
  EXPECT_EQ(version, "TLSv1.2");
  ASSERT_TRUE(tls_handshake(server->http(), files->trust(), version, error))
    << error;
  EXPECT_EQ(version, "TLSv1.3");
}

TEST_F(tls_edge, StalledHandshakesAreClosedAtTheDeadlineWhileOthersAreServed) {
  // Silent sockets and half a ClientHello: neither finishes the handshake.
  std::vector<int> stalled;
  for (int i = 0; i < 40; ++i) {
    int fd = connect_tcp(server->http());
    ASSERT_GE(fd, 0);
    if (i % 2 == 1)
      ::send(fd, "\x16\x03\x01\x02\x00\x01", 6, MSG_NOSIGNAL);
    stalled.push_back(fd);
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/healthz").status, 200);
  // http_header_timeout (1 s) covers the handshake.
  EXPECT_EQ(wait_closed(stalled, 8s), 40);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
}

TEST_F(tls_edge, StalledBalancerHandshakesCountAsPending) {
  auto balancer = server->balancers().at("C2-b1");
  auto at = "127.0.0.1:" + balancer.substr(16, balancer.find('/', 16) - 16);
  std::vector<int> stalled;
  for (int i = 0; i < 8; ++i) { // ws_max_pending
    int fd = connect_tcp(at);
    ASSERT_GE(fd, 0);
    stalled.push_back(fd);
  }
  // Over the cap a new socket is closed at once (the accept loop sees the
  // eight pending ones first: accepted in order).
  std::vector<int> over{connect_tcp(at)};
  ASSERT_GE(over[0], 0);
  EXPECT_EQ(wait_closed(over, 3s), 1);
  // The stalled handshakes end at the handshake timeout (10 s).
  EXPECT_EQ(wait_closed(stalled, 20s), 8);
}

TEST(tls_edge_e2e, SimulatorRegistersOverHttpsConnectsOverWssAndGetsAJob) {
  tls_files files;
  tetherd_process server(
    topology_builder{}.section("edge_tls", files.section()).toml());
  server.start();
  auto https = "https://" + server.http();
  std::vector<std::string> args{TETHER_TERMINAL_PATH,
                                "--server",
                                https,
                                "--ca",
                                files.cert,
                                "--data",
                                server.dir() + "/data",
                                "--id",
                                "tls-dev",
                                "--region",
                                "GG1",
                                "--exit-after-jobs",
                                "1",
                                "--duration-s",
                                "60"};
  auto sim = child_process::spawn(args, server.dir() + "/sim.log");
  std::string error;
  auto connected = [&] {
    auto r
      = https_call(server.http(), files.trust(), "GET", "/v1/terminals/tls-dev",
                   {}, "Bearer " + server.admin_key(), error);
    return r.status == 200
        && r.body.find("\"connected\":true") != std::string::npos;
  };
  ASSERT_TRUE(eventually(connected, 20s))
    << read_file(server.dir() + "/sim.log");
  auto job = https_call(
    server.http(), files.trust(), "POST", "/v1/terminals/tls-dev/jobs",
    R"({"service":"print","payload":{"print_url":")" + https + R"(/healthz"}})",
    "Bearer " + server.admin_key(), error);
  ASSERT_EQ(job.status, 202) << job.body << error;
  auto id = str_at(json_of(job.body), "job_id");
  ASSERT_TRUE(eventually(
    [&] {
      auto r = https_call(server.http(), files.trust(), "GET", "/v1/jobs/" + id,
                          {}, "Bearer " + server.admin_key(), error);
      return str_at(json_of(r.body), "status") == "done";
    },
    20s))
    << read_file(server.dir() + "/sim.log");
  EXPECT_TRUE(eventually([&] { return !sim->running(); }, 10s));
}

/// tetherd run with `toml` as its topology (to its end: a refusal).
tetherd_run run_with(const std::string& toml) {
  temp_dir dir;
  write_file(dir.path() + "/t.toml", toml);
  return run_tetherd(
    {"--config", dir.path() + "/t.toml", "--data", dir.path() + "/data"});
}

TEST(tls_edge_start, PlaintextListenerOffLoopbackIsRefusedNamingTheSetting) {
  // Refused before anything listens: no socket is bound off loopback.
  auto gateway_off = topology_builder{}.toml();
  gateway_off.replace(gateway_off.find("http = \"127.0.0.1:0\""), 20,
                      "http = \"0.0.0.0:0\"");
  auto r = run_with(gateway_off);
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("the HTTP gateway listens on 0.0.0.0:0"),
            std::string::npos)
    << r.output;
  EXPECT_NE(r.output.find("edge_tls.cert_file"), std::string::npos);
  auto balancer_off = topology_builder{}.toml();
  auto at = balancer_off.find("listen = \"127.0.0.1:0\"");
  ASSERT_NE(at, std::string::npos) << balancer_off;
  balancer_off.replace(at, 22, "listen = \"0.0.0.0:0\"");
  r = run_with(balancer_off);
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("balancer C1-b1 listens on 0.0.0.0:0"),
            std::string::npos)
    << r.output;
}

TEST(tls_edge_start, WrongCertificateOrKeyIsRefusedNamingTheSetting) {
  tls_files files;
  auto other = make_self_signed("other", "DNS:other");
  write_file(files.dir.path() + "/other-key.pem", other.key_pem);
  auto r = run_with(
    topology_builder{}
      .section("edge_tls", "cert_file = \"" + files.cert + "\"\nkey_file = \""
                             + files.dir.path() + "/other-key.pem\"\n")
      .toml());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("edge_tls.key_file"), std::string::npos) << r.output;
  r = run_with(topology_builder{}
                 .section("edge_tls", "cert_file = \"" + files.dir.path()
                                        + "/none.pem\"\nkey_file = \""
                                        + files.key + "\"\n")
                 .toml());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("edge_tls.cert_file"), std::string::npos) << r.output;
  r = run_with(topology_builder{}
                 .section("edge_tls", "cert_file = \"" + files.cert + "\"\n")
                 .toml());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("edge_tls.key_file"), std::string::npos) << r.output;
}

TEST(tls_edge_start, InsecureStartsAndWarns) {
  tetherd_process server("insecure = true\n" + topology_builder{}.toml());
  server.start();
  EXPECT_EQ(http_call(server.http(), "GET", "/healthz").status, 200);
  EXPECT_NE(server.log().find("insecure = true: the gateway and the balancers "
                              "may serve plaintext"),
            std::string::npos)
    << server.log();
}

TEST(tls_edge_start, OlderEdgeInsecureStillStartsAndSaysItIsDeprecated) {
  tetherd_process server(
    topology_builder{}.section("edge_tls", "insecure = true").toml());
  server.start();
  EXPECT_EQ(http_call(server.http(), "GET", "/healthz").status, 200);
  EXPECT_NE(server.log().find("edge_tls.insecure"), std::string::npos)
    << server.log();
  EXPECT_NE(server.log().find("deprecated"), std::string::npos) << server.log();
}

} // namespace
