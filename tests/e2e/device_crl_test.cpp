// Revoked device certificates ([edge_tls] crl_file, docs/SECURITY.md
// "Device certificates"): a real tetherd with HTTPS, a device CA and its
// CRLs made at test time. A certificate listed in the CRL fails the TLS
// handshake (logged and audited with its serial and source; the terminal
// stays as it was); one not listed registers; a CRL written at run time
// takes effect without a restart (also against a resumed TLS session); a
// broken CRL at reload keeps the old one; a broken or foreign CRL at start
// stops the start (and --check-config) naming the setting; a CRL past its
// nextUpdate stays in force with a warning. The client CA file is
// reloaded the same way (a device of a CA added at run time accepted, of a
// CA taken out refused, a broken file logged, audited and without effect);
// a broken client CA file stops the start, and tetherd --check-config and
// tetherctl check-config name it.
#include <openssl/bn.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>

#include "tests/e2e/e2e.hpp"
#include "tests/support/tls_clients.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// The serial of `id`'s certificate as the gateway writes it (hex).
std::string serial_of(const tls_identity& id) {
  BIO* bio
    = BIO_new_mem_buf(id.cert_pem.data(), static_cast<int>(id.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  X509_free(cert);
  return out;
}

std::string register_body(const std::string& id,
                          const std::string& model = "GJ1") {
  return R"({"terminal_id":")" + id + R"(","region":"GG1","model":")" + model
       + R"("})";
}

/// Replaces `path` at once (a reader sees the old or the new file).
void replace_file(const std::string& path, const std::string& text) {
  write_file(path + ".tmp", text);
  ASSERT_EQ(std::rename((path + ".tmp").c_str(), path.c_str()), 0);
}

/// The server's certificate, the device CA, its devices and its CRL file.
struct crl_pki {
  temp_dir dir;
  tls_identity server = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  tls_identity ca = make_self_signed("tether-device-ca", "DNS:device-ca");
  tls_identity revoked = make_issued(ca, "DR1", "");
  tls_identity good = make_issued(ca, "DR2", "");
  std::string server_cert = dir.path() + "/server.pem";
  std::string server_key = dir.path() + "/server-key.pem";
  std::string ca_file = dir.path() + "/devices-ca.pem";
  std::string crl_file = dir.path() + "/devices-crl.pem";

  crl_pki() {
    write_file(server_cert, server.cert_pem);
    write_file(server_key, server.key_pem);
    write_file(ca_file, ca.cert_pem);
    write_file(crl_file, make_crl(ca, {revoked}));
  }

  std::string toml() const {
    return topology_builder{}
      .section("edge_tls", "cert_file = \"" + server_cert + "\"\nkey_file = \""
                             + server_key + "\"\nclient_ca_file = \"" + ca_file
                             + "\"\ncrl_file = \"" + crl_file
                             + "\"\ncrl_reload_s = 1\n")
      .toml();
  }

  tls_options as(const tls_identity& device = {}) const {
    tls_options o;
    o.ca_pem = server.cert_pem;
    o.cert_pem = device.cert_pem;
    o.key_pem = device.key_pem;
    return o;
  }
};

class device_crl : public ::testing::Test {
protected:
  void SetUp() override { start(); }

  void start() {
    server = std::make_unique<tetherd_process>(pki.toml());
    server->start();
  }

  /// The answer, or status 0 when the connection failed (`error` set).
  http_result call(const tls_identity& device, const std::string& method,
                   const std::string& target, const std::string& body = {},
                   const std::string& authorization = {}) {
    last_error.clear();
    return https_call(server->http(), pki.as(device), method, target, body,
                      authorization, last_error);
  }

  http_result admin_get(const std::string& target) {
    return call({}, "GET", target, {}, "Bearer " + server->admin_key());
  }

  bool refused(const tls_identity& device) {
    auto r = call(device, "GET", "/v1/terminals/DR2/destination");
    return r.status == 0 && !last_error.empty();
  }

  bool log_has(const std::string& text) {
    return server->log().find(text) != std::string::npos;
  }

  crl_pki pki;
  std::unique_ptr<tetherd_process> server;
  std::string last_error;
};

