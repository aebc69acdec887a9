// Revocation, the connection id of hello, and the limits of the control
// and the gateway through a real tetherd (docs/API.md, docs/SECURITY.md
// "Revocation"): a revoked terminal is closed (4003), its tokens are
// refused before the upgrade (also after a restart), it cannot fetch a new
// one until the revocation is lifted; pushes are limited per API key;
// max_terminals refuses new terminals only. Each refusal leaves the process
// serving.
#include <fstream>
#include <set>
#include <sstream>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Registers `id` in GG1 (C1), connects it and reads its hello.
std::unique_ptr<ws_client> connected(tetherd_process& d, const std::string& id,
                                     boost::json::value* hello = nullptr) {
  auto ws = connect_device(d, id, "GG1");
  if (!ws)
    return nullptr;
  auto h = next_of_type(*ws, "hello");
  EXPECT_TRUE(h.is_object()) << id;
  if (hello != nullptr)
    *hello = h;
  return ws;
}

/// The status of a WebSocket upgrade of `url` (101 when it opened).
int upgrade_status(const std::string& url) {
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(url, status, error);
  return ws ? 101 : status;
}

/// Waits (bounded) until `ws` is closed.
bool closed_within(ws_client& ws, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ws.closed() && std::chrono::steady_clock::now() < deadline)
    ws.next(100ms);
  return ws.closed();
}

