// A balancer's own certificate ([[clusters.balancers]] cert_file and
// key_file over [edge_tls], docs/SECURITY.md "A balancer's own
// certificate"): its listener presents it, the others [edge_tls]'s; it
// serves WSS even without [edge_tls]; files that do not load stop the start
// naming clusters.balancers.cert_file / key_file. The balancers do not ask
// for client certificates (the gateway does, with client_ca_file).
#include "tests/e2e/e2e.hpp"
#include "tests/support/tls_clients.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

struct cert_files {
  temp_dir dir;
  tls_identity edge = make_self_signed("edge", "IP:127.0.0.1");
  tls_identity own = make_self_signed("c2-b1", "IP:127.0.0.1");
  tls_identity stranger = make_self_signed("device", "DNS:device");
  std::string edge_cert = dir.path() + "/edge.pem";
  std::string edge_key = dir.path() + "/edge-key.pem";
  std::string own_cert = dir.path() + "/own.pem";
  std::string own_key = dir.path() + "/own-key.pem";

  cert_files() {
    write_file(edge_cert, edge.cert_pem);
    write_file(edge_key, edge.key_pem);
    write_file(own_cert, own.cert_pem);
    write_file(own_key, own.key_pem);
  }

  std::string edge_tls(bool client_ca = false) const {
    auto out
      = "cert_file = \"" + edge_cert + "\"\nkey_file = \"" + edge_key + "\"\n";
    if (client_ca)
      out += "client_ca_file = \"" + edge_cert + "\"\n";
    return out;
  }
};

/// The topology with `extra` lines in balancer C2-b1's table.
std::string with_c2_b1(std::string toml, const std::string& extra) {
  auto at = toml.find("id = \"C2-b1\"\n");
  EXPECT_NE(at, std::string::npos) << toml;
  if (at != std::string::npos)
    toml.insert(at + 13, extra);
  return toml;
}

std::string own_tls(const std::string& cert, const std::string& key) {
  return "  cert_file = \"" + cert + "\"\n  key_file = \"" + key + "\"\n";
}

/// host:port of a balancer URL ("wss://127.0.0.1:9101/v1/connect").
std::string host_port(const std::string& url) {
  auto start = url.find("://") + 3;
  return url.substr(start, url.find('/', start) - start);
}

/// Whether a TLS handshake with `at` succeeds trusting `ca` only.
bool handshake(const std::string& at, const tls_identity& ca,
               const tls_identity& client = {}) {
  tls_options o;
  o.ca_pem = ca.cert_pem;
  o.cert_pem = client.cert_pem;
  o.key_pem = client.key_pem;
  std::string version, error;
  return tls_handshake(at, o, version, error, 5s);
}

TEST(balancer_cert, ABalancerPresentsItsOwnCertificateTheOthersTheEdgeOne) {
  cert_files f;
  tetherd_process server(
    with_c2_b1(topology_builder{}.section("edge_tls", f.edge_tls(true)).toml(),
               own_tls(f.own_cert, f.own_key)));
  server.start();
  auto c1 = server.balancers().at("C1-b1");
  auto c2 = server.balancers().at("C2-b1");
  EXPECT_EQ(c1.rfind("wss://", 0), 0u) << c1;
  EXPECT_EQ(c2.rfind("wss://", 0), 0u) << c2;
  EXPECT_TRUE(handshake(host_port(c2), f.own));
  EXPECT_FALSE(handshake(host_port(c2), f.edge));
  EXPECT_TRUE(handshake(host_port(c1), f.edge));
  EXPECT_FALSE(handshake(host_port(c1), f.own));
  // The gateway asks for client certificates (client_ca_file) and fails a
  // foreign one; the balancers ask for none, so a device's is not looked at.
  std::string error;
  auto gw = https_call(
    server.http(),
    {f.edge.cert_pem, {}, 0, 0, f.stranger.cert_pem, f.stranger.key_pem}, "GET",
    "/healthz", {}, {}, error);
  EXPECT_EQ(gw.status, 0) << gw.body;
  EXPECT_TRUE(handshake(host_port(c1), f.edge, f.stranger));
}

TEST(balancer_cert, AnOwnCertificateServesWssWithoutEdgeTls) {
  cert_files f;
  tetherd_process server(
    with_c2_b1(topology_builder{}.toml(), own_tls(f.own_cert, f.own_key)));
  server.start();
  auto c1 = server.balancers().at("C1-b1");
  auto c2 = server.balancers().at("C2-b1");
  EXPECT_EQ(c1.rfind("ws://", 0), 0u) << c1;
  EXPECT_EQ(c2.rfind("wss://", 0), 0u) << c2;
  EXPECT_TRUE(handshake(host_port(c2), f.own));
  EXPECT_EQ(http_call(server.http(), "GET", "/healthz").status, 200);
}

/// tetherd run with `toml` as its topology (to its end: a refusal).
tetherd_run run_with(const std::string& toml) {
  temp_dir dir;
  write_file(dir.path() + "/t.toml", toml);
  return run_tetherd(
    {"--config", dir.path() + "/t.toml", "--data", dir.path() + "/data"});
}

TEST(balancer_cert, FilesThatDoNotLoadStopTheStartNamingTheSetting) {
  cert_files f;
  auto base = topology_builder{}.section("edge_tls", f.edge_tls()).toml();
  auto r = run_with(
    with_c2_b1(base, own_tls(f.dir.path() + "/none.pem", f.own_key)));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("clusters.balancers.cert_file"), std::string::npos)
    << r.output;
  EXPECT_NE(r.output.find("balancer C2-b1"), std::string::npos) << r.output;
  // The edge certificate's key is not the balancer certificate's.
  r = run_with(with_c2_b1(base, own_tls(f.own_cert, f.edge_key)));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("clusters.balancers.key_file"), std::string::npos)
    << r.output;
  // One without the other is a configuration error.
  r = run_with(with_c2_b1(base, "  cert_file = \"" + f.own_cert + "\"\n"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("balancers[0].key_file"), std::string::npos)
    << r.output;
}

} // namespace
