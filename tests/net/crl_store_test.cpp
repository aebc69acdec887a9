// [edge_tls] crl_file (net/tls/crl_store): a CRL file is read only when
// every CRL in it is issued and signed by a CA of client_ca_file; bad files
// are refused naming edge_tls.crl_file; a CRL past its nextUpdate is kept
// with a warning; a reload takes a good new file and keeps the old CRLs
// when the new file is bad; the server context refuses a bad file at start.
// The handshakes themselves: tests/e2e/device_crl_test.cpp.
#include <gtest/gtest.h>

#include <memory>

#include <openssl/pem.h>

#include "net/tls/crl_store.hpp"
#include "net/tls/server_context.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether;
using test::make_crl;
using test::make_issued;
using test::make_self_signed;

namespace {

struct pki {
  test::temp_dir dir;
  test::tls_identity ca = make_self_signed("devices-ca", "DNS:devices-ca");
  test::tls_identity other_ca = make_self_signed("devices-ca", "DNS:ca");
  test::tls_identity d1 = make_issued(ca, "D1", "");
  test::tls_identity d2 = make_issued(ca, "D2", "");
  std::string ca_file = dir.path() + "/ca.pem";
  std::string crl_file = dir.path() + "/crl.pem";

  pki() { test::write_file(ca_file, ca.cert_pem); }

  std::string load_error(const std::string& crl_pem) {
    test::write_file(crl_file, crl_pem);
    return net::tls::load_crls(crl_file, ca_file).error;
  }
};

/// The certificate of `id`, parsed.
std::unique_ptr<X509, void (*)(X509*)> x509_of(const test::tls_identity& id) {
  BIO* bio
    = BIO_new_mem_buf(id.cert_pem.data(), static_cast<int>(id.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return {cert, &X509_free};
}

bool names_setting(const std::string& error) {
  return error.find("edge_tls.crl_file") != std::string::npos;
}

TEST(CrlFile, ACrlOfTheClientCaIsRead) {
  pki p;
  EXPECT_EQ(p.load_error(make_crl(p.ca, {p.d1})), "");
  // Several CRLs in one file (e.g. the CA's old and new one).
  EXPECT_EQ(p.load_error(make_crl(p.ca, {p.d1}) + make_crl(p.ca, {p.d2})), "");
}

TEST(CrlFile, BadFilesAreRefusedNamingTheSetting) {
  pki p;
  auto error = net::tls::load_crls(p.dir.path() + "/missing.pem", p.ca_file);
  EXPECT_TRUE(names_setting(error.error)) << error.error;
  EXPECT_EQ(error.crls, nullptr);
  auto junk = p.load_error("not a CRL\n");
  EXPECT_TRUE(names_setting(junk)) << junk;
  EXPECT_NE(junk.find("holds no PEM CRL"), std::string::npos) << junk;
  // Issued by another CA (even one with the same name): not this CA's.
  auto foreign = p.load_error(make_crl(p.other_ca, {p.d1}));
  EXPECT_TRUE(names_setting(foreign)) << foreign;
  EXPECT_NE(foreign.find("not signed by a CA of edge_tls.client_ca_file"),
            std::string::npos)
    << foreign;
  // One foreign CRL among good ones spoils the file.
  EXPECT_TRUE(
    names_setting(p.load_error(make_crl(p.ca, {}) + make_crl(p.other_ca, {}))));
}

TEST(CrlFile, AnExpiredCrlIsKeptWithAWarning) {
  pki p;
  test::write_file(p.crl_file, make_crl(p.ca, {p.d1}, -60));
  auto loaded = net::tls::load_crls(p.crl_file, p.ca_file);
  ASSERT_NE(loaded.crls, nullptr) << loaded.error;
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("past its nextUpdate"), std::string::npos)
    << loaded.warnings[0];
  net::tls::crl_store store{p.crl_file, p.ca_file};
  std::string error;
  ASSERT_TRUE(store.load(error)) << error;
  EXPECT_TRUE(store.revoked(x509_of(p.d1).get()));
}

TEST(CrlStore, ListsRevokedCertificatesAndReloadsOnlyGoodFiles) {
  pki p;
  test::write_file(p.crl_file, make_crl(p.ca, {p.d1}));
  net::tls::crl_store store{p.crl_file, p.ca_file};
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

TEST(CrlFile, TheServerContextRefusesABadCrlAtStart) {
  pki p;
  auto server = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  config::edge_tls_config cfg;
  cfg.cert_file = p.dir.path() + "/server.pem";
  cfg.key_file = p.dir.path() + "/server-key.pem";
  test::write_file(cfg.cert_file, server.cert_pem);
  test::write_file(cfg.key_file, server.key_pem);
  cfg.client_ca_file = p.ca_file;
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

} // namespace
