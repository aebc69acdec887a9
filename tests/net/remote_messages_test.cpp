// Every registered message type crosses a real process boundary: a peer
// process (remote_peer) echoes each one back through CAF's middleman, and a
// typed role (the selector) answers across the wire. An unregistered or
// misnamed type would come back as an error instead.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/system/interfaces.hpp"
#include "tests/storage/record_checks.hpp"
#include "tests/support/process.hpp"

#ifndef REMOTE_PEER_PATH
#error "REMOTE_PEER_PATH must name the peer binary"
#endif

using namespace tether;
using namespace tether::test;
using tether::storage::sample_job;
using tether::storage::sample_terminal;
using namespace std::chrono_literals;

namespace {

struct remote : ::testing::Test {
  static void SetUpTestSuite() {
    dir = new temp_dir;
    auto ports_file = dir->path() + "/ports";
    peer = child_process::spawn({REMOTE_PEER_PATH, ports_file},
                                dir->path() + "/peer.log")
             .release();
    ASSERT_TRUE(
      eventually([&] { return !read_file(ports_file).empty(); }, 10s));
    std::istringstream in{read_file(ports_file)};
    in >> echo_port >> selector_port;
    cfg = new caf::actor_system_config;
    register_types(*cfg);
    cfg->load<caf::io::middleman>();
    sys = new caf::actor_system{*cfg};
  }
  static void TearDownTestSuite() {
    delete sys;
    delete cfg;
    delete peer;
    delete dir;
  }

  /// Sends `x` to the echo peer and expects the same value back.
  template <class T>
  void round_trip(const T& x) {
    auto echo = sys->middleman().remote_actor("127.0.0.1", echo_port);
    ASSERT_TRUE(echo) << caf::to_string(echo.error());
    caf::scoped_actor self{*sys};
    bool answered = false;
    self->request(*echo, 5s, x)
      .receive(
        [&](const T& y) {
          answered = true;
          EXPECT_EQ(caf::deep_to_string(x), caf::deep_to_string(y));
        },
        [&](const caf::error& err) {
          ADD_FAILURE() << caf::type_name<T>::value << ": "
                        << caf::to_string(err);
        });
    EXPECT_TRUE(answered) << caf::type_name<T>::value;
  }

