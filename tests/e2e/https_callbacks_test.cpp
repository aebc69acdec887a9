// Job callbacks over https: a real tetherd posts to a local HTTPS receiver
// (127.0.0.1, port 0) whose self-signed certificates are made at test time.
// Delivered when [callbacks] ca_file trusts the certificate and it names
// the URL's host; otherwise every attempt fails verification, is retried
// with the backoff, the job stays done and the process keeps serving.
#include <iostream>
#include <stdexcept>
#include <thread>

#include "tests/e2e/e2e.hpp"
#include "tests/support/callback_server.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

class https_callbacks : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    trusted = new tls_identity(
      make_self_signed("tether-test", "IP:127.0.0.1,DNS:localhost"));
    wrong_host = new tls_identity(
      make_self_signed("wrong.example", "DNS:wrong.example,IP:10.9.9.9"));
    stranger = new tls_identity(
      make_self_signed("tether-test", "IP:127.0.0.1,DNS:localhost"));
    dir = new temp_dir;
    // Both trusted and wrong_host are trusted; stranger is not.
    auto ca_file = dir->path() + "/ca.pem";
    write_file(ca_file, trusted->cert_pem + wrong_host->cert_pem);
    server = new tetherd_process(
      topology_builder{}
        .section("callbacks", "ca_file = \"" + ca_file + "\"")
        .toml());
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    delete dir;
    delete stranger;
    delete wrong_host;
    delete trusted;
  }

  /// Pushes a job with `callback_url` to a fresh terminal `terminal`, lets
  /// the device finish it ("done"), and returns the job id.
  static std::string finished_job(const std::string& terminal,
                                  const std::string& callback_url) {
    auto ws = connect_device(*server, terminal, "GG1");
    if (!ws)
      throw std::runtime_error("device " + terminal + " did not connect");
    auto r
      = http_call(server->http(), "POST", "/v1/terminals/" + terminal + "/jobs",
                  R"({"service":"print","payload":{"doc":"d1"},)"
                  R"("callback_url":")"
                    + callback_url + R"("})");
    EXPECT_EQ(r.status, 202) << r.body;
    auto id = str_at(json_of(r.body), "job_id");
    auto frame = next_of_type(*ws, "job");
    EXPECT_EQ(str_at(frame, "job_id"), id);
    ws->send_text(R"({"type":"result","job_id":")" + id
                  + R"(","status":"done","detail":"printed"})");
    EXPECT_TRUE(eventually([&] { return job_status(id) == "done"; }, 5s));
    return id;
  }

  static std::string job_status(const std::string& id) {
    return str_at(
      json_of(http_call(server->http(), "GET", "/v1/jobs/" + id).body),
      "status");
  }

  /// The job's callback progress as "status/attempts".
  static std::string callback_of(const std::string& id) {
    auto cb = json_of(http_call(server->http(), "GET", "/v1/jobs/" + id).body)
                .at("callback");
    return str_at(cb, "status") + "/"
         + std::to_string(cb.at("attempts").to_number<int>());
  }

  /// True once the log has a line that mentions both `a` and `b`.
  static bool log_has(const std::string& a, const std::string& b) {
    return eventually(
      [&] {
        auto log = server->log();
        size_t at = 0;
        while ((at = log.find(a, at)) != std::string::npos) {
          auto newline = log.rfind('\n', at);
          auto begin = newline == std::string::npos ? 0 : newline + 1;
          auto line = log.substr(begin, log.find('\n', at) - begin);
          if (line.find(b) != std::string::npos) {
            std::cout << "[ log      ] " << line << "\n"; // for the reader
            return true;
          }
          at += a.size();
        }
        return false;
      },
      3s);
  }

  /// The refused callback is retried (backoff 1 s: a second attempt within
  /// about a second), never delivered, and the job and process are fine.
  static void expect_refused(callback_server& receiver, const std::string& id,
                             const std::string& reason) {
    EXPECT_TRUE(
      eventually([&] { return receiver.failed_handshakes() >= 2; }, 6s))
      << "attempts refused: " << receiver.failed_handshakes();
    EXPECT_TRUE(receiver.bodies().empty());
    EXPECT_EQ(job_status(id), "done");
    EXPECT_TRUE(log_has(id, "certificate verify failed")) << server->log();
    EXPECT_TRUE(log_has(id, reason)) << server->log();
    EXPECT_EQ(http_call(server->http(), "GET", "/healthz").status, 200);
    EXPECT_TRUE(server->process().running());
  }

  static tls_identity* trusted;
  static tls_identity* wrong_host;
  static tls_identity* stranger;
  static temp_dir* dir;
  static tetherd_process* server;
};

tls_identity* https_callbacks::trusted = nullptr;
tls_identity* https_callbacks::wrong_host = nullptr;
tls_identity* https_callbacks::stranger = nullptr;
temp_dir* https_callbacks::dir = nullptr;
tetherd_process* https_callbacks::server = nullptr;

