// Bad input gets the contract's error and the server keeps serving
// (docs/API.md, "Errors"): malformed JSON, invalid ids, unknown terminal,
// wrong cluster, oversized bodies and frames, unknown frame types, garbage
// bytes.
#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

class bad_input : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new tetherd_process(
      topology_builder{}
        .section("limits", "max_http_body = 4096\nmax_ws_frame = 1024\n"
                           "max_payload = 512")
        .toml());
    server->start();
    ASSERT_EQ(
      register_terminal(*server, R"({"terminal_id":"B1","region":"GG1"})")
        .status,
      200);
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  /// The server still answers normally.
  static void expect_serving() {
    auto r = http_call(server->http(), "GET", "/v1/terminals/B1");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(server->process().running());
  }

  static std::unique_ptr<ws_client> connect_b1() {
    int status = 0;
    std::string error;
    auto ws = ws_client::connect(
      device_url(*server, server->balancers().at("C1-b1"), "B1"), status,
      error);
    EXPECT_TRUE(ws) << status << " " << error;
    if (ws) {
      EXPECT_TRUE(next_of_type(*ws, "hello").is_object());
    }
    return ws;
  }

  static tetherd_process* server;
};

tetherd_process* bad_input::server = nullptr;

struct http_case {
  const char* name;
  const char* method;
  std::string target;
  std::string body;
  int status;
  const char* code;
  const char* message_part; // the message names the problem
};

TEST_F(bad_input, http_requests_get_the_contract_error) {
  std::vector<http_case> cases = {
    {"malformed JSON", "POST", "/v1/terminals/register", "{bad", 400,
     "bad_request", "JSON"},
    {"not an object", "POST", "/v1/terminals/register", "[1,2]", 400,
     "bad_request", "object"},
    {"missing terminal_id", "POST", "/v1/terminals/register", "{}", 400,
     "bad_request", "terminal_id"},
    {"terminal_id not a string", "POST", "/v1/terminals/register",
     R"({"terminal_id":5})", 400, "bad_request", "terminal_id"},
    {"terminal_id with bad characters", "POST", "/v1/terminals/register",
     R"({"terminal_id":"a b/c"})", 400, "bad_request", "terminal_id"},
    {"terminal_id too long", "POST", "/v1/terminals/register",
     R"({"terminal_id":")" + std::string(129, 'x') + R"("})", 400,
     "bad_request", "terminal_id"},
    {"model not a string", "POST", "/v1/terminals/register",
     R"({"terminal_id":"X1","model":3})", 400, "bad_request", "model"},
    {"attributes not strings", "POST", "/v1/terminals/register",
     R"({"terminal_id":"X1","attributes":{"a":1}})", 400, "bad_request",
     "attributes"},
    {"oversized body", "POST", "/v1/terminals/register",
     R"({"terminal_id":"X1","pad":")" + std::string(8000, 'x') + R"("})", 413,
     "payload_too_large", "4096"},
    {"destination without a device proof", "GET",
     "/v1/terminals/NOPE/destination", "", 401, "unauthorized", "proof"},
    {"unknown terminal", "GET", "/v1/terminals/NOPE", "", 404, "not_found",
     "NOPE"},
    {"invalid id in path", "GET", "/v1/terminals/a%20b", "", 400, "bad_request",
     "a%20b"},
    {"job for unknown terminal", "POST", "/v1/terminals/NOPE/jobs",
     R"({"service":"print"})", 404, "not_found", "NOPE"},
    // Found by a new user: misspelt fields were accepted silently.
    {"misspelt register field", "POST", "/v1/terminals/register",
     R"({"terminal_id":"X1","regoin":"GG1"})", 400, "bad_request", "regoin"},
    {"misspelt job field", "POST", "/v1/terminals/B1/jobs",
     R"({"service":"print","calback_url":"http://127.0.0.1:9/cb"})", 400,
     "bad_request", "calback_url"},
    {"job field of another API", "POST", "/v1/terminals/B1/jobs",
     R"({"service":"print","ttl":60})", 400, "bad_request", "ttl"},
    {"job without service", "POST", "/v1/terminals/B1/jobs",
     R"({"payload":{}})", 400, "bad_request", "service"},
    {"job payload not an object", "POST", "/v1/terminals/B1/jobs",
     R"({"service":"print","payload":"x"})", 400, "bad_request", "payload"},
    {"job payload too large", "POST", "/v1/terminals/B1/jobs",
     R"({"service":"print","payload":{"d":")" + std::string(600, 'x')
       + R"("}})",
     413, "payload_too_large", "payload"},
    {"job ttl negative", "POST", "/v1/terminals/B1/jobs",
     R"({"service":"print","ttl_s":-1})", 400, "bad_request", "ttl_s"},
    {"job callback not http", "POST", "/v1/terminals/B1/jobs",
     R"({"service":"print","callback_url":"ftp://x"})", 400, "bad_request",
     "callback_url"},
    {"unknown job", "GET", "/v1/jobs/J00000000000000ff", "", 404, "not_found",
     "J00000000000000ff"},
    {"unknown endpoint", "GET", "/v2/anything", "", 404, "not_found",
     "/v2/anything"},
    {"wrong method", "DELETE", "/v1/terminals/register", "", 405,
     "method_not_allowed", "allowed: POST"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = http_call(server->http(), c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    if (c.status == 405) {
      EXPECT_EQ(r.headers["Allow"], "POST");
    }
    EXPECT_EQ(error_code_of(r), c.code) << r.body;
    EXPECT_NE(error_message_of(r).find(c.message_part), std::string::npos)
      << r.body;
  }
  expect_serving();
}

