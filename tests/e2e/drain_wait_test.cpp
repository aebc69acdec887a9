// Draining a node waits for a session's open job (docs/CONFIG.md [drain]
// job_wait) against a real tetherd: of two devices on the node, the idle
// one moves at once; the one holding a job it has not acknowledged stays
// until it acknowledges, then moves (a new hello naming the other node)
// and can still finish the job. Both keep their WebSockets.
#include <string>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string node_of(const tetherd_process& d, const std::string& id) {
  return str_at(json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body),
                "node_id");
}

std::string job_status(const tetherd_process& d, const std::string& id) {
  return str_at(json_of(http_call(d.http(), "GET", "/v1/jobs/" + id).body),
                "status");
}

void put_node(const tetherd_process& d, const std::string& node,
              const std::string& state) {
  auto r = http_call(d.http(), "PUT", "/v1/admin/nodes/" + node,
                     R"({"state":")" + state + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
}

TEST(DrainWait, ASessionWithAnOpenJobMovesOnlyOnceItIsAcknowledged) {
  tetherd_process d{
    topology_builder{}.section("drain", "job_wait = \"60s\"").toml()};
  d.start();
  // Both devices on C1-n1.
  put_node(d, "C1-n2", "draining");
  auto busy = connect_device(d, "B1", "GG1");
  auto idle = connect_device(d, "I1", "GG1");
  ASSERT_TRUE(busy && idle);
  ASSERT_EQ(str_at(next_of_type(*busy, "hello"), "node_id"), "C1-n1");
  ASSERT_EQ(str_at(next_of_type(*idle, "hello"), "node_id"), "C1-n1");
  put_node(d, "C1-n2", "active");
  // B1 is sent a job and holds it, unacknowledged.
  auto pushed = http_call(d.http(), "POST", "/v1/terminals/B1/jobs",
                          R"({"service":"print","payload":{"doc":"x"}})");
  ASSERT_EQ(pushed.status, 202) << pushed.body;
  auto job_id = str_at(json_of(pushed.body), "job_id");
  auto job = next_of_type(*busy, "job");
  ASSERT_EQ(str_at(job, "job_id"), job_id);
  ASSERT_TRUE(
    eventually([&] { return job_status(d, job_id) == "delivered"; }, 5s));
  put_node(d, "C1-n1", "draining");
  // The idle device moves at once (a new hello); the busy one, drained in
  // the same round, stays.
  auto moved = next_of_type(*idle, "hello", 5s);
  ASSERT_TRUE(moved.is_object());
  EXPECT_EQ(str_at(moved, "node_id"), "C1-n2");
  ASSERT_TRUE(eventually([&] { return node_of(d, "I1") == "C1-n2"; }, 5s));
  EXPECT_EQ(node_of(d, "B1"), "C1-n1") << "its job is still open";
  // Acknowledged: it moves, and the job can still be finished.
  busy->send_text(R"({"type":"ack","job_id":")" + job_id + R"("})");
  auto hello = next_of_type(*busy, "hello", 5s);
  ASSERT_TRUE(hello.is_object());
  EXPECT_EQ(str_at(hello, "node_id"), "C1-n2");
  EXPECT_TRUE(eventually([&] { return node_of(d, "B1") == "C1-n2"; }, 5s));
  busy->send_text(R"({"type":"result","job_id":")" + job_id
                  + R"(","status":"done","detail":"ok"})");
  EXPECT_TRUE(eventually([&] { return job_status(d, job_id) == "done"; }, 5s));
  auto t = json_of(http_call(d.http(), "GET", "/v1/terminals/B1").body);
  EXPECT_EQ(t.at("connects").to_number<int>(), 1) << "moved, not reconnected";
}

} // namespace
