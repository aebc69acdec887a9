// GET /metrics as an operator reads it: one device is driven through
// register, connect, a job (delivered, acked, done) and a disconnect, and
// the counters and histogram counts move by exactly that much — on one
// tetherd, and across processes, where the balancers' figures reach the
// gateway's scrape through the control (docs/OPERATORS.md "Metrics").
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/e2e.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// The sum of the samples of `name` whose labels include every one of
/// `labels` (`key="value"` each); -1 when there is none.
double sum_of(const std::string& text, const std::string& name,
              const std::vector<std::string>& labels = {}) {
  // Label values may hold braces ("POST /v1/terminals/{id}/jobs").
  std::regex sample{
    "(^|\n)" + name
    + R"((\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? ([-+0-9.eE]+|NaN))"};
  double sum = -1;
  for (auto i = std::sregex_iterator(text.begin(), text.end(), sample);
       i != std::sregex_iterator(); ++i) {
    auto ls = (*i)[2].str();
    bool all = true;
    for (const auto& l : labels)
      all = all && ls.find(l) != std::string::npos;
    if (all)
      sum = (sum < 0 ? 0 : sum) + std::stod((*i)[3].str());
  }
  return sum;
}

/// What one device's life moves.
struct figures {
  double connects, connect_latency, by_device, delivered, acked, done, pushed,
    registered, store_writes, admitted;
};

figures read(const std::string& http,
             const std::vector<std::string>& who = {}) {
  auto r = http_call(http, "GET", "/metrics", {}, 5s);
  EXPECT_EQ(r.status, 200) << r.body;
  const auto& m = r.body;
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.end(), who.begin(), who.end());
    return more;
  };
  auto zero = [](double v) {
    return v < 0 ? 0 : v;
  };
  return {
    zero(sum_of(m, "tether_connects_total", with({}))),
    zero(sum_of(m, "tether_connect_duration_seconds_count", with({}))),
    zero(sum_of(m, "tether_disconnects_total",
                with({R"(reason="closed_by_device")"}))),
    zero(sum_of(m, "tether_push_delivered_seconds_count")),
    zero(sum_of(m, "tether_push_acked_seconds_count")),
    zero(sum_of(m, "tether_jobs_finished_total", {R"(status="done")"})),
    zero(
      sum_of(m, "tether_http_requests_total",
             {R"(route="POST /v1/terminals/{id}/jobs")", R"(status="202")"})),
    zero(sum_of(m, "tether_http_request_duration_seconds_count",
                {R"(route="POST /v1/terminals/register")"})),
    zero(sum_of(m, "tether_store_write_duration_seconds_count")),
    zero(sum_of(m, "tether_admission_duration_seconds_count",
                with({R"(outcome="admitted")"}))),
  };
}

/// Registers `id`, connects, is sent a job, acks it, reports it done and
/// closes its socket; returns when the control saw the disconnect.
void one_device_life(const std::string& http, const std::string& key,
                     const std::string& id) {
  auto reg = device_call(http, key, id, "POST", "/v1/terminals/register",
                         R"({"terminal_id":")" + id + R"(","region":"GG1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(ws) << status << " " << error;
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  auto push = http_call(http, "POST", "/v1/terminals/" + id + "/jobs",
                        R"({"service":"print"})");
  ASSERT_EQ(push.status, 202) << push.body;
  auto job_id = str_at(json_of(push.body), "job_id");
  ASSERT_EQ(str_at(next_of_type(*ws, "job"), "job_id"), job_id);
  auto job_status = [&] {
    return str_at(json_of(http_call(http, "GET", "/v1/jobs/" + job_id).body),
                  "status");
  };
  ASSERT_TRUE(eventually([&] { return job_status() == "delivered"; }, 5s));
  ws->send_text(R"({"type":"ack","job_id":")" + job_id + R"("})");
  ASSERT_TRUE(eventually([&] { return job_status() == "acked"; }, 5s));
  ws->send_text(R"({"type":"result","job_id":")" + job_id
                + R"(","status":"done","detail":"printed"})");
  ASSERT_TRUE(eventually([&] { return job_status() == "done"; }, 5s));
  ws->close();
  ASSERT_TRUE(eventually(
    [&] {
      auto t = json_of(http_call(http, "GET", "/v1/terminals/" + id).body);
      return t.is_object() && !t.at("connected").as_bool();
    },
    10s));
}