/// The tether_http_responses_total counter of `status` (0 when absent).
long responses_counted(const std::string& http, int status) {
  auto body = http_call(http, "GET", "/metrics").body;
  auto key
    = "tether_http_responses_total{status=\"" + std::to_string(status) + "\"} ";
  auto at = body.find(key);
  return at == std::string::npos ? 0 : std::stol(body.substr(at + key.size()));
}

TEST_F(bad_input, answers_given_before_routing_are_counted_in_metrics) {
  auto bad = responses_counted(server->http(), 400);
  auto large = responses_counted(server->http(), 413);
  auto answer = raw_exchange(server->http(), "GARBAGE\r\n\r\n");
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
  answer = raw_exchange(server->http(),
                        "POST /v1/terminals/B1/jobs HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 2000000\r\n\r\n");
  EXPECT_NE(answer.find("413"), std::string::npos) << answer;
  EXPECT_TRUE(eventually(
    [&] { return responses_counted(server->http(), 400) == bad + 1; }, 5s));
  EXPECT_TRUE(eventually(
    [&] { return responses_counted(server->http(), 413) == large + 1; }, 5s));
}

TEST_F(bad_input, head_answers_the_headers_of_get_without_the_body) {
  auto get = http_call(server->http(), "GET", "/healthz");
  ASSERT_EQ(get.status, 200) << get.body;
  auto answer
    = raw_exchange(server->http(), "HEAD /healthz HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Type: application/json"), std::string::npos)
    << answer;
  EXPECT_NE(answer.find("Content-Length: "), std::string::npos) << answer;
  auto end = answer.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << answer;
  EXPECT_EQ(end + 4, answer.size()) << "a body followed: " << answer;
  // On a route without GET it is refused like any other method.
  answer = raw_exchange(server->http(),
                        "HEAD /v1/terminals/B1/jobs HTTP/1.1\r\nHost: x\r\n"
                        "Connection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 405", 0), 0u) << answer;
  EXPECT_NE(answer.find("Allow: POST"), std::string::npos) << answer;
  expect_serving();
}

TEST_F(bad_input, garbage_bytes_on_the_http_port) {
  auto answer = raw_exchange(
    server->http(), std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 17));
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
  EXPECT_NE(answer.find("bad_request"), std::string::npos) << answer;
  auto answer2 = raw_exchange(server->http(), "GET / HTTP/1.1\r\nHost: x\r\n"
                                              "Content-Length: nope\r\n\r\n");
  EXPECT_NE(answer2.find("400"), std::string::npos) << answer2;
  // A client that connects and says nothing does not block others.
  auto silent = raw_exchange(server->http(), "", 300ms);
  EXPECT_TRUE(silent.empty());
  expect_serving();
}

