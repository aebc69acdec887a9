// [edge_tls] at start: the server context refuses unreadable or mismatched
// files naming the setting, and a plaintext listener off loopback is
// refused unless insecure (top level, or the older edge_tls.insecure).
#include <gtest/gtest.h>

#include "net/tls/server_context.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether;

namespace {

struct files {
  test::temp_dir dir;
  config::edge_tls_config cfg;

  files() {
    auto id = test::make_self_signed("127.0.0.1", "IP:127.0.0.1");
    cfg.cert_file = dir.path() + "/cert.pem";
    cfg.key_file = dir.path() + "/key.pem";
    test::write_file(cfg.cert_file, id.cert_pem);
    test::write_file(cfg.key_file, id.key_pem);
  }
};

std::string error_of(const config::edge_tls_config& cfg) {
  std::string error;
  auto ctx = net::tls::make_server_context(cfg, error);
  EXPECT_EQ(ctx == nullptr, !error.empty()) << error;
  return error;
}

TEST(TlsContext, ReadableMatchingFilesMakeAContext) {
  files f;
  EXPECT_EQ(error_of(f.cfg), "");
  f.cfg.client_ca_file = f.cfg.cert_file;
  EXPECT_EQ(error_of(f.cfg), "");
}

TEST(TlsContext, UnreadableOrWrongFilesAreRefusedNamingTheSetting) {
  files f;
  auto has = [](const std::string& error, const char* setting) {
    return error.find(setting) != std::string::npos;
  };
  auto cfg = f.cfg;
  cfg.cert_file = f.dir.path() + "/missing.pem";
  EXPECT_TRUE(has(error_of(cfg), "edge_tls.cert_file"));
  cfg = f.cfg;
  test::write_file(f.dir.path() + "/junk.pem", "not a certificate\n");
  cfg.cert_file = f.dir.path() + "/junk.pem";
  EXPECT_TRUE(has(error_of(cfg), "edge_tls.cert_file"));
  cfg = f.cfg;
  cfg.key_file = f.dir.path() + "/missing.pem";
  EXPECT_TRUE(has(error_of(cfg), "edge_tls.key_file"));
  // A key that is not the certificate's.
  auto other = test::make_self_signed("other", "DNS:other");
  test::write_file(f.dir.path() + "/other-key.pem", other.key_pem);
  cfg = f.cfg;
  cfg.key_file = f.dir.path() + "/other-key.pem";
  auto error = error_of(cfg);
  EXPECT_TRUE(has(error, "edge_tls.key_file")) << error;
  EXPECT_TRUE(has(error, "is not the key of the certificate")) << error;
  cfg = f.cfg;
  cfg.client_ca_file = f.dir.path() + "/junk.pem";
  EXPECT_TRUE(has(error_of(cfg), "edge_tls.client_ca_file"));
}

TEST(TlsContext, ABalancersOwnFilesAreNamedAsItsSettings) {
  files f;
  std::string error;
  auto cfg = f.cfg;
  cfg.cert_file = f.dir.path() + "/missing.pem";
  EXPECT_EQ(net::tls::make_server_context(cfg, error, "clusters.balancers"),
            nullptr);
  EXPECT_NE(error.find("clusters.balancers.cert_file"), std::string::npos)
    << error;
}

TEST(TlsContext, BalancersUseTheirOwnCertificateAndNoClientCa) {
  config::edge_tls_config edge;
  edge.cert_file = "edge.pem";
  edge.key_file = "edge-key.pem";
  edge.client_ca_file = "devices-ca.pem";
  config::balancer_config b;
  auto cfg = net::tls::balancer_tls(edge, b);
  EXPECT_EQ(cfg.cert_file, "edge.pem");
  EXPECT_EQ(cfg.key_file, "edge-key.pem");
  EXPECT_EQ(cfg.client_ca_file, "");
  b.cert_file = "own.pem";
  b.key_file = "own-key.pem";
  cfg = net::tls::balancer_tls(edge, b);
  EXPECT_EQ(cfg.cert_file, "own.pem");
  EXPECT_EQ(cfg.key_file, "own-key.pem");
  EXPECT_EQ(cfg.client_ca_file, "");
  // Its own certificate without [edge_tls]: TLS for that listener only.
  cfg = net::tls::balancer_tls(config::edge_tls_config{}, b);
  EXPECT_TRUE(cfg.enabled());
  EXPECT_EQ(net::tls::plaintext_refusal(cfg, {"10.0.0.1", 9101}, "b"), "");
}

TEST(TlsContext, PlaintextOffLoopbackIsRefusedUnlessInsecure) {
  config::edge_tls_config plain;
  for (const char* host : {"127.0.0.1", "127.0.0.5", "::1", "::ffff:127.0.0.1"})
    EXPECT_EQ(net::tls::plaintext_refusal(plain, {host, 8080}, "x"), "")
      << host;
  for (const char* host : {"0.0.0.0", "::", "10.77.0.1", "192.0.2.1"}) {
    auto error
      = net::tls::plaintext_refusal(plain, {host, 9101}, "balancer C1-b1");
    EXPECT_NE(error.find("balancer C1-b1"), std::string::npos) << error;
    EXPECT_NE(error.find("edge_tls.cert_file"), std::string::npos) << error;
    EXPECT_NE(error.find("insecure = true"), std::string::npos) << error;
  }
  // A host name is refused too, and the message says it is a name and what
  // to write instead (a new user read "localhost ... is not loopback").
  auto named = net::tls::plaintext_refusal(plain, {"localhost", 8080}, "x");
  EXPECT_NE(named.find("a host name, not a loopback address"),
            std::string::npos)
    << named;
  EXPECT_NE(named.find("127.0.0.1"), std::string::npos) << named;
  auto insecure = plain;
  insecure.insecure = true;
  EXPECT_EQ(net::tls::plaintext_refusal(insecure, {"0.0.0.0", 1}, "x"), "");
  files f; // with TLS any address is fine
  EXPECT_EQ(net::tls::plaintext_refusal(f.cfg, {"0.0.0.0", 1}, "x"), "");
}

} // namespace