TEST_F(device_crl, ARevokedCertificateFailsTheHandshakeAndChangesNothing) {
  // DR1 registered before, by its proof header (no certificate).
  auto target = std::string{"/v1/terminals/register"};
  auto body = register_body("DR1");
  auto proof
    = device_proof(enrollment_key(*server), "DR1", "POST", target, body);
  ASSERT_EQ(call({}, "POST", target, body, proof).status, 200);
  // Its revoked certificate: no answer at all, the facts unchanged.
  auto r = call(pki.revoked, "POST", target, register_body("DR1", "GJ2"));
  EXPECT_EQ(r.status, 0) << r.body;
  EXPECT_FALSE(last_error.empty());
  auto stored = admin_get("/v1/terminals/DR1");
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_NE(stored.body.find("\"GJ1\""), std::string::npos) << stored.body;
  EXPECT_EQ(stored.body.find("\"GJ2\""), std::string::npos) << stored.body;
  // A terminal only the revoked certificate could name: not stored.
  EXPECT_EQ(call(pki.revoked, "GET", "/v1/terminals/DR1/destination").status,
            0);
  // Logged and audited: the serial and where it came from.
  auto serial = serial_of(pki.revoked);
  auto audit_line = R"("event":"auth.certificate_revoked","serial":")" + serial
                  + R"(","source":"127.0.0.1")";
  auto audit = [&] {
    return read_file(server->dir() + "/data/audit.log");
  };
  EXPECT_TRUE(eventually(
    [&] { return audit().find(audit_line) != std::string::npos; }, 10s))
    << audit();
  EXPECT_TRUE(eventually(
    [&] {
      return log_has("client certificate serial " + serial
                     + " from 127.0.0.1 refused: revoked");
    },
    10s))
    << server->log();
  // The server keeps serving.
  EXPECT_EQ(admin_get("/healthz").status, 200);
}

TEST_F(device_crl, ACertificateNotListedRegisters) {
  auto r
    = call(pki.good, "POST", "/v1/terminals/register", register_body("DR2"));
  ASSERT_EQ(r.status, 200) << r.body << last_error;
  EXPECT_EQ(call(pki.good, "GET", "/v1/terminals/DR2/destination").status, 200);
  // Without a certificate the header path is unaffected.
  auto w = call({}, "POST", "/v1/terminals/register", register_body("DR3"));
  EXPECT_EQ(w.status, 401) << w.body;
}

TEST_F(device_crl, ACrlWrittenAtRunTimeTakesEffectWithoutRestart) {
  ASSERT_EQ(
    call(pki.good, "POST", "/v1/terminals/register", register_body("DR2"))
      .status,
    200);
  // DR2 revoked, DR1 no longer: the next check (crl_reload_s = 1) reads it.
  replace_file(pki.crl_file, make_crl(pki.ca, {pki.good}));
  EXPECT_TRUE(eventually([&] { return refused(pki.good); }, 15s))
    << server->log();
  EXPECT_TRUE(eventually([&] { return log_has("(1 CRLs): reloaded"); }, 10s))
    << server->log();
  EXPECT_EQ(
    call(pki.revoked, "POST", "/v1/terminals/register", register_body("DR1"))
      .status,
    200)
    << last_error;
  EXPECT_EQ(admin_get("/v1/terminals/DR2").status, 200); // untouched
}

TEST_F(device_crl, ABrokenCrlAtReloadKeepsTheOldOne) {
  EXPECT_TRUE(refused(pki.revoked));
  replace_file(pki.crl_file, "-----BEGIN X509 CRL-----\nnot base64\n");
  EXPECT_TRUE(eventually(
    [&] { return log_has("keeping the client CAs and CRLs in force"); }, 15s))
    << server->log();
  EXPECT_TRUE(log_has("edge_tls.crl_file \"" + pki.crl_file + "\": "))
    << server->log();
  EXPECT_TRUE(refused(pki.revoked));
  EXPECT_EQ(
    call(pki.good, "POST", "/v1/terminals/register", register_body("DR2"))
      .status,
    200);
  // A CRL of another CA is refused the same way.
  auto other = make_self_signed("tether-device-ca", "DNS:device-ca");
  replace_file(pki.crl_file, make_crl(other, {}));
  EXPECT_TRUE(eventually(
    [&] {
      return log_has("is not signed by a CA of edge_tls.client_ca_file: "
                     "keeping the client CAs and CRLs in force");
    },
    15s))
    << server->log();
  EXPECT_TRUE(refused(pki.revoked));
}

