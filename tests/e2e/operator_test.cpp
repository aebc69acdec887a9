// The operator's calls on one job, terminal, cluster or node against a real
// tetherd (docs/API.md "Operator side", issue 13 item 8): a job canceled
// (its device told with a `cancel` frame, its late result ignored, the
// status final across kill -9), a terminal retired (socket closed with 4004,
// jobs canceled, record gone, old token refused, registration afresh),
// GET /v1/admin/nodes and GET /v1/admin/clusters/{id}; and every refusal
// (401 no key, 403 wrong scope, 404 unknown id, 409 wrong state) naming the
// problem and changing nothing.
#include <fstream>
#include <string>
#include <thread>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

http_result call_as(const tetherd_process& d, const std::string& key,
                    const std::string& method, const std::string& target,
                    const std::string& body = {}) {
  return http_call_auth(d.http(), key.empty() ? "" : "Bearer " + key, method,
                        target, body);
}

/// A key with `scopes` (a JSON list), made with the admin key.
std::string key_with(const tetherd_process& d, const std::string& scopes) {
  auto r = call_as(d, d.admin_key(), "POST", "/v1/admin/keys",
                   R"({"name":"t","scopes":)" + scopes + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  return str_at(json_of(r.body), "key");
}

std::string push(const tetherd_process& d, const std::string& terminal) {
  auto r = http_call(d.http(), "POST", "/v1/terminals/" + terminal + "/jobs",
                     R"({"service":"print","payload":{"doc":"x"}})");
  EXPECT_EQ(r.status, 202) << r.body;
  return str_at(json_of(r.body), "job_id");
}

std::string job_status(const tetherd_process& d, const std::string& id) {
  return str_at(json_of(http_call(d.http(), "GET", "/v1/jobs/" + id).body),
                "status");
}

/// 401 without a key, 403 with a key that lacks the scope: both name the
/// problem, and neither changes anything (checked by the caller).
void refused_without_the_scope(const tetherd_process& d,
                               const std::string& method,
                               const std::string& target,
                               const std::string& scope) {
  auto none = call_as(d, "", method, target);
  EXPECT_EQ(none.status, 401) << none.body;
  auto reader = key_with(d, R"(["metrics"])");
  auto wrong = call_as(d, reader, method, target);
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_NE(error_message_of(wrong).find(scope), std::string::npos)
    << wrong.body;
}

TEST(OperatorCalls, CancelAJob) {
  tetherd_process d;
  d.start();
  auto ws = connect_device(d, "T1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  auto id = push(d, "T1");
  auto job = next_of_type(*ws, "job");
  ASSERT_TRUE(job.is_object());
  ASSERT_EQ(str_at(job, "job_id"), id);
  refused_without_the_scope(d, "DELETE", "/v1/jobs/" + id, "jobs:write");
  EXPECT_EQ(job_status(d, id), "delivered") << "a refusal changes nothing";

  auto r = http_call(d.http(), "DELETE", "/v1/jobs/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str_at(json_of(r.body), "status"), "canceled");
  auto cancel = next_of_type(*ws, "cancel");
  ASSERT_TRUE(cancel.is_object()) << "the device is told";
  EXPECT_EQ(str_at(cancel, "job_id"), id);
  // A late result is ignored, and the socket stays open: the next job
  // arrives on it.
  ws->send_text(R"({"type":"result","job_id":")" + id
                + R"(","status":"done"})");
  auto next = push(d, "T1");
  auto second = next_of_type(*ws, "job");
  ASSERT_TRUE(second.is_object()) << "the socket was closed";
  EXPECT_EQ(str_at(second, "job_id"), next);
  EXPECT_FALSE(ws->closed());
  EXPECT_EQ(job_status(d, id), "canceled");

  auto again = http_call(d.http(), "DELETE", "/v1/jobs/" + id);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(error_message_of(again).find("already canceled"), std::string::npos)
    << again.body;
  auto unknown = http_call(d.http(), "DELETE", "/v1/jobs/Jnope");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(error_message_of(unknown).find("Jnope"), std::string::npos);

  auto metrics = http_call(d.http(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find(R"(tether_jobs_finished_total{status="canceled"} 1)"),
            std::string::npos);
  // The status filter takes the older spelling too, for older clients.
  for (const char* word : {"canceled", "cancelled"}) {
    auto listed
      = http_call(d.http(), "GET", std::string{"/v1/jobs?status="} + word);
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto jobs = json_of(listed.body).at("jobs").as_array();
    ASSERT_EQ(jobs.size(), 1u) << word << ": " << listed.body;
    EXPECT_EQ(str_at(jobs.at(0), "job_id"), id);
  }
  // Stored before the answer: it survives kill -9.
  ws->close();
  d.kill9();
  d.restart();
  EXPECT_EQ(job_status(d, id), "canceled");
}

TEST(OperatorCalls, RetireATerminal) {
  tetherd_process d;
  d.start();
  auto reg = register_terminal(d, R"({"terminal_id":"T2","region":"GG1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(ws) << error;
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  auto id = push(d, "T2");
  ASSERT_TRUE(next_of_type(*ws, "job").is_object());
  refused_without_the_scope(d, "DELETE", "/v1/terminals/T2", "terminals:write");
  EXPECT_EQ(http_call(d.http(), "GET", "/v1/terminals/T2").status, 200);
  EXPECT_FALSE(ws->closed()) << "a refusal changes nothing";

  auto r = http_call(d.http(), "DELETE", "/v1/terminals/T2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str_at(json_of(r.body), "terminal_id"), "T2");
  ASSERT_TRUE(ws->wait_closed(10s));
  EXPECT_EQ(ws->close_code(), 4004);
  EXPECT_EQ(job_status(d, id), "canceled");
  auto gone = http_call(d.http(), "GET", "/v1/terminals/T2");
  EXPECT_EQ(gone.status, 404) << gone.body;
  auto again = http_call(d.http(), "DELETE", "/v1/terminals/T2");
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_NE(error_message_of(again).find("T2"), std::string::npos);
  // Its old connect token is refused.
  auto old = ws_client::connect(connect_url(reg), status, error);
  EXPECT_FALSE(old) << "the old token still connects";
  // Registering it again starts afresh, with a token that works.
  auto fresh = register_terminal(d, R"({"terminal_id":"T2","region":"GG1"})");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  auto ws2 = ws_client::connect(connect_url(fresh), status, error);
  ASSERT_TRUE(ws2) << status << " " << error;
  EXPECT_TRUE(next_of_type(*ws2, "hello").is_object());
  auto view = json_of(http_call(d.http(), "GET", "/v1/terminals/T2").body);
  EXPECT_EQ(view.as_object().at("open_jobs"), 0);
}

TEST(OperatorCalls, NodesAndOneCluster) {
  tetherd_process d;
  d.start();
  refused_without_the_scope(d, "GET", "/v1/admin/nodes", "admin");
  refused_without_the_scope(d, "GET", "/v1/admin/clusters/C1", "admin");
  auto nodes = http_call(d.http(), "GET", "/v1/admin/nodes");
  ASSERT_EQ(nodes.status, 200) << nodes.body;
  auto list = json_of(nodes.body).as_object().at("nodes").as_array();
  ASSERT_FALSE(list.empty());
  bool c1n1 = false;
  for (const auto& n : list) {
    EXPECT_FALSE(str_at(n, "process").empty()) << json::serialize(n);
    EXPECT_EQ(str_at(n, "state"), "active") << json::serialize(n);
    if (str_at(n, "node_id") == "C1-n1") {
      c1n1 = true;
      EXPECT_EQ(str_at(n, "cluster_id"), "C1");
    }
  }
  EXPECT_TRUE(c1n1) << nodes.body;
  auto one = http_call(d.http(), "GET", "/v1/admin/clusters/C1");
  ASSERT_EQ(one.status, 200) << one.body;
  auto all = cluster_view(d.http(), "C1");
  auto c = json_of(one.body);
  EXPECT_EQ(str_at(c, "cluster_id"), "C1");
  auto node_ids = [](const json::value& cluster) {
    std::string ids;
    for (const auto& n : cluster.as_object().at("nodes").as_array())
      ids += str_at(n, "node_id") + " ";
    return ids;
  };
  ASSERT_TRUE(all.is_object());
  EXPECT_EQ(node_ids(c), node_ids(all));
  EXPECT_EQ(c.as_object().at("weight"), all.as_object().at("weight"));
  auto missing = http_call(d.http(), "GET", "/v1/admin/clusters/nope");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_NE(error_message_of(missing).find("nope"), std::string::npos);
}

/// MemTotal of /proc/meminfo in bytes (no cgroup limit here: the test
/// checks that first).
double mem_total_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  while (in >> key >> kb)
    if (key == "MemTotal:")
      return kb * 1024;
  return 0;
}

TEST(OperatorCalls, NodesShowTheirUtilisation) {
  if (std::ifstream{"/sys/fs/cgroup/memory.max"}.good())
    GTEST_SKIP() << "a cgroup memory limit: memory_pct is of that limit";
  tetherd_process d;
  d.start();
  // The balancers ask every second; wait for C1-n1's first report.
  json::object node;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = json_of(http_call(d.http(), "GET", "/v1/admin/nodes").body);
    for (const auto& n : list.as_object().at("nodes").as_array())
      if (str_at(n, "node_id") == "C1-n1"
          && n.as_object().at("memory").to_number<double>() > 0)
        node = n.as_object();
    if (!node.empty())
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(node.empty()) << "no load report from C1-n1 in 15 s";
  auto at = [&](const char* key) {
    return node.at(key).to_number<double>();
  };
  for (auto key :
       {"cpu_pct", "memory_pct", "host_cpu_pct", "host_memory_pct"}) {
    EXPECT_GE(at(key), 0) << key << " " << json::serialize(node);
    EXPECT_LE(at(key), 100) << key << " " << json::serialize(node);
  }
  // Memory utilisation is the process's resident bytes of the host's
  // memory, from the same reading (percent with one decimal).
  auto expected = at("memory") / mem_total_bytes() * 100;
  EXPECT_GT(at("memory_pct"), 0) << json::serialize(node);
  EXPECT_NEAR(at("memory_pct"), expected, 0.051) << json::serialize(node);
  // The host has some memory in use.
  EXPECT_GT(at("host_memory_pct"), 0) << json::serialize(node);
  // The same figures in /metrics, as shares.
  auto metrics = http_call(d.http(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  for (auto family :
       {"tether_node_cpu_utilisation", "tether_node_memory_utilisation",
        "tether_node_host_cpu_utilisation",
        "tether_node_host_memory_utilisation"})
    EXPECT_NE(metrics.body.find(std::string{family}
                                + "{cluster=\"C1\",node=\"C1-n1\"}"),
              std::string::npos)
      << family;
}

} // namespace
