// What the gateway trusts in client certificates (net/tls/client_trust):
// the CRLs in force and their reload (a bad new file keeps the old ones);
// the client CA file reloaded the same way (a device of a new CA accepted,
// one of a CA taken out refused, a bad new file keeping the CAs in force);
// CRLs of intermediate CAs (every certificate of a chain is checked); the
// server context refuses bad files at start, naming the setting. The
// handshakes against a real tetherd: tests/e2e/device_crl_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>

#include "net/tls/client_trust.hpp"
#include "net/tls/server_context.hpp"
#include "tests/net/pki.hpp"

using namespace tether;
using namespace tether::test;

namespace {

/// Replaces `path` at once (another inode: the reload sees it changed).
void replace_file(const std::string& path, const std::string& text) {
  test::write_file(path + ".new", text);
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

int verify(const net::tls::client_trust& trust, const test::tls_identity& id,
           const test::tls_identity* intermediate = nullptr) {
  auto cert = x509_of(id);
  STACK_OF(X509)* chain = sk_X509_new_null();
  auto inter = intermediate ? x509_of(*intermediate) : x509_of(id);
  if (intermediate != nullptr)
    sk_X509_push(chain, inter.get());
  auto result = trust.verify(cert.get(), chain); // as a handshake would
  sk_X509_free(chain);
  return result;
}

TEST(ClientTrust, ListsRevokedCertificatesAndReloadsOnlyGoodCrlFiles) {
  pki p;
  test::write_file(p.crl_file, make_crl(p.ca, {p.d1}));
  net::tls::client_trust store{p.ca_file, p.crl_file};
  std::string error;
  ASSERT_TRUE(store.load(error)) << error;
  auto d1 = x509_of(p.d1);
  auto d2 = x509_of(p.d2);
  EXPECT_TRUE(store.revoked(d1.get()));
  EXPECT_FALSE(store.revoked(d2.get()));
  EXPECT_FALSE(store.reload_if_changed()); // unchanged
  // A new file (another size and inode): D2 revoked, D1 no longer.
  test::write_file(p.crl_file + ".new", make_crl(p.ca, {p.d2, p.d2}));
  ASSERT_EQ(std::rename((p.crl_file + ".new").c_str(), p.crl_file.c_str()), 0);
  EXPECT_TRUE(store.reload_if_changed());
  EXPECT_FALSE(store.revoked(d1.get()));
  EXPECT_TRUE(store.revoked(d2.get()));
  // A broken file: the CRLs in force stay.
  test::write_file(p.crl_file, "-----BEGIN X509 CRL-----\ngarbage\n");
  EXPECT_FALSE(store.reload_if_changed());
  EXPECT_TRUE(store.revoked(d2.get()));
  EXPECT_FALSE(store.revoked(d1.get()));
  // A foreign CA's: refused too.
  test::write_file(p.crl_file, make_crl(p.other_ca, {p.d1}));
  EXPECT_FALSE(store.reload_if_changed());
  EXPECT_FALSE(store.revoked(d1.get()));
}

/// [edge_tls] of a gateway with a certificate of its own and the client CA
/// file of `p`.
config::edge_tls_config gateway_tls(const pki& p) {
  auto server = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  config::edge_tls_config cfg;
  cfg.cert_file = p.dir.path() + "/server.pem";
  cfg.key_file = p.dir.path() + "/server-key.pem";
  test::write_file(cfg.cert_file, server.cert_pem);
  test::write_file(cfg.key_file, server.key_pem);
  cfg.client_ca_file = p.ca_file;
  return cfg;
}

TEST(ClientTrust, TheServerContextRefusesABadCrlAtStart) {
  pki p;
  auto cfg = gateway_tls(p);
  cfg.crl_file = p.crl_file;
  cfg.crl_reload_s = 1;
  test::write_file(p.crl_file, make_crl(p.ca, {p.d1}));
  std::string error;
  EXPECT_NE(net::tls::make_server_context(cfg, error), nullptr) << error;
  test::write_file(p.crl_file, make_crl(p.other_ca, {}));
  error.clear();
  EXPECT_EQ(net::tls::make_server_context(cfg, error), nullptr);
  EXPECT_TRUE(names_setting(error)) << error;
  // A balancer's listener asks for no client certificates: no CRL either.
  EXPECT_EQ(net::tls::balancer_tls(cfg, {}).crl_file, "");
}

TEST(ClientTrust, TheClientCaFileIsReloadedAndABadOneKeepsTheCasInForce) {
  pki p;
  auto d_other = make_issued(p.other_ca, "D9", "");
  net::tls::client_trust trust{p.ca_file, ""};
  std::string error;
  ASSERT_TRUE(trust.load(error)) << error;
  EXPECT_EQ(verify(trust, p.d1), X509_V_OK);
  EXPECT_NE(verify(trust, d_other), X509_V_OK) << "not of a CA it trusts";
  auto first = trust.generation();
  EXPECT_FALSE(trust.reload_if_changed()); // unchanged

  // The other CA instead: its devices in, the first CA's out.
  replace_file(p.ca_file, p.other_ca.cert_pem);
  EXPECT_TRUE(trust.reload_if_changed());
  EXPECT_EQ(verify(trust, d_other), X509_V_OK);
  EXPECT_NE(verify(trust, p.d1), X509_V_OK);
  EXPECT_GT(trust.generation(), first) << "tickets of before are refused";

  // A broken file, or one with a device's certificate: refused, the CAs
  // in force stay.
  auto second = trust.generation();
  replace_file(p.ca_file, "-----BEGIN CERTIFICATE-----\ngarbage\n");
  EXPECT_FALSE(trust.reload_if_changed());
  replace_file(p.ca_file, p.d1.cert_pem);
  EXPECT_FALSE(trust.reload_if_changed());
  EXPECT_EQ(verify(trust, d_other), X509_V_OK);
  EXPECT_NE(verify(trust, p.d1), X509_V_OK);
  EXPECT_EQ(trust.generation(), second);
}

TEST(ClientTrust, ACrlFileBadForTheNewCaFileKeepsBothInForce) {
  pki p;
  test::write_file(p.crl_file, make_crl(p.ca, {p.d1}));
  net::tls::client_trust trust{p.ca_file, p.crl_file};
  std::string error;
  ASSERT_TRUE(trust.load(error)) << error;
  EXPECT_EQ(verify(trust, p.d1), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(verify(trust, p.d2), X509_V_OK);
  // The other CA alone: the CRL file (of the first CA) no longer fits it.
  replace_file(p.ca_file, p.other_ca.cert_pem);
  EXPECT_FALSE(trust.reload_if_changed());
  EXPECT_EQ(verify(trust, p.d2), X509_V_OK);
  EXPECT_EQ(verify(trust, p.d1), X509_V_ERR_CERT_REVOKED);
}

TEST(ClientTrust, CrlsOfIntermediateCasAreChecked) {
  pki p;
  auto inter = make_intermediate(p.ca, "devices-intermediate");
  auto device = make_issued(inter, "D5", "");
  auto other = make_issued(inter, "D6", "");
  test::write_file(p.ca_file, p.ca.cert_pem + inter.cert_pem);
  // The intermediate's CRL revokes D5; the root's revokes nothing.
  test::write_file(p.crl_file, make_crl(p.ca, {}) + make_crl(inter, {device}));
  net::tls::client_trust trust{p.ca_file, p.crl_file};
  std::string error;
  ASSERT_TRUE(trust.load(error)) << error;
  EXPECT_EQ(verify(trust, device, &inter), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(verify(trust, other, &inter), X509_V_OK);
  // The root's CRL revokes the intermediate: all its devices are out.
  replace_file(p.crl_file, make_crl(p.ca, {inter}) + make_crl(inter, {}));
  ASSERT_TRUE(trust.reload_if_changed());
  EXPECT_EQ(verify(trust, other, &inter), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(verify(trust, p.d1), X509_V_OK) << "the root's own devices";
}

TEST(ClientTrust, TheServerContextRefusesABadClientCaFileAtStart) {
  pki p;
  auto cfg = gateway_tls(p);
  std::string error;
  EXPECT_NE(net::tls::make_server_context(cfg, error), nullptr) << error;
  test::write_file(p.ca_file, p.d1.cert_pem);
  EXPECT_EQ(net::tls::make_server_context(cfg, error), nullptr);
  EXPECT_NE(error.find("edge_tls.client_ca_file \"" + p.ca_file + "\""),
            std::string::npos)
    << error;
}

} // namespace
