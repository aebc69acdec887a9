// Device certificates instead of the Tether-Device header (docs/SECURITY.md
// "Device certificates"): a real tetherd with HTTPS and [edge_tls]
// client_ca_file; a device CA and device certificates made at test time. A
// certificate from that CA naming the terminal id (CN or subjectAltName)
// registers and fetches the destination without the header; one naming
// another terminal is refused (401, nothing stored, audited), even with a
// valid header; a certificate of another CA fails the handshake; without a
// certificate the header is required as before; a revoked terminal stays
// refused. The simulator registers and connects with --client-cert.
#include "tests/e2e/simulator.hpp"
#include "tests/support/tls_clients.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// The server's certificate, the device CA and the devices' certificates,
/// in files where tetherd and the simulator need them.
struct device_pki {
  temp_dir dir;
  tls_identity server = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  tls_identity ca
    = make_self_signed("tether-device-ca", "URI:urn:tether:device-ca");
  tls_identity foreign_ca
    = make_self_signed("tether-device-ca", "URI:urn:tether:device-ca");
  std::string server_cert = dir.path() + "/server.pem";
  std::string server_key = dir.path() + "/server-key.pem";
  std::string ca_file = dir.path() + "/devices-ca.pem";

  device_pki() {
    write_file(server_cert, server.cert_pem);
    write_file(server_key, server.key_pem);
    write_file(ca_file, ca.cert_pem);
  }

  std::string edge_tls() const {
    return "cert_file = \"" + server_cert + "\"\nkey_file = \"" + server_key
         + "\"\nclient_ca_file = \"" + ca_file + "\"\n";
  }

  /// Trusts the server; sends `device` (none when empty).
  tls_options as(const tls_identity& device = {}) const {
    tls_options o;
    o.ca_pem = server.cert_pem;
    o.cert_pem = device.cert_pem;
    o.key_pem = device.key_pem;
    return o;
  }
};

std::string register_body(const std::string& id) {
  return R"({"terminal_id":")" + id + R"(","region":"GG1","model":"GJ1"})";
}

class device_cert : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki = new device_pki;
    server = new tetherd_process(
      topology_builder{}.section("edge_tls", pki->edge_tls()).toml());
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    delete pki;
  }

  /// `method target body` over HTTPS as the holder of `device`, with the
  /// Authorization `authorization` (none when empty).
  static http_result call(const tls_identity& device, const std::string& method,
                          const std::string& target,
                          const std::string& body = {},
                          const std::string& authorization = {}) {
    std::string error;
    auto r = https_call(server->http(), pki->as(device), method, target, body,
                        authorization, error);
    EXPECT_TRUE(error.empty()) << error;
    return r;
  }

  static http_result admin_get(const std::string& target) {
    return call({}, "GET", target, {}, "Bearer " + server->admin_key());
  }

  /// A valid Tether-Device header for `id` on this request.
  static std::string proof(const std::string& id, const std::string& method,
                           const std::string& target,
                           const std::string& body = {}) {
    return device_proof(enrollment_key(*server), id, method, target, body);
  }

  static device_pki* pki;
  static tetherd_process* server;
};

device_pki* device_cert::pki = nullptr;
tetherd_process* device_cert::server = nullptr;

TEST_F(device_cert, TheRightCertificateNeedsNoHeader) {
  auto dc1 = make_issued(pki->ca, "DC1", "");
  auto reg = call(dc1, "POST", "/v1/terminals/register", register_body("DC1"));
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_FALSE(str_at(json_of(reg.body), "token").empty()) << reg.body;
  auto stored = admin_get("/v1/terminals/DC1");
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_NE(stored.body.find("\"GJ1\""), std::string::npos) << stored.body;
  auto dest = call(dc1, "GET", "/v1/terminals/DC1/destination");
  ASSERT_EQ(dest.status, 200) << dest.body;
  EXPECT_FALSE(str_at(json_of(dest.body), "token").empty());

  // A subjectAltName (DNS or URI) names the device as well as the CN.
  auto by_dns = make_issued(pki->ca, "printer", "DNS:DC2");
  EXPECT_EQ(
    call(by_dns, "POST", "/v1/terminals/register", register_body("DC2")).status,
    200);
  auto by_uri = make_issued(pki->ca, "printer", "URI:urn:tether:DC3");
  EXPECT_EQ(
    call(by_uri, "GET", "/v1/terminals/urn:tether:DC3/destination").status,
    404); // proven, but not registered: the control's answer
}