TEST(revocation, a_revoked_terminal_is_closed_and_its_tokens_refused) {
  tetherd_process d(test_topology());
  d.start();
  auto bystander = connected(d, "RV-other");
  auto reg = register_terminal(d, R"({"terminal_id":"RV1","region":"GG1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto old_url = connect_url(reg);
  int status = 0;
  std::string error;
  auto victim = ws_client::connect(old_url, status, error);
  ASSERT_TRUE(victim) << status << error;
  ASSERT_TRUE(next_of_type(*victim, "hello").is_object());

  // Admin only: no key 401, a jobs key 403; unknown terminal 404.
  auto path = std::string{"/v1/admin/terminals/RV1/revoke"};
  EXPECT_EQ(http_call_auth(d.http(), "", "POST", path).status, 401);
  auto made = http_call(d.http(), "POST", "/v1/admin/keys",
                        R"({"name":"svc","scopes":["jobs:write"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto jobs_key = str_at(json_of(made.body), "key");
  EXPECT_EQ(http_call_auth(d.http(), "Bearer " + jobs_key, "POST", path).status,
            403);
  EXPECT_EQ(
    http_call(d.http(), "POST", "/v1/admin/terminals/nobody/revoke").status,
    404);
  EXPECT_EQ(http_call(d.http(), "PUT", path).status, 405);

  auto revoked = http_call(d.http(), "POST", path);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  auto v = json_of(revoked.body);
  EXPECT_TRUE(v.as_object().at("revoked").as_bool());
  EXPECT_EQ(v.as_object().at("token_generation").to_number<uint64_t>(), 1u);

  // The connected device is closed with 4003.
  ASSERT_TRUE(closed_within(*victim, 5s));
  EXPECT_EQ(victim->close_code(), 4003);
  // Its token no longer opens a connection; it gets no new one.
  EXPECT_EQ(upgrade_status(old_url), 401);
  auto dest = destination_of(d, "RV1");
  EXPECT_EQ(dest.status, 403) << dest.body;
  EXPECT_EQ(error_code_of(dest), "forbidden");
  auto again = register_terminal(d, R"({"terminal_id":"RV1","region":"GG1"})");
  EXPECT_EQ(again.status, 403) << again.body;

  // The bystander is undisturbed and the process serves.
  ASSERT_TRUE(bystander);
  auto push = http_call(d.http(), "POST", "/v1/terminals/RV-other/jobs",
                        R"({"service":"print"})");
  ASSERT_EQ(push.status, 202) << push.body;
  EXPECT_TRUE(next_of_type(*bystander, "job").is_object());

  // Lifted: a fresh token (generation 1) works, the old one still not.
  auto lifted = http_call(d.http(), "DELETE", path);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_FALSE(json_of(lifted.body).as_object().at("revoked").as_bool());
  auto fresh = destination_of(d, "RV1");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  auto ws = ws_client::connect(connect_url(fresh), status, error);
  ASSERT_TRUE(ws) << status << " " << error;
  EXPECT_TRUE(next_of_type(*ws, "hello").is_object());
  EXPECT_EQ(upgrade_status(old_url), 401);

  // A request without a device proof is refused and audited.
  EXPECT_EQ(http_call(d.http(), "GET", "/v1/terminals/RV1/destination").status,
            401);

  // Audited: the revocation as an admin change, the new terminal, the
  // refused token and the refused proof, each with its source address.
  auto audit = read_all(d.dir() + "/data/audit.log");
  EXPECT_NE(audit.find(R"("path":"/v1/admin/terminals/RV1/revoke")"),
            std::string::npos)
    << audit;
  EXPECT_NE(audit.find(R"("event":"terminal.created","terminal_id":"RV1")"),
            std::string::npos)
    << audit;
  EXPECT_NE(
    audit.find(
      R"("event":"auth.token_refused","terminal_id":"RV1","source":"127.0.0.1")"),
    std::string::npos)
    << audit;
  EXPECT_NE(
    audit.find(
      R"("event":"auth.device_refused","terminal_id":"RV1","source":"127.0.0.1")"),
    std::string::npos)
    << audit;
}

TEST(revocation, survives_a_restart) {
  tetherd_process d(test_topology());
  d.start();
  auto reg = register_terminal(d, R"({"terminal_id":"RV2","region":"GG1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto token = str_at(json_of(reg.body), "token");
  ASSERT_EQ(
    http_call(d.http(), "POST", "/v1/admin/terminals/RV2/revoke").status, 200);
  d.terminate();
  d.start();
  auto url = d.balancers().at("C1-b1") + "?terminal_id=RV2&token=" + token;
  // Until the restarted balancer has read the revocation list it fails
  // closed with 503 "starting" (cluster_balancer.cpp): a device retries
  // after Retry-After, so does the test; then the revoked token is refused.
  int status = 0;
  eventually([&] { return (status = upgrade_status(url)) != 503; },
             std::chrono::seconds(10));
  EXPECT_EQ(status, 401);
  EXPECT_EQ(destination_of(d, "RV2").status, 403);
}

TEST(connection_id, each_connection_has_its_own) {
  tetherd_process d(test_topology());
  d.start();
  std::set<std::string> ids;
  std::vector<std::unique_ptr<ws_client>> kept; // each replaces the last
  for (int i = 0; i < 3; ++i) {
    boost::json::value hello;
    auto ws = connected(d, "CI1", &hello); // the same terminal, again
    ASSERT_TRUE(ws);
    auto id = str_at(hello, "connection_id");
    EXPECT_FALSE(id.empty()) << boost::json::serialize(hello);
    ids.insert(id);
    kept.push_back(std::move(ws));
  }
  boost::json::value hello;
  auto other = connected(d, "CI2", &hello);
  ASSERT_TRUE(other);
  ids.insert(str_at(hello, "connection_id"));
  EXPECT_EQ(ids.size(), 4u);
  // Each replacement is audited with both addresses and connection ids.
  auto audit = read_all(d.dir() + "/data/audit.log");
  EXPECT_NE(
    audit.find(
      R"("event":"terminal.replaced","terminal_id":"CI1","old_source":"127.0.0.1","source":"127.0.0.1","old_connection_id":")"),
    std::string::npos)
    << audit;
}

TEST(push_rate, is_limited_per_api_key) {
  tetherd_process d(test_topology()
                    + "\n[limits]\npush_rate = 0.5\npush_burst = 3\n");
  d.start();
  auto reg = register_terminal(d, R"({"terminal_id":"PR1","region":"GG1"})");
  ASSERT_EQ(reg.status, 200);
  std::vector<int> statuses;
  http_result limited;
  for (int i = 0; i < 8; ++i) {
    auto r = http_call(d.http(), "POST", "/v1/terminals/PR1/jobs",
                       R"({"service":"print"})");
    statuses.push_back(r.status);
    if (r.status == 429)
      limited = r;
  }
  auto passed = std::count(statuses.begin(), statuses.end(), 202);
  EXPECT_GE(passed, 3);
  EXPECT_LE(passed, 5);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), 8 - passed);
  EXPECT_EQ(error_code_of(limited), "too_many_requests");
  EXPECT_GE(std::atoi(limited.headers["Retry-After"].c_str()), 1);
  // Another key has its own bucket.
  auto made = http_call(d.http(), "POST", "/v1/admin/keys",
                        R"({"name":"svc2","scopes":["jobs:write"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto key = str_at(json_of(made.body), "key");
  EXPECT_EQ(http_call_auth(d.http(), "Bearer " + key, "POST",
                           "/v1/terminals/PR1/jobs", R"({"service":"print"})")
              .status,
            202);
  EXPECT_EQ(http_call(d.http(), "GET", "/healthz").status, 200);
}

TEST(max_terminals, refuses_new_terminals_only) {
  tetherd_process d(test_topology() + "\n[limits]\nmax_terminals = 2\n");
  d.start();
  for (auto id : {"MT1", "MT2"})
    ASSERT_EQ(register_terminal(d, std::string{R"({"terminal_id":")"} + id
                                     + R"(","region":"GG1"})")
                .status,
              200);
  auto third = register_terminal(d, R"({"terminal_id":"MT3","region":"GG1"})");
  EXPECT_EQ(third.status, 403) << third.body;
  EXPECT_EQ(error_code_of(third), "forbidden");
  EXPECT_NE(error_message_of(third).find("max_terminals"), std::string::npos);
  // A registered terminal registers again.
  EXPECT_EQ(
    register_terminal(d, R"({"terminal_id":"MT1","region":"GG2"})").status,
    200);
  EXPECT_EQ(http_call(d.http(), "GET", "/v1/terminals/MT3").status, 404);
}

} // namespace
