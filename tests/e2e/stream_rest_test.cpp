// Quiet device connections rest ([limits] ws_stream_rest,
// net/resting_websocket.hpp): a connection with nothing to read or write
// frees Beast's WebSocket stream and makes it again at the next frame. With
// a 50 ms rest on a real tetherd: every quiet connection holds no stream
// (tether_balancer_ws_streams_held), yet jobs reach a resting device and its
// answers get back, keepalives go on over many rests, a replaced resting
// connection gets its close, and a device's close is seen.
#include "tests/e2e/e2e.hpp"
#include "tests/support/metrics_text.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

struct rest_counts {
  int64_t connections = -1; // tether_balancer_ws_connections_live
  int64_t streams = -1;     // tether_balancer_ws_streams_held
};

rest_counts counts(const tetherd_process& server) {
  auto m = http_call(server.http(), "GET", "/metrics", {}, 2s).body;
  return {gauge_sum(m, "tether_balancer_ws_connections_live"),
          gauge_sum(m, "tether_balancer_ws_streams_held")};
}

/// Answers the devices' pings for `d` (no other frame is expected).
void answer_pings(const std::vector<std::unique_ptr<ws_client>>& devices,
                  std::chrono::milliseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end)
    for (const auto& ws : devices)
      next_of_type(*ws, "never", 10ms);
}

/// Waits until `n` connections are live and none holds a stream.
bool all_resting(const tetherd_process& server,
                 const std::vector<std::unique_ptr<ws_client>>& devices,
                 int64_t n) {
  rest_counts last;
  bool ok = eventually(
    [&] {
      answer_pings(devices, 20ms);
      last = counts(server);
      return last.connections == n && last.streams == 0;
    },
    5s);
  EXPECT_TRUE(ok) << "connections " << last.connections << ", streams held "
                  << last.streams;
  return ok;
}

TEST(stream_rest, quiet_connections_hold_no_stream_and_go_on_working) {
  tetherd_process server(
    test_topology("keepalive = \"1s\"\nkeepalive_misses = 2")
    + "\n[limits]\nws_stream_rest = \"50ms\"\n");
  server.start();
  std::vector<std::unique_ptr<ws_client>> devices;
  for (auto id : {"R1", "R2", "R3"}) {
    devices.push_back(connect_device(server, id, "GG1"));
    ASSERT_TRUE(devices.back());
    ASSERT_TRUE(next_of_type(*devices.back(), "hello").is_object());
  }
  ASSERT_TRUE(all_resting(server, devices, 3));

  // A job written to a resting connection, and the device's answers read
  // from one (each after the stream rested again).
  auto pushed = http_call(server.http(), "POST", "/v1/terminals/R1/jobs",
                          R"({"service":"print","payload":{"n":1}})");
  ASSERT_EQ(pushed.status, 202) << pushed.body;
  auto id = str_at(json_of(pushed.body), "job_id");
  auto job = next_of_type(*devices[0], "job");
  ASSERT_EQ(str_at(job, "job_id"), id);
  ASSERT_TRUE(all_resting(server, devices, 3));
  devices[0]->send_text(R"({"type":"ack","job_id":")" + id + R"("})");
  ASSERT_TRUE(all_resting(server, devices, 3));
  devices[0]->send_text(R"({"type":"result","job_id":")" + id
                        + R"(","status":"done"})");
  ASSERT_TRUE(eventually(
    [&] {
      auto j = json_of(http_call(server.http(), "GET", "/v1/jobs/" + id).body);
      return str_at(j, "status") == "done";
    },
    5s));

  // Keepalives over several periods, each ping written to and each pong
  // read from a resting connection: nobody is lost.
  answer_pings(devices, 3500ms);
  for (auto id : {"R1", "R2", "R3"}) {
    auto t = json_of(
      http_call(server.http(), "GET", std::string("/v1/terminals/") + id).body);
    EXPECT_TRUE(t.at("connected").as_bool()) << id;
    EXPECT_EQ(t.at("keepalive_failures").to_number<int>(), 0) << id;
  }
  for (const auto& ws : devices)
    EXPECT_FALSE(ws->closed());
  ASSERT_TRUE(all_resting(server, devices, 3));

  // The server closes a resting connection: R2 connects again, the old
  // connection is replaced (4001).
  auto again = connect_device(server, "R2", "GG1");
  ASSERT_TRUE(again);
  ASSERT_TRUE(devices[1]->wait_closed(5s));
  EXPECT_EQ(devices[1]->close_code(), 4001) << devices[1]->close_reason();
  ASSERT_TRUE(next_of_type(*again, "hello").is_object());

  // A device closes its resting connection: the balancer sees it go.
  devices[1] = std::move(again);
  ASSERT_TRUE(all_resting(server, devices, 3));
  devices[2]->close();
  devices.pop_back();
  ASSERT_TRUE(all_resting(server, devices, 2));
  auto r3 = json_of(http_call(server.http(), "GET", "/v1/terminals/R3").body);
  EXPECT_FALSE(r3.at("connected").as_bool());
}

} // namespace