TEST_F(device_cert, AnotherTerminalsCertificateIsRefusedEvenWithAValidHeader) {
  auto dc1 = make_issued(pki->ca, "DC1", "DNS:DC1-alias");
  auto target = std::string{"/v1/terminals/register"};
  auto body = register_body("DC-victim");
  auto r = call(dc1, "POST", target, body);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(error_code_of(r), "unauthorized");
  auto message = error_message_of(r);
  EXPECT_NE(message.find("DC1"), std::string::npos) << message;
  EXPECT_NE(message.find("DC-victim"), std::string::npos) << message;
  // A valid proof for the victim does not help: the connection is DC1's.
  r = call(dc1, "POST", target, body, proof("DC-victim", "POST", target, body));
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(call(dc1, "GET", "/v1/terminals/DC-victim/destination").status,
            401);
  EXPECT_EQ(admin_get("/v1/terminals/DC-victim").status, 404); // not stored
  auto audit = read_file(server->dir() + "/data/audit.log");
  EXPECT_NE(
    audit.find(
      R"("event":"auth.device_refused","terminal_id":"DC-victim","source":"127.0.0.1")"),
    std::string::npos)
    << audit;
  EXPECT_NE(audit.find(R"("credential":"certificate")"), std::string::npos)
    << audit;
}

TEST_F(device_cert, ACertificateOfAnotherCaFailsTheHandshake) {
  auto forged = make_issued(pki->foreign_ca, "DC1", "DNS:DC1");
  std::string error;
  auto r
    = https_call(server->http(), pki->as(forged), "POST",
                 "/v1/terminals/register", register_body("DC1"), {}, error);
  EXPECT_EQ(r.status, 0) << r.body;
  EXPECT_FALSE(error.empty());
  // The server keeps serving.
  EXPECT_EQ(admin_get("/healthz").status, 200);
}

TEST_F(device_cert, WithoutACertificateTheHeaderIsRequired) {
  auto target = std::string{"/v1/terminals/register"};
  auto body = register_body("DC-header");
  auto r = call({}, "POST", target, body);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(admin_get("/v1/terminals/DC-header").status, 404);
  r = call({}, "POST", target, body, proof("DC-header", "POST", target, body));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(device_cert, ARevokedTerminalIsRefusedWithItsCertificate) {
  auto dc4 = make_issued(pki->ca, "DC4", "");
  auto target = std::string{"/v1/terminals/DC4/destination"};
  ASSERT_EQ(
    call(dc4, "POST", "/v1/terminals/register", register_body("DC4")).status,
    200);
  auto admin = "Bearer " + server->admin_key();
  auto path = std::string{"/v1/admin/terminals/DC4/revoke"};
  ASSERT_EQ(call({}, "POST", path, {}, admin).status, 200);
  // As with a proof header: 403 until the revocation is lifted.
  auto r = call(dc4, "GET", target);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(error_code_of(r), "forbidden");
  EXPECT_EQ(
    call(dc4, "POST", "/v1/terminals/register", register_body("DC4")).status,
    403);
  ASSERT_EQ(call({}, "DELETE", path, {}, admin).status, 200);
  EXPECT_EQ(call(dc4, "GET", target).status, 200);
}

TEST_F(device_cert, TheSimulatorRegistersAndConnectsWithItsCertificate) {
  auto sim_cert = make_issued(pki->ca, "DC-sim", "");
  auto cert = server->dir() + "/dc-sim.pem";
  auto key = server->dir() + "/dc-sim-key.pem";
  write_file(cert, sim_cert.cert_pem);
  write_file(key, sim_cert.key_pem);
  // No --data: the simulator has no enrollment key, only the certificate.
  auto sim = child_process::spawn(
    {TETHER_TERMINAL_PATH, "--server", "https://" + server->http(), "--ca",
     pki->server_cert, "--client-cert", cert, "--client-key", key, "--id",
     "DC-sim", "--region", "GG1", "--duration-s", "60"},
    server->dir() + "/sim.log");
  auto connected = [&] {
    auto r = admin_get("/v1/terminals/DC-sim");
    return r.status == 200
        && r.body.find("\"connected\":true") != std::string::npos;
  };
  EXPECT_TRUE(eventually(connected, 20s))
    << read_file(server->dir() + "/sim.log");
}

TEST(device_cert_options, TheSimulatorNeedsTheKeyWithTheCertificate) {
  temp_dir dir;
  auto log = dir.path() + "/sim.log";
  auto sim = child_process::spawn({TETHER_TERMINAL_PATH, "--server",
                                   "https://127.0.0.1:1", "--client-cert",
                                   dir.path() + "/none.pem", "--id", "X"},
                                  log);
  ASSERT_TRUE(eventually([&] { return !sim->running(); }, 10s));
  EXPECT_NE(read_file(log).find("--client-cert and --client-key go together"),
            std::string::npos)
    << read_file(log);
}

} // namespace
