// [edge_tls] client_ca_file and crl_file (net/tls/trust_files): a CRL file
// is read only when every CRL in it is issued and signed by a CA of
// client_ca_file; a client CA file only when it holds CA certificates; bad
// files are refused naming the setting and the file; a CRL past its
// nextUpdate is kept with a warning. What is in force and its reload:
// client_trust_test.cpp; the handshakes: tests/e2e/device_crl_test.cpp.
#include <gtest/gtest.h>

#include "net/tls/trust_files.hpp"
#include "tests/net/pki.hpp"

using namespace tether;
using namespace tether::test;

namespace {

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
  EXPECT_TRUE(loaded.crls->lists(x509_of(p.d1).get()));
}

bool names_ca_setting(const std::string& error, const std::string& file) {
  return error.find("edge_tls.client_ca_file \"" + file + "\"")
      != std::string::npos;
}

TEST(ClientCaFile, CaCertificatesAreRead) {
  pki p;
  auto one = net::tls::load_client_cas(p.ca_file);
  ASSERT_NE(one.cas, nullptr) << one.error;
  EXPECT_EQ(one.cas->cas.size(), 1u);
  test::write_file(p.ca_file, p.ca.cert_pem + p.other_ca.cert_pem);
  auto two = net::tls::load_client_cas(p.ca_file);
  ASSERT_NE(two.cas, nullptr) << two.error;
  EXPECT_EQ(two.cas->cas.size(), 2u);
}

TEST(ClientCaFile, BadFilesAreRefusedNamingTheSettingAndTheFile) {
  pki p;
  auto missing = p.dir.path() + "/missing.pem";
  auto none = net::tls::load_client_cas(missing);
  EXPECT_EQ(none.cas, nullptr);
  EXPECT_TRUE(names_ca_setting(none.error, missing)) << none.error;
  EXPECT_NE(none.error.find("cannot be read"), std::string::npos);
  test::write_file(p.ca_file, "-----BEGIN CERTIFICATE-----\ngarbage\n");
  auto junk = net::tls::load_client_cas(p.ca_file);
  EXPECT_TRUE(names_ca_setting(junk.error, p.ca_file)) << junk.error;
  EXPECT_NE(junk.error.find("holds no PEM certificate"), std::string::npos);
  // A device's certificate is no CA: it could not issue any other.
  test::write_file(p.ca_file, p.ca.cert_pem + p.d1.cert_pem);
  auto leaf = net::tls::load_client_cas(p.ca_file);
  EXPECT_TRUE(names_ca_setting(leaf.error, p.ca_file)) << leaf.error;
  EXPECT_NE(leaf.error.find("CN=D1 is not a CA certificate"), std::string::npos)
    << leaf.error;
}

TEST(TrustFiles, EveryProblemIsReportedAndUnsetFilesAreNotRead) {
  pki p;
  config::edge_tls_config cfg;
  std::vector<std::string> warnings;
  EXPECT_TRUE(net::tls::check_trust_files(cfg, warnings).empty());
  cfg.client_ca_file = p.ca_file;
  cfg.crl_file = p.crl_file;
  test::write_file(p.crl_file, make_crl(p.ca, {p.d1}, -60));
  EXPECT_TRUE(net::tls::check_trust_files(cfg, warnings).empty());
  EXPECT_EQ(warnings.size(), 1u) << "the CRL past its nextUpdate";
  test::write_file(p.ca_file, "no certificate\n");
  auto problems = net::tls::check_trust_files(cfg, warnings);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_TRUE(names_ca_setting(problems[0], p.ca_file)) << problems[0];
  EXPECT_TRUE(names_setting(problems[1])) << problems[1];
}

} // namespace