TEST_F(device_crl, AnExpiredCrlStaysInForceWithAWarning) {
  server.reset();
  write_file(pki.crl_file, make_crl(pki.ca, {pki.revoked}, -60));
  start();
  EXPECT_TRUE(eventually(
    [&] { return log_has("past its nextUpdate: still in force"); }, 10s))
    << server->log();
  EXPECT_TRUE(refused(pki.revoked));
  EXPECT_EQ(
    call(pki.good, "POST", "/v1/terminals/register", register_body("DR2"))
      .status,
    200)
    << last_error;
}

/// GET /healthz through `openssl s_client` as `device` (files in `dir`),
/// resuming the session in `sess_in` when set, keeping the new one in
/// `sess_out`: what it printed (bounded by `timeout 15`).
std::string s_client(const crl_pki& pki, const tls_identity& device,
                     const std::string& host_port, const std::string& sess_in,
                     const std::string& sess_out) {
  auto d = pki.dir.path();
  write_file(d + "/dev.pem", device.cert_pem);
  write_file(d + "/dev-key.pem", device.key_pem);
  auto out = d + "/s_client.out";
  std::remove(out.c_str());
  auto cmd = "printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: "
             "close\\r\\n\\r\\n' | timeout 15 openssl s_client -connect "
           + host_port + " -CAfile " + pki.server_cert + " -cert " + d
           + "/dev.pem -key " + d + "/dev-key.pem -ign_eof -sess_out "
           + sess_out + (sess_in.empty() ? "" : " -sess_in " + sess_in) + " >"
           + out + " 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), -1);
  return read_file(out);
}

TEST_F(device_crl, AResumedSessionOfACertificateRevokedSinceIsRefused) {
  auto d = pki.dir.path();
  auto first = s_client(pki, pki.good, server->http(), "", d + "/s1");
  ASSERT_NE(first.find("HTTP/1.1 200"), std::string::npos) << first;
  // Resumption works (so the refusal below is the CRL's doing).
  auto resumed = s_client(pki, pki.good, server->http(), d + "/s1", d + "/s2");
  ASSERT_NE(resumed.find("Reused"), std::string::npos) << resumed;
  ASSERT_NE(resumed.find("HTTP/1.1 200"), std::string::npos) << resumed;
  replace_file(pki.crl_file, make_crl(pki.ca, {pki.good}));
  ASSERT_TRUE(eventually([&] { return refused(pki.good); }, 15s))
    << server->log();
  auto after = s_client(pki, pki.good, server->http(), d + "/s2", d + "/s3");
  EXPECT_EQ(after.find("Reused"), std::string::npos) << after;
  EXPECT_EQ(after.find("HTTP/1.1 200"), std::string::npos) << after;
}

TEST_F(device_crl, TheClientCaFileIsReloadedAndABrokenOneKeepsTheCas) {
  auto new_ca = make_self_signed("tether-device-ca-2", "DNS:device-ca-2");
  auto newcomer = make_issued(new_ca, "DR4", "");
  EXPECT_TRUE(refused(newcomer)) << "not of a CA the gateway trusts";
  // The new CA next to the old one (a CA rotation): no restart.
  replace_file(pki.ca_file, pki.ca.cert_pem + new_ca.cert_pem);
  EXPECT_TRUE(eventually([&] { return !refused(newcomer); }, 15s))
    << server->log();
  EXPECT_TRUE(log_has("edge_tls.client_ca_file \"" + pki.ca_file
                      + "\" (2 CAs) and crl_file"))
    << server->log();
  EXPECT_TRUE(refused(pki.revoked)) << "the CRLs stay in force";
  EXPECT_EQ(
    call(pki.good, "POST", "/v1/terminals/register", register_body("DR2"))
      .status,
    200)
    << last_error;

  // A broken file: logged and audited, naming it; the CAs in force stay.
  replace_file(pki.ca_file, "-----BEGIN CERTIFICATE-----\nnot base64\n");
  auto named = "edge_tls.client_ca_file \"" + pki.ca_file + "\": holds no PEM";
  EXPECT_TRUE(eventually(
    [&] {
      return log_has(named) && log_has("keeping the client CAs and CRLs");
    },
    15s))
    << server->log();
  auto audit_line = R"("event":"tls.reload_refused","problem":)"
                    R"("edge_tls.client_ca_file \")"
                  + pki.ca_file + R"(\": holds no PEM)";
  auto audit = [&] {
    return read_file(server->dir() + "/data/audit.log");
  };
  EXPECT_TRUE(eventually(
    [&] { return audit().find(audit_line) != std::string::npos; }, 10s))
    << audit();
  EXPECT_FALSE(refused(newcomer));
  EXPECT_TRUE(refused(pki.revoked));

  // The old CA taken out: its devices are refused, the new one's are not.
  replace_file(pki.crl_file, make_crl(new_ca, {})); // fits both files
  replace_file(pki.ca_file, new_ca.cert_pem);
  EXPECT_TRUE(eventually([&] { return refused(pki.good); }, 15s))
    << server->log();
  EXPECT_FALSE(refused(newcomer));
}

