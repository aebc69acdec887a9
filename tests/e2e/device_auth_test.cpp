// Device identity and connect tokens through a real tetherd (docs/API.md
// "Device identity", docs/SECURITY.md): without a valid proof nothing is
// stored or changed; without a valid token nobody reaches the balancer,
// so a connected device cannot be taken over.
#include <thread>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

constexpr int64_t ttl_s = 3;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

class device_auth : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new tetherd_process(test_topology() + "\n[auth]\ntoken_ttl = \""
                                 + std::to_string(ttl_s) + "s\"\n");
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  static std::string c1() { return server->balancers().at("C1-b1"); }

  /// Registers `id` in GG1 (C1) and connects it; its hello read.
  static std::unique_ptr<ws_client> connected(const std::string& id) {
    auto reg = register_terminal(*server, R"({"terminal_id":")" + id
                                            + R"(","region":"GG1"})");
    EXPECT_EQ(reg.status, 200) << reg.body;
    int status = 0;
    std::string error;
    auto ws = ws_client::connect(connect_url(reg), status, error);
    EXPECT_TRUE(ws) << status << " " << error;
    if (ws) {
      EXPECT_TRUE(next_of_type(*ws, "hello").is_object());
    }
    return ws;
  }

  /// The upgrade of `url` is refused with 401 `unauthorized`.
  static void expect_refused(const std::string& url, const std::string& what) {
    int status = 0;
    std::string error;
    EXPECT_FALSE(ws_client::connect(url, status, error)) << what;
    EXPECT_EQ(status, 401) << what << ": " << error;
  }

  /// The victim is still connected and gets a job pushed now.
  static void expect_undisturbed(ws_client& victim, const std::string& id) {
    auto push
      = http_call(server->http(), "POST", "/v1/terminals/" + id + "/jobs",
                  R"({"service":"print"})");
    ASSERT_EQ(push.status, 202) << push.body;
    auto job = next_of_type(victim, "job");
    EXPECT_EQ(str_at(job, "job_id"), str_at(json_of(push.body), "job_id"));
    EXPECT_FALSE(victim.closed()) << victim.close_code();
  }

  static tetherd_process* server;
};

tetherd_process* device_auth::server = nullptr;

TEST_F(device_auth, no_takeover_without_the_victims_token) {
  auto victim = connected("V1");
  ASSERT_TRUE(victim);
  auto other
    = register_terminal(*server, R"({"terminal_id":"A1","region":"GG1"})");
  auto other_token = str_at(json_of(other.body), "token");
  auto own = str_at(json_of(destination_of(*server, "V1").body), "token");
  ASSERT_FALSE(own.empty());
  auto base = c1() + "?terminal_id=V1";
  expect_refused(base, "no token");
  expect_refused(base + "&token=", "empty token");
  expect_refused(base + "&token=not-a-token", "malformed");
  expect_refused(base + "&token=" + other_token, "another terminal's");
  auto flipped = own;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  expect_refused(base + "&token=" + flipped, "one bit flipped");
  // V1 is in C1: its token does not open C2.
  expect_refused(server->balancers().at("C2-b1")
                   + "?terminal_id=V1&token=" + own,
                 "another cluster's");
  // A token of another deployment (another signing key).
  tetherd_process foreign;
  foreign.start();
  auto theirs
    = register_terminal(foreign, R"({"terminal_id":"V1","region":"GG1"})");
  ASSERT_EQ(theirs.status, 200);
  expect_refused(base + "&token=" + str_at(json_of(theirs.body), "token"),
                 "foreign key");
  // Bearer header with another terminal's token, as raw bytes.
  auto host_port = c1().substr(5, c1().find('/', 5) - 5);
  auto upgrade = [&](const std::string& token) {
    return raw_exchange(host_port,
                        "GET /v1/connect?terminal_id=V1 HTTP/1.1\r\nHost: x\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
                          + token + "\r\n\r\n",
                        2s);
  };
  auto refused = upgrade(other_token);
  EXPECT_NE(refused.find("401"), std::string::npos) << refused;
  EXPECT_NE(refused.find("unauthorized"), std::string::npos) << refused;
  expect_undisturbed(*victim, "V1");
}

TEST_F(device_auth, an_expired_token_is_refused) {
  auto victim = connected("V2");
  ASSERT_TRUE(victim);
  auto dest = destination_of(*server, "V2");
  auto url = connect_url(dest);
  auto expires = now_s() + ttl_s;
  std::this_thread::sleep_until(
    std::chrono::system_clock::time_point{std::chrono::seconds{expires + 1}});
  expect_refused(url, "expired");
  expect_undisturbed(*victim, "V2");
  // A fresh token still replaces the connection (4001), by design.
  int status = 0;
  std::string error;
  auto again = ws_client::connect(connect_url(destination_of(*server, "V2")),
                                  status, error);
  ASSERT_TRUE(again) << status << " " << error;
  ASSERT_TRUE(victim->wait_closed(5s));
  EXPECT_EQ(victim->close_code(), 4001);
}

