// Job callbacks cannot be aimed at this host's or network's private
// services (SSRF) nor at the gateway itself, and every callback is signed
// (issue 11, item 6).
#include <fstream>

#include "tests/e2e/e2e.hpp"
#include "tests/support/callback_server.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// Pushes a job with `callback` to a connected device and reports it done.
/// The job id, or "" (with the failure recorded).
std::string finish_job(const tetherd_process& d, ws_client& ws,
                       const std::string& terminal,
                       const std::string& callback) {
  auto r
    = http_call(d.http(), "POST", "/v1/terminals/" + terminal + "/jobs",
                R"({"service":"print","callback_url":")" + callback + R"("})");
  EXPECT_EQ(r.status, 202) << r.body;
  auto id = str_at(json_of(r.body), "job_id");
  auto frame = next_of_type(ws, "job");
  EXPECT_EQ(str_at(frame, "job_id"), id);
  ws.send_text(R"({"type":"result","job_id":")" + id + R"(","status":"done"})");
  return id;
}

/// The notifier's line for a callback it gave up, once it is in the log.
std::string given_up_line(const tetherd_process& d, const std::string& id) {
  std::string line;
  eventually(
    [&] {
      auto log = d.log();
      auto at = log.find("job " + id + ": callback");
      auto end = at == std::string::npos ? at : log.find("given up", at);
      if (end == std::string::npos)
        return false;
      line = log.substr(at, log.find('\n', end) - at);
      return true;
    },
    10s);
  return line;
}

TEST(CallbackSecurity, CallbacksAreSignedWithTheDeploymentSecret) {
  tetherd_process server{test_topology()};
  server.start();
  callback_server receiver;
  auto ws = connect_device(server, "CS-sig", "GG1");
  ASSERT_TRUE(ws);
  finish_job(server, *ws, "CS-sig", receiver.url());
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() == 1; }, 5s));
  std::ifstream in{server.dir() + "/data/secrets/callback-secret"};
  std::string secret;
  ASSERT_TRUE(std::getline(in, secret));
  ASSERT_EQ(secret.size(), 64u);
  std::string why;
  EXPECT_TRUE(verify_callback_signature(secret, receiver.signatures().at(0),
                                        receiver.bodies().at(0), why))
    << why;
  EXPECT_FALSE(verify_callback_signature(secret, receiver.signatures().at(0),
                                         receiver.bodies().at(0) + " ", why));
  EXPECT_FALSE(verify_callback_signature(std::string(64, '0'),
                                         receiver.signatures().at(0),
                                         receiver.bodies().at(0), why));
}

TEST(CallbackSecurity, ACallbackToTheGatewayItselfIsRefused) {
  // Loopback is allowed here (every listener is on loopback), the
  // gateway's own listener is not: no job loop.
  tetherd_process server{test_topology()};
  server.start();
  auto ws = connect_device(server, "CS-loop", "GG1");
  ASSERT_TRUE(ws);
  auto id
    = finish_job(server, *ws, "CS-loop",
                 "http://" + server.http() + "/v1/terminals/CS-loop/jobs");
  auto line = given_up_line(server, id);
  EXPECT_NE(line.find("own HTTP gateway"), std::string::npos) << line;
  // Refused before any POST: `attempts` counts the POSTs made.
  EXPECT_NE(line.find("after 0 POST(s)"), std::string::npos) << line;
  // Nothing was pushed by the callback: the device gets no second job.
  EXPECT_FALSE(next_of_type(*ws, "job", 500ms).is_object());
  EXPECT_EQ(http_call(server.http(), "GET", "/healthz").status, 200);
}

class no_private_callbacks : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new tetherd_process(test_topology()
                                 + "\n[callbacks]\nallow_cidrs = []\n");
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static tetherd_process* server;
};

tetherd_process* no_private_callbacks::server = nullptr;

TEST_F(no_private_callbacks, LiteralSpecialAddressesAreRefusedAtPush) {
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"CS-lit","region":"GG1"})")
      .status,
    200);
  for (const char* url :
       {"http://127.0.0.1:8080/x", "http://[::1]/x", "http://2130706433/x",
        "http://0x7f.1/x", "http://[::ffff:127.0.0.1]/x",
        "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/x"}) {
    auto r = http_call(server->http(), "POST", "/v1/terminals/CS-lit/jobs",
                       R"({"service":"print","callback_url":")"
                         + std::string{url} + R"("})");
    EXPECT_EQ(r.status, 400) << url << ": " << r.body;
    EXPECT_EQ(error_code_of(r), "bad_request") << url;
    EXPECT_NE(error_message_of(r).find("callback_url"), std::string::npos)
      << url << ": " << r.body;
  }
}

TEST_F(no_private_callbacks, ANameThatResolvesToLoopbackIsRefusedAfterLookup) {
  callback_server receiver;
  auto ws = connect_device(*server, "CS-name", "GG1");
  ASSERT_TRUE(ws);
  auto id = finish_job(*server, *ws, "CS-name",
                       receiver.url("/callback", "localhost"));
  auto line = given_up_line(*server, id);
  EXPECT_NE(line.find("refused: localhost resolves to"), std::string::npos)
    << line;
  EXPECT_NE(line.find("after 0 POST(s)"), std::string::npos) << line;
  // Checked after the notifier gave up: the receiver never got anything.
  EXPECT_TRUE(receiver.bodies().empty());
}

} // namespace