TEST_F(bad_input, websocket_refusals_before_the_upgrade) {
  int status = 0;
  std::string error;
  auto c1 = server->balancers().at("C1-b1");
  auto c2 = server->balancers().at("C2-b1");
  // Without a connect token (device_auth_test.cpp has the rest).
  EXPECT_FALSE(ws_client::connect(c1 + "?terminal_id=UNKNOWN", status, error));
  EXPECT_EQ(status, 401) << error;
  // B1's token is for C1.
  EXPECT_FALSE(
    ws_client::connect(device_url(*server, c2, "B1"), status, error));
  EXPECT_EQ(status, 401) << error;
  EXPECT_FALSE(ws_client::connect(c1, status, error));
  EXPECT_EQ(status, 400) << error;
  EXPECT_FALSE(ws_client::connect(c1 + "?terminal_id=bad%20id", status, error));
  EXPECT_EQ(status, 400) << error;
  auto host_port = c1.substr(5, c1.find('/', 5) - 5);
  auto plain = http_call(host_port, "GET", "/v1/connect?terminal_id=B1");
  EXPECT_EQ(plain.status, 426);
  auto wrong_path = http_call(host_port, "GET", "/elsewhere");
  EXPECT_EQ(wrong_path.status, 404);
  auto garbage = raw_exchange(host_port, "\x01\x02\x03 nonsense\r\n\r\n");
  EXPECT_NE(garbage.find("400"), std::string::npos) << garbage;
  // And the balancer still accepts a good device.
  auto ws = connect_b1();
  ASSERT_TRUE(ws);
  expect_serving();
}

TEST_F(bad_input,
       unknown_frame_type_gets_an_error_frame_and_keeps_the_session) {
  auto ws = connect_b1();
  ASSERT_TRUE(ws);
  ws->send_text(R"({"type":"teleport","to":"mars"})");
  auto err = next_of_type(*ws, "error");
  ASSERT_TRUE(err.is_object());
  EXPECT_EQ(str_at(err, "code"), "unknown_type");
  ws->send_text(R"({"type":"ack"})");
  auto err2 = next_of_type(*ws, "error");
  EXPECT_EQ(str_at(err2, "code"), "bad_frame");
  EXPECT_NE(str_at(err2, "message").find("job_id"), std::string::npos);
  EXPECT_FALSE(ws->closed());
  // Still a working session: a job arrives.
  auto push = http_call(server->http(), "POST", "/v1/terminals/B1/jobs",
                        R"({"service":"print"})");
  ASSERT_EQ(push.status, 202);
  auto job = next_of_type(*ws, "job");
  EXPECT_EQ(str_at(job, "job_id"), str_at(json_of(push.body), "job_id"));
}

// Between frames a read asks for only a few bytes (an idle connection
// holds no read buffer, net/ws_server.cpp): frames longer than that, up to
// the limit (1,024 bytes here), still arrive whole, one after another.
TEST_F(bad_input, frames_longer_than_the_idle_read_arrive_whole) {
  auto ws = connect_b1();
  ASSERT_TRUE(ws);
  for (size_t pad : {100u, 500u, 990u}) {
    SCOPED_TRACE(pad);
    auto frame
      = R"({"type":"teleport","pad":")" + std::string(pad, 'x') + R"("})";
    ASSERT_LE(frame.size(), 1024u);
    ws->send_text(frame);
    auto err = next_of_type(*ws, "error");
    ASSERT_TRUE(err.is_object());
    EXPECT_EQ(str_at(err, "code"), "unknown_type");
  }
  EXPECT_FALSE(ws->closed());
}

TEST_F(bad_input, protocol_violations_close_the_socket) {
  struct {
    const char* name;
    std::string frame;
    bool binary;
    int code;
  } cases[] = {
    {"malformed JSON", "{not json", false, 1008},
    {"not an object", "[1,2,3]", false, 1008},
    {"no type", R"({"seq":1})", false, 1008},
    {"binary frame", std::string("\x00\x01\x02", 3), true, 1003},
    {"oversized frame", std::string(2048, 'x'), false, 1009},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto ws = connect_b1();
    ASSERT_TRUE(ws);
    if (c.binary)
      ws->send_binary(c.frame);
    else
      ws->send_text(c.frame);
    ASSERT_TRUE(ws->wait_closed(5s));
    EXPECT_EQ(ws->close_code(), c.code) << ws->close_reason();
  }
  expect_serving();
  auto ws = connect_b1();
  EXPECT_TRUE(ws);
}

TEST(command_line, mistakes_exit_2_and_name_the_problem) {
  auto r = run_tetherd({"--log-level", "loud"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--log-level"), std::string::npos) << r.output;
  r = run_tetherd({"--no-such-option"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--no-such-option"), std::string::npos) << r.output;
  r = run_tetherd({"--ws-base-port", "70000"});
  EXPECT_EQ(r.status, 2) << r.output;
  temp_dir dir;
  r = run_tetherd({"--check-config", dir.path()});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("is a directory"), std::string::npos) << r.output;
  r = run_tetherd({"--help"});
  EXPECT_EQ(r.status, 0) << r.output;
}

} // namespace
