// End to end through a real tetherd: register → destination → WebSocket on
// the cluster URL → hello → job → ack → result, as docs/API.md describes.
#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

class flow : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new tetherd_process();
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static tetherd_process* server;
};

tetherd_process* flow::server = nullptr;

TEST_F(flow, register_connect_push_ack_result) {
  auto reg = register_terminal(
    *server, R"({"terminal_id":"T-flow-1","model":"GJ1","region":"GG1",
                 "firmware":"1.4.2","attributes":{"plan":"paid"}})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto d = json_of(reg.body);
  EXPECT_EQ(str_at(d, "cluster_id"), "C1");
  EXPECT_EQ(str_at(d, "terminal_id"), "T-flow-1");
  EXPECT_EQ(d.at("keepalive_s").to_number<int>(), 30);
  ASSERT_EQ(d.at("cluster_urls").as_array().size(), 1u);
  EXPECT_EQ(std::string{d.at("cluster_urls").at(0).as_string()},
            server->balancers().at("C1-b1"));

  EXPECT_FALSE(str_at(d, "token").empty());

  auto dest = destination_of(*server, "T-flow-1");
  ASSERT_EQ(dest.status, 200);
  auto same = json_of(dest.body);
  EXPECT_FALSE(str_at(same, "token").empty());
  same.as_object()["token"] = d.at("token"); // a fresh token each time
  EXPECT_EQ(same, d);

  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(ws) << status << " " << error;
  auto hello = next_of_type(*ws, "hello");
  ASSERT_TRUE(hello.is_object());
  EXPECT_EQ(str_at(hello, "terminal_id"), "T-flow-1");
  EXPECT_EQ(str_at(hello, "cluster_id"), "C1");
  auto node = str_at(hello, "node_id");
  EXPECT_TRUE(node == "C1-n1" || node == "C1-n2") << node;

  ASSERT_TRUE(eventually(
    [&] {
      auto t = http_call(server->http(), "GET", "/v1/terminals/T-flow-1");
      auto v = json_of(t.body);
      return t.status == 200 && v.at("connected").as_bool()
          && str_at(v, "node_id") == node;
    },
    5s));

  auto push = http_call(
    server->http(), "POST", "/v1/terminals/T-flow-1/jobs",
    R"({"service":"print","payload":{"print_url":"http://x/doc"}})");
  ASSERT_EQ(push.status, 202) << push.body;
  auto job_id = str_at(json_of(push.body), "job_id");
  ASSERT_FALSE(job_id.empty());
  EXPECT_EQ(str_at(json_of(push.body), "status"), "queued");

  auto job = next_of_type(*ws, "job");
  ASSERT_TRUE(job.is_object());
  EXPECT_EQ(str_at(job, "job_id"), job_id);
  EXPECT_EQ(str_at(job, "service"), "print");
  EXPECT_EQ(str_at(job.at("payload"), "print_url"), "http://x/doc");

  auto job_status = [&] {
    auto r = http_call(server->http(), "GET", "/v1/jobs/" + job_id);
    return str_at(json_of(r.body), "status");
  };
  ASSERT_TRUE(eventually([&] { return job_status() == "delivered"; }, 5s));
  ws->send_text(R"({"type":"ack","job_id":")" + job_id + R"("})");
  ASSERT_TRUE(eventually([&] { return job_status() == "acked"; }, 5s));
  ws->send_text(R"({"type":"result","job_id":")" + job_id
                + R"(","status":"done","detail":"printed 1 page"})");
  ASSERT_TRUE(eventually([&] { return job_status() == "done"; }, 5s));
  auto final
    = json_of(http_call(server->http(), "GET", "/v1/jobs/" + job_id).body);
  EXPECT_EQ(str_at(final, "terminal_id"), "T-flow-1");
  EXPECT_EQ(str_at(final, "detail"), "printed 1 page");
  EXPECT_FALSE(str_at(final, "created_at").empty());
  EXPECT_FALSE(str_at(final, "updated_at").empty());

  // A late duplicate result does not change a final job.
  ws->send_text(R"({"type":"result","job_id":")" + job_id
                + R"(","status":"failed","detail":"again"})");
  // The session and the control handle frames in order: once a later job
  // is done, the duplicate has been handled.
  auto later = http_call(server->http(), "POST", "/v1/terminals/T-flow-1/jobs",
                         R"({"service":"print"})");
  ASSERT_EQ(later.status, 202) << later.body;
  auto later_id = str_at(json_of(later.body), "job_id");
  ASSERT_EQ(str_at(next_of_type(*ws, "job"), "job_id"), later_id);
  ws->send_text(R"({"type":"result","job_id":")" + later_id
                + R"(","status":"done","detail":"ok"})");
  ASSERT_TRUE(eventually(
    [&] {
      auto v = json_of(
        http_call(server->http(), "GET", "/v1/jobs/" + later_id).body);
      return str_at(v, "status") == "done";
    },
    5s));
  EXPECT_EQ(job_status(), "done");

  ws->close();
  ASSERT_TRUE(eventually(
    [&] {
      auto t = http_call(server->http(), "GET", "/v1/terminals/T-flow-1");
      auto v = json_of(t.body);
      return !v.at("connected").as_bool()
          && v.at("disconnects").to_number<int>() == 1;
    },
    5s));
}