  static temp_dir* dir;
  static child_process* peer;
  static uint16_t echo_port;
  static uint16_t selector_port;
  static caf::actor_system_config* cfg;
  static caf::actor_system* sys;
};

temp_dir* remote::dir = nullptr;
child_process* remote::peer = nullptr;
uint16_t remote::echo_port = 0;
uint16_t remote::selector_port = 0;
caf::actor_system_config* remote::cfg = nullptr;
caf::actor_system* remote::sys = nullptr;

TEST_F(remote, every_plain_message_type_round_trips) {
  round_trip(sample_terminal());
  round_trip(sample_job());
  auto h = storage::sample_history();
  round_trip(h);
  round_trip(disconnect_event{1'763'897'000'123, "T1", "192.0.2.7"});
  round_trip(
    std::vector<disconnect_event>{{1, "T1", "10.0.0.1"}, {2, "T2", ""}});
  round_trip(assigned_label{{{"region", "GG1"}, {"model", "GJ1"}}});
  round_trip(destination{
    "T1", "C1", {"ws://a/v1/connect", "ws://b/v1/connect"}, "tok", 30});
  round_trip(job_update{"J1", "T1", "done", "printed"});
  node_status n{"C1-n1", "active", 12, 0.5, 1 << 20};
  n.capacity = 3;
  round_trip(n);
  round_trip(balancer_status{
    "C1-b1", "C1", "ws://a", 12, {n, n}, 2, {{"*", 12}, {"plan=free", 4}}});
  cluster_status c;
  c.cluster_id = "C1";
  c.labels = {{"region", {"GG1", "GG3"}}};
  c.state = "active";
  c.weight = 3;
  c.balancers = {"ws://a"};
  c.connections = 9;
  c.assigned = 11;
  c.nodes = {n};
  c.balancers_down = {"ws://b"};
  c.max_connections = 100;
  c.tier_connections = {{"plan=free", 4}};
  c.tier_caps = {{"plan=free", 5}};
  round_trip(c);
  round_trip(std::vector<cluster_status>{c, c});
  terminal_status ts;
  ts.record = sample_terminal();
  ts.connected = true;
  ts.node_id = "C1-n2";
  ts.last_seen_ms = 9;
  ts.connects = 3;
  ts.disconnects = 2;
  ts.keepalive_failures = 1;
  ts.api = h;
  ts.open_jobs = 4;
  round_trip(ts);
  round_trip(http_request{"POST", "/v1/x?y=1", "{}", "127.0.0.1", "Bearer t"});
  http_response r;
  r.status = 503;
  r.body = "{}";
  r.headers = {{"Retry-After", "2"}};
  round_trip(r);
  round_trip(std::vector<job_record>{sample_job(), sample_job()});
  round_trip(std::vector<api_history>{h});
  round_trip(std::map<std::string, std::string>{{"a", "b"}});
  peer_status ps{"C1-n1", "127.0.0.1:17013", true, 17, 2, "lost"};
  round_trip(ps);
  round_trip(std::vector<peer_status>{ps, ps});
  round_trip(admission{"C1", {"plan=free"}, "cluster C1 is at its cap"});
  round_trip(peer_directory{"C1-n1", {}, {}, {}, {}});
  metric_set m;
  m.add("tether_connects_total", {{"balancer", "C1-b1"}});
  m.observe("tether_connect_duration_seconds", {}, 0.5);
  round_trip(m.series());
  // admin API and re-allocation
  round_trip(cluster_settings{"C2", {{"region", {"GG2"}}}, "draining", 0});
  round_trip(
    cluster_change{"C3", true, {{"model", {"GJ1", "GJ2"}}}, "active", 4});
  round_trip(
    realloc_plan{"C1",
                 {"T1", "T2"},
                 {assigned_label{{{"region", "GG1"}}}, assigned_label{}}});
  round_trip(realloc_summary{10, 3, 2, 2});
}

TEST_F(remote, messages_with_handles_round_trip) {
  session_spec spec;
  spec.terminal_id = "T1";
  spec.cluster_id = "C1";
  spec.conn_id = 42;
  spec.keepalive_ms = 200;
  spec.keepalive_misses = 3;
  spec.redelivery_ms = 300;
  spec.address = "192.0.2.9";
  spec.service_key = {7, 9};
  spec.service_names = {"print"};
  spec.batched = true;
  round_trip(spec);
  // a re-homing batch's sessions, as their node announces them
  session_moved moved{"T1", "C1-n2", {}, 11, {7, 9}, {"print", "scan"}};
  round_trip(moved);
  round_trip(std::vector<session_moved>{moved, moved});
  round_trip(balancer_info{"C1-b1", "C1", "ws://a", {}});
  round_trip(node_actor{});
  round_trip(terminal_session_actor{});
  round_trip(cluster_balancer_actor{});
  round_trip(cluster_manager_actor{});
  round_trip(control_actor{});
  round_trip(selector_actor{});
  round_trip(store_actor{});
  round_trip(notifier_actor{});
}

TEST_F(remote, typed_role_answers_across_the_process_boundary) {
  auto sel
    = sys->middleman().remote_actor<selector_actor>("127.0.0.1", selector_port);
  ASSERT_TRUE(sel) << caf::to_string(sel.error());
  caf::scoped_actor self{*sys};
  auto facts = sample_terminal();
  bool answered = false;
  self->request(*sel, 5s, select_atom::value, facts)
    .receive(
      [&](const assigned_label& label) {
        answered = true;
        EXPECT_EQ(label.items,
                  (std::map<std::string, std::string>{{"region", "GG1"},
                                                      {"model", "GJ1"},
                                                      {"service", "print"}}));
      },
      [&](const caf::error& err) { ADD_FAILURE() << caf::to_string(err); });
  EXPECT_TRUE(answered);
}

// Why no request crosses processes at high priority (ARCHITECTURE, "Jobs"):
// CAF 0.17's BASP reads an incoming message's id with
// make_message_id(operation_data), whose default ORs in the normal
// category, so an urgent request arrives as a normal one and its answer
// comes back as the answer to a normal request, which the urgent
// requester does not wait for. Should CAF keep the category one day, this
// fails, and urgent requests across processes become usable.
TEST_F(remote, an_urgent_request_across_processes_loses_its_answer) {
  auto echo = sys->middleman().remote_actor("127.0.0.1", echo_port);
  ASSERT_TRUE(echo) << caf::to_string(echo.error());
  caf::scoped_actor self{*sys};
  auto ask = [&](auto priority) {
    std::string got;
    self
      ->request<decltype(priority)::value>(*echo, caf::duration{2s},
                                           std::string{"ping"})
      .receive([&](const std::string& x) { got = x; },
               [&](const caf::error& err) { got = caf::to_string(err); });
    return got;
  };
  using normal = std::integral_constant<caf::message_priority,
                                        caf::message_priority::normal>;
  using high = std::integral_constant<caf::message_priority,
                                      caf::message_priority::high>;
  EXPECT_EQ(ask(normal{}), "ping");
  EXPECT_EQ(ask(high{}), "system_error(request_timeout)");
}

} // namespace