TEST_F(device_auth, a_bearer_header_is_accepted) {
  auto reg
    = register_terminal(*server, R"({"terminal_id":"V3","region":"GG1"})");
  auto token = str_at(json_of(reg.body), "token");
  auto host_port = c1().substr(5, c1().find('/', 5) - 5);
  auto answer
    = raw_exchange(host_port,
                   "GET /v1/connect?terminal_id=V3 HTTP/1.1\r\nHost: x\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
                     + token + "\r\n\r\n",
                   1s);
  EXPECT_NE(answer.find("101"), std::string::npos) << answer;
}

/// `id`'s facts as GET /v1/terminals/{id} shows them (status, body).
http_result facts(const tetherd_process& d, const std::string& id) {
  return http_call(d.http(), "GET", "/v1/terminals/" + id);
}

TEST_F(device_auth, register_without_a_valid_proof_stores_nothing) {
  const std::string target = "/v1/terminals/register";
  auto key = enrollment_key(*server);
  ASSERT_EQ(key.size(), 32u);
  auto body = std::string{R"({"terminal_id":"N1","region":"GG1"})"};
  auto expect_401 = [&](const http_result& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    EXPECT_EQ(error_code_of(r), "unauthorized") << what;
  };
  expect_401(http_call(server->http(), "POST", target, body), "no proof");
  auto signed_with = [&](const std::string& k, const std::string& id,
                         int64_t ts = 0, const std::string& nonce = {}) {
    return http_call_with(server->http(), "POST", target, body,
                          {{"Authorization", device_proof(k, id, "POST", target,
                                                          body, ts, nonce)}});
  };
  expect_401(signed_with(std::string(32, 'x'), "N1"), "wrong group key");
  expect_401(signed_with(key, "N2"), "signed as another terminal");
  expect_401(signed_with(key, "N1", now_s() - 400), "clock 400 s behind");
  expect_401(signed_with(key, "N1", now_s() + 400), "clock 400 s ahead");
  expect_401(http_call_with(
               server->http(), "POST", target, body,
               {{"Authorization", device_proof(key, "N1", "POST", target, body,
                                               0, {}, "nosuchgroup")}}),
             "unknown group");
  EXPECT_EQ(facts(*server, "N1").status, 404);
  // A good proof once; the same request again is a replay.
  auto proof = device_proof(key, "N1", "POST", target, body);
  auto first = http_call_with(server->http(), "POST", target, body,
                              {{"Authorization", proof}});
  EXPECT_EQ(first.status, 200) << first.body;
  expect_401(http_call_with(server->http(), "POST", target, body,
                            {{"Authorization", proof}}),
             "replayed nonce");
}

TEST_F(device_auth, an_existing_terminals_facts_do_not_change_without_proof) {
  ASSERT_EQ(register_terminal(
              *server, R"({"terminal_id":"E1","region":"GG1","model":"GJ1"})")
              .status,
            200);
  auto before = facts(*server, "E1");
  ASSERT_EQ(before.status, 200);
  auto body = std::string{R"({"terminal_id":"E1","region":"GG2","model":"X"})"};
  auto r = http_call(server->http(), "POST", "/v1/terminals/register", body);
  EXPECT_EQ(r.status, 401);
  auto bad = http_call_with(
    server->http(), "POST", "/v1/terminals/register", body,
    {{"Authorization", device_proof(std::string(32, 'x'), "E1", "POST",
                                    "/v1/terminals/register", body)}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(json_of(facts(*server, "E1").body), json_of(before.body));
}

TEST_F(device_auth, destination_needs_the_devices_proof) {
  ASSERT_EQ(register_terminal(*server, R"({"terminal_id":"D1"})").status, 200);
  auto key = enrollment_key(*server);
  const std::string target = "/v1/terminals/D1/destination";
  auto r = http_call(server->http(), "GET", target);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code_of(r), "unauthorized");
  auto as_other = http_call_with(
    server->http(), "GET", target, "",
    {{"Authorization", device_proof(key, "D2", "GET", target, "")}});
  EXPECT_EQ(as_other.status, 401);
  auto skewed
    = http_call_with(server->http(), "GET", target, "",
                     {{"Authorization", device_proof(key, "D1", "GET", target,
                                                     "", now_s() - 400)}});
  EXPECT_EQ(skewed.status, 401);
  auto proof = device_proof(key, "D1", "GET", target, "");
  auto ok = http_call_with(server->http(), "GET", target, "",
                           {{"Authorization", proof}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(str_at(json_of(ok.body), "token").empty());
  auto replay = http_call_with(server->http(), "GET", target, "",
                               {{"Authorization", proof}});
  EXPECT_EQ(replay.status, 401);
  // An unknown terminal with a good proof: 404 as before.
  EXPECT_EQ(destination_of(*server, "NOPE").status, 404);
}

TEST(device_auth_off, is_explicit_and_warned) {
  tetherd_process d{test_topology() + "\n[auth]\ndevices = false\n"};
  d.start();
  auto reg = http_call(d.http(), "POST", "/v1/terminals/register",
                       R"({"terminal_id":"O1","region":"GG1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(d.balancers().at("C1-b1") + "?terminal_id=O1",
                               status, error);
  EXPECT_TRUE(ws) << status << " " << error;
  EXPECT_NE(d.log().find("[auth] devices = false"), std::string::npos);
}

} // namespace