TEST_F(flow, job_pushed_while_offline_arrives_on_connect) {
  auto reg
    = register_terminal(*server, R"({"terminal_id":"T-offline","region":"GG2",)"
                                 R"("services":["print","scan"]})");
  ASSERT_EQ(reg.status, 200);
  EXPECT_EQ(str_at(json_of(reg.body), "cluster_id"), "C2");
  auto push = http_call(server->http(), "POST", "/v1/terminals/T-offline/jobs",
                        R"({"service":"scan"})");
  ASSERT_EQ(push.status, 202);
  auto job_id = str_at(json_of(push.body), "job_id");
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(ws) << error;
  auto job = next_of_type(*ws, "job");
  ASSERT_TRUE(job.is_object());
  EXPECT_EQ(str_at(job, "job_id"), job_id);
}

TEST_F(flow, label_selects_the_cluster_and_empty_label_takes_any) {
  struct {
    const char* body;
    const char* cluster;
  } cases[] = {
    {R"({"terminal_id":"L1","region":"GG1","model":"GJ2"})", "C1"},
    {R"({"terminal_id":"L2","region":"GG2","model":"GJ1"})", "C2"},
    {R"({"terminal_id":"L3","model":"GJ1"})", "C1"},
  };
  for (auto& c : cases) {
    auto r = register_terminal(*server, c.body);
    ASSERT_EQ(r.status, 200) << c.body;
    EXPECT_EQ(str_at(json_of(r.body), "cluster_id"), c.cluster) << c.body;
  }
  auto none
    = register_terminal(*server, R"({"terminal_id":"L4","region":"GG9"})");
  EXPECT_EQ(none.status, 503);
  EXPECT_EQ(error_code_of(none), "unavailable");
  EXPECT_FALSE(none.headers["Retry-After"].empty());
  auto any = register_terminal(*server, R"({"terminal_id":"L5"})");
  ASSERT_EQ(any.status, 200);
  auto cluster = str_at(json_of(any.body), "cluster_id");
  EXPECT_TRUE(cluster == "C1" || cluster == "C2");
}

TEST_F(flow, balancer_spreads_sessions_over_nodes_and_admin_counts_them) {
  std::vector<std::unique_ptr<ws_client>> devices;
  std::map<std::string, int> per_node;
  for (int i = 0; i < 6; ++i) {
    auto id = "N" + std::to_string(i);
    auto ws = connect_device(*server, id, "GG2");
    ASSERT_TRUE(ws);
    auto hello = next_of_type(*ws, "hello");
    ++per_node[str_at(hello, "node_id")];
    devices.push_back(std::move(ws));
  }
  EXPECT_EQ(per_node["C2-n1"], 3);
  EXPECT_EQ(per_node["C2-n2"], 3);
  ASSERT_TRUE(eventually(
    [&] {
      auto r = http_call(server->http(), "GET", "/v1/admin/clusters");
      auto v = json_of(r.body);
      for (auto& c : v.at("clusters").as_array()) {
        if (str_at(c, "cluster_id") != "C2")
          continue;
        int sessions = 0;
        for (auto& n : c.at("nodes").as_array())
          sessions += n.at("sessions").to_number<int>();
        return c.at("connections").to_number<int>() >= 6 && sessions >= 6;
      }
      return false;
    },
    5s));
  auto health = http_call(server->http(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(str_at(json_of(health.body), "status"), "ok");
  auto metrics = http_call(server->http(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("tether_cluster_connections{cluster=\"C2\"}"),
            std::string::npos);
}

// Only a holder of the device's connect token can replace its connection
// (tests/e2e/device_auth_test.cpp: without one, 401 and nothing happens).
TEST_F(flow, second_connection_replaces_the_first) {
  auto reg
    = register_terminal(*server, R"({"terminal_id":"T-twice","region":"GG1"})");
  int status = 0;
  std::string error;
  auto first = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(first);
  ASSERT_TRUE(next_of_type(*first, "hello").is_object());
  auto second = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(second);
  ASSERT_TRUE(next_of_type(*second, "hello").is_object());
  ASSERT_TRUE(first->wait_closed(5s));
  EXPECT_EQ(first->close_code(), 4001);
  // Jobs go to the live connection.
  auto push = http_call(server->http(), "POST", "/v1/terminals/T-twice/jobs",
                        R"({"service":"print"})");
  ASSERT_EQ(push.status, 202) << push.body; // else "" == "" below
  auto job = next_of_type(*second, "job");
  EXPECT_EQ(str_at(job, "job_id"), str_at(json_of(push.body), "job_id"));
}

} // namespace