/// tetherd run to its end with `toml` as its topology.
tetherd_run run_with(const crl_pki& pki, const std::vector<std::string>& args) {
  write_file(pki.dir.path() + "/t.toml", pki.toml());
  auto all = args;
  all.push_back(pki.dir.path() + "/t.toml");
  return run_tetherd(all);
}

/// `tetherctl check-config` of the topology of `pki`: its exit status and
/// output.
tetherd_run tetherctl_check(const crl_pki& pki) {
  auto toml = pki.dir.path() + "/t.toml";
  write_file(toml, pki.toml());
  auto log = pki.dir.path() + "/ctl.log";
  auto p = child_process::spawn({TETHERCTL_PATH, "check-config", toml}, log);
  tetherd_run r;
  if (auto st = p->wait(std::chrono::seconds{30}))
    r.status = *st;
  r.output = read_file(log);
  return r;
}

/// tetherd --check-config, tetherd's start and tetherctl check-config all
/// refuse the topology of `pki`, naming `named`.
void refused_at_start(const crl_pki& pki, const std::string& named) {
  auto data = std::string{"--data="} + pki.dir.path() + "/data";
  auto check = run_with(pki, {"--check-config"});
  EXPECT_NE(check.status, 0) << check.output;
  EXPECT_NE(check.output.find(named), std::string::npos) << check.output;
  auto start = run_with(pki, {data, "--config"});
  EXPECT_NE(start.status, 0) << start.output;
  EXPECT_NE(start.output.find(named), std::string::npos) << start.output;
  auto ctl = tetherctl_check(pki);
  EXPECT_EQ(ctl.status, 1) << ctl.output;
  EXPECT_NE(ctl.output.find(named), std::string::npos) << ctl.output;
}

TEST(device_crl_start, ABrokenOrForeignCrlIsRefusedNamingTheSetting) {
  crl_pki pki;
  auto ok = run_with(pki, {"--check-config"});
  EXPECT_EQ(ok.status, 0) << ok.output;
  auto ctl_ok = tetherctl_check(pki);
  EXPECT_EQ(ctl_ok.status, 0) << ctl_ok.output;
  for (const auto& bad : {std::string{"no CRL here\n"},
                          make_crl(make_self_signed("x", "DNS:x"), {})}) {
    SCOPED_TRACE(bad);
    write_file(pki.crl_file, bad);
    refused_at_start(pki, "edge_tls.crl_file \"" + pki.crl_file);
  }
}

TEST(device_crl_start, ABrokenClientCaFileIsRefusedNamingTheSetting) {
  crl_pki pki;
  // Unreadable, no certificate, a device's certificate instead of a CA's.
  std::remove(pki.ca_file.c_str());
  refused_at_start(pki, "edge_tls.client_ca_file \"" + pki.ca_file
                          + "\": cannot be read");
  write_file(pki.ca_file, "no certificate here\n");
  refused_at_start(pki, "edge_tls.client_ca_file \"" + pki.ca_file
                          + "\": holds no PEM certificate");
  write_file(pki.ca_file, pki.good.cert_pem);
  refused_at_start(pki, "edge_tls.client_ca_file \"" + pki.ca_file
                          + "\": the certificate of /CN=DR2 is not a CA");
}

} // namespace