void expect_one_life(const figures& before, const figures& after) {
  EXPECT_EQ(after.connects - before.connects, 1);
  EXPECT_EQ(after.connect_latency - before.connect_latency, 1);
  EXPECT_EQ(after.admitted - before.admitted, 1);
  EXPECT_EQ(after.by_device - before.by_device, 1);
  EXPECT_EQ(after.delivered - before.delivered, 1);
  EXPECT_EQ(after.acked - before.acked, 1);
  EXPECT_EQ(after.done - before.done, 1);
  EXPECT_EQ(after.pushed - before.pushed, 1);
  EXPECT_EQ(after.registered - before.registered, 1);
  // Register, the job and each of its changes are stored (group commits
  // may join some of them).
  EXPECT_GE(after.store_writes - before.store_writes, 2);
}

TEST(metrics, one_device_moves_each_figure_by_exactly_its_share) {
  tetherd_process server;
  server.start();
  auto before = read(server.http());
  one_device_life(server.http(), enrollment_key(server), "T-metrics-1");
  // The disconnect reached the control; the balancer counted it first (it
  // erased the connection before the session ended).
  figures after;
  ASSERT_TRUE(eventually(
    [&] {
      after = read(server.http());
      return after.by_device - before.by_device >= 1;
    },
    5s));
  expect_one_life(before, after);
  auto text = http_call(server.http(), "GET", "/metrics").body;
  for (auto source : {"store", "notifier", "balancers", "control"})
    EXPECT_EQ(sum_of(text, "tether_metrics_source_up",
                     {std::string{"source=\""} + source + "\""}),
              1)
      << source;
  EXPECT_EQ(
    sum_of(text, "tether_balancer_connections", {R"(balancer="C1-b1")"}), 0);
}

TEST(metrics, across_processes_the_balancers_figures_reach_the_gateway) {
  multiprocess_deployment d{shipped_multiprocess_topology()};
  d.start();
  auto key = enrollment_key(d.dir() + "/data-control");
  // T-mp-metrics is placed in region GG1 (cluster C1): its balancer is in
  // another process than the gateway.
  auto before = read(d.http(), {R"(cluster="C1")"});
  one_device_life(d.http(), key, "T-mp-metrics");
  figures after;
  ASSERT_TRUE(eventually(
    [&] {
      after = read(d.http(), {R"(cluster="C1")"});
      return after.by_device - before.by_device >= 1;
    },
    10s))
    << d.logs();
  expect_one_life(before, after);
  auto text = http_call(d.http(), "GET", "/metrics").body;
  // Every balancer of the topology answers (they run in their own
  // processes), and the nodes' gauges are there too.
  for (auto b : {"C1-b1", "C1-b2", "C2-b1", "C2-b2"})
    EXPECT_GE(sum_of(text, "tether_balancer_nodes",
                     {std::string{"balancer=\""} + b + "\""}),
              1)
      << b << "\n"
      << text;
  EXPECT_GE(sum_of(text, "tether_node_sessions", {R"(node="C1-n1")"}), 0);
  EXPECT_EQ(sum_of(text, "tether_metrics_source_up", {R"(source="balancers")"}),
            1);
}

// tetherd --log-format json: every line of its log is one JSON object with
// time, level, role, process and message (the formatter's own test,
// tests/actors/system/log_json_test.cpp, checks terminal_id and escaping).
TEST(logs, json_lines_name_role_process_and_terminal) {
  tetherd_process server{{}, {"--log-format", "json"}};
  server.start();
  auto r = http_call(server.http(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  std::istringstream lines{server.log()};
  int objects = 0;
  std::set<std::string> roles;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty())
      continue;
    auto v = json_of(line);
    ASSERT_TRUE(v.is_object()) << line;
    for (auto key : {"time", "level", "role", "process", "message"})
      EXPECT_TRUE(v.as_object().contains(key)) << key << " in " << line;
    EXPECT_EQ(str_at(v, "process"), "tetherd") << line;
    roles.insert(str_at(v, "role"));
    ++objects;
  }
  EXPECT_GT(objects, 3) << server.log();
  EXPECT_TRUE(roles.count("tetherd") == 1 || roles.count("gateway") == 1)
    << server.log();
}

} // namespace