TEST_F(https_callbacks, trusted_certificate_gets_the_job_body_over_tls) {
  callback_server receiver{*trusted};
  // A DNS name: sent as SNI and checked against the certificate's DNS names.
  auto id = finished_job("H-ok", receiver.url("/cb", "localhost"));
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() == 1; }, 5s))
    << server->log();
  auto body = json_of(receiver.bodies()[0]);
  EXPECT_EQ(str_at(body, "job_id"), id);
  EXPECT_EQ(str_at(body, "status"), "done");
  EXPECT_EQ(str_at(body, "detail"), "printed");
  EXPECT_EQ(receiver.failed_handshakes(), 0u);
  EXPECT_EQ(receiver.server_names(), std::vector<std::string>{"localhost"});
  // An IP address: no SNI (RFC 6066), checked against the IP entries.
  auto id2 = finished_job("H-ok-ip", receiver.url("/cb2"));
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() == 2; }, 5s))
    << server->log();
  EXPECT_EQ(str_at(json_of(receiver.bodies()[1]), "job_id"), id2);
  EXPECT_EQ(receiver.server_names().at(1), "");
  // Accepted at the first POST each: no attempt left to come.
  for (const auto& j : {id, id2}) {
    ASSERT_TRUE(eventually([&] { return callback_of(j) == "accepted/1"; }, 5s))
      << callback_of(j);
  }
  EXPECT_EQ(receiver.bodies().size(), 2u);
}

TEST_F(https_callbacks,
       untrusted_certificate_fails_verification_and_is_retried) {
  callback_server receiver{*stranger};
  auto id = finished_job("H-untrusted", receiver.url("/cb"));
  expect_refused(receiver, id, "self-signed certificate");
}

TEST_F(https_callbacks, certificate_for_another_host_name_fails) {
  // wrong_host is trusted, but names wrong.example and 10.9.9.9.
  callback_server receiver{*wrong_host};
  auto id = finished_job("H-wrong-host", receiver.url("/cb", "localhost"));
  expect_refused(receiver, id, "hostname mismatch");
}

TEST_F(https_callbacks, certificate_for_another_ip_address_fails) {
  callback_server receiver{*wrong_host};
  auto id = finished_job("H-wrong-ip", receiver.url("/cb"));
  expect_refused(receiver, id, "IP address mismatch");
}

TEST_F(https_callbacks, other_schemes_are_refused_at_push) {
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"H-scheme","region":"GG1"})")
      .status,
    200);
  auto r
    = http_call(server->http(), "POST", "/v1/terminals/H-scheme/jobs",
                R"({"service":"print","callback_url":"ftp://127.0.0.1/x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code_of(r), "bad_request");
  EXPECT_NE(error_message_of(r).find("callback_url"), std::string::npos)
    << r.body;
}

// verify = false (tests only): any certificate is accepted, with a warning.
TEST(https_callbacks_unverified, any_certificate_is_accepted) {
  auto stranger = make_self_signed("wrong.example", "DNS:wrong.example");
  tetherd_process server{
    topology_builder{}.section("callbacks", "verify = false").toml()};
  server.start();
  EXPECT_NE(server.log().find("callbacks.verify is false"), std::string::npos)
    << server.log();
  callback_server receiver{stranger};
  ASSERT_EQ(
    register_terminal(server, R"({"terminal_id":"H-any","region":"GG1"})")
      .status,
    200);
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(
    device_url(server, server.balancers().at("C1-b1"), "H-any"), status, error);
  ASSERT_TRUE(ws) << error;
  auto r = http_call(server.http(), "POST", "/v1/terminals/H-any/jobs",
                     R"({"service":"print","callback_url":")"
                       + receiver.url("/cb", "localhost") + R"("})");
  ASSERT_EQ(r.status, 202) << r.body;
  auto id = str_at(json_of(r.body), "job_id");
  ASSERT_EQ(str_at(next_of_type(*ws, "job"), "job_id"), id);
  ws->send_text(R"({"type":"result","job_id":")" + id
                + R"(","status":"failed","detail":"jam"})");
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() == 1; }, 5s))
    << server.log();
  EXPECT_EQ(str_at(json_of(receiver.bodies()[0]), "status"), "failed");
}

// A CA file that looks like PEM but is not a certificate stops the start.
TEST(https_callbacks_config, unusable_ca_file_stops_the_start) {
  temp_dir d;
  auto ca_file = d.path() + "/broken.pem";
  write_file(ca_file, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
                      "-----END CERTIFICATE-----\n");
  tetherd_process server{
    topology_builder{}
      .section("callbacks", "ca_file = \"" + ca_file + "\"")
      .toml()};
  try {
    server.start();
    FAIL() << "tetherd started with an unusable ca_file";
  } catch (const std::runtime_error&) {
  }
  EXPECT_NE(server.log().find("callbacks.ca_file: cannot load"),
            std::string::npos)
    << server.log();
}

} // namespace
