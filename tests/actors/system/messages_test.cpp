// Serialization round trips of every type in Tether's type-ID block
// (actors/system/interfaces.hpp), with CAF 0.17's binary serializer: each value
// on its own, and inside a caf::message (which is how it crosses a process
// boundary: by its registered name, so it needs tether::register_types).
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "actors/system/interfaces.hpp"
#include "tests/storage/record_checks.hpp"

namespace tether {
namespace {

using storage::expect_same;
using storage::sample_history;
using storage::sample_job;
using storage::sample_terminal;

// -- sample values (every field set, none at its default)
// ---------------------------

std::vector<node_status> sample_nodes() {
  return {node_status{.node_id = "C1-n1",
                      .state = "active",
                      .sessions = 12,
                      .cpu = 0.375,
                      .memory = 123'456'789,
                      .capacity = 2,
                      .weight = 3},
          node_status{.node_id = "C1-n2",
                      .state = "failed",
                      .sessions = 0,
                      .cpu = 0,
                      .memory = 1}};
}

cluster_status sample_cluster(const std::string& id) {
  return {.cluster_id = id,
          .labels = {{"region", {"GG1"}}, {"model", {"GJ1", "GJ2"}}},
          .state = "draining",
          .weight = 3,
          .balancers = {"ws://a", "ws://b"},
          .connections = 17,
          .assigned = 99,
          .nodes = sample_nodes(),
          .keepalive_s = 5,
          .keepalive_misses = 4,
          .max_sessions_per_node = 250};
}

terminal_status sample_terminal_status() {
  return {.record = sample_terminal(),
          .connected = true,
          .node_id = "C1-n2",
          .last_seen_ms = 1'763'897'008'999,
          .connects = 5,
          .disconnects = 4,
          .keepalive_failures = 3,
          .api = sample_history(),
          .open_jobs = 6,
          .label = {{{"region", "GG1"}, {"api_error_frequency", "high"}}},
          .service_connections = {{"print", "sA"}, {"scan", "sB"}}};
}

session_spec sample_spec(cluster_balancer_actor balancer) {
  return {.terminal_id = "T1",
          .cluster_id = "C1",
          .conn_id = 78,
          .balancer = std::move(balancer),
          .keepalive_ms = 1500,
          .keepalive_misses = 3,
          .redelivery_ms = 4500,
          .address = "10.1.2.3",
          .moved = true,
          .generation = 9,
          .connection_id = "C1-b1-mi2x3k-78",
          .service_key = {0x0123456789abcdefu, 0xfedcba9876543210u},
          .service_names = {"print", "scan"},
          .batched = true};
}

session_moved sample_moved(terminal_session_actor session) {
  return {.terminal_id = "T1",
          .node_id = "C1-n2",
          .session = std::move(session),
          .generation = 9,
          .service_key = {0x0123456789abcdefu, 0xfedcba9876543210u},
          .service_names = {"print", "scan"}};
}

balancer_info sample_info(cluster_balancer_actor handle) {
  return {.balancer_id = "C1-b1",
          .cluster_id = "C1",
          .url = "ws://127.0.0.1:9101/v1/connect",
          .handle = std::move(handle)};
}

/// Actors whose handles the round trips carry (a live handle, not only null).
struct handles {
  terminal_session_actor session;
  node_actor node;
  cluster_balancer_actor balancer;
  cluster_manager_actor manager;
  selector_actor selector;
  control_actor control;
  store_actor store;
  notifier_actor notifier;
  process_actor process;
  peers_actor peers;
};

caf::behavior idle() {
  return {[](int) {
  }};
}

class MessagesTest : public ::testing::Test {
protected:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    register_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  MessagesTest() : sys{init(cfg)} {
    // Untyped actors stand in for every role: only their handles matter.
    auto a = sys.spawn(idle);
    live.session = caf::actor_cast<terminal_session_actor>(a);
    live.node = caf::actor_cast<node_actor>(a);
    live.balancer = caf::actor_cast<cluster_balancer_actor>(a);
    live.manager = caf::actor_cast<cluster_manager_actor>(a);
    live.selector = caf::actor_cast<selector_actor>(a);
    live.control = caf::actor_cast<control_actor>(a);
    live.store = caf::actor_cast<store_actor>(a);
    live.notifier = caf::actor_cast<notifier_actor>(a);
    live.process = caf::actor_cast<process_actor>(a);
    live.peers = caf::actor_cast<peers_actor>(a);
    actor = a;
  }

  ~MessagesTest() override {
    live = handles{};
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    actor = nullptr;
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler()).run();
  }

  /// Serializes `x` and reads it back into a default-constructed T.
  template <class T>
  T roundtrip(T x) {
    caf::binary_serializer::container_type buf;
    caf::binary_serializer bs{sys, buf};
    auto e = bs(x);
    EXPECT_FALSE(e) << sys.render(e);
    EXPECT_FALSE(buf.empty());
    T y{};
    caf::binary_deserializer bd{sys, buf};
    e = bd(y);
    EXPECT_FALSE(e) << sys.render(e);
    EXPECT_EQ(bd.remaining(), 0u);
    return y;
  }

  /// The same inside a message, as it travels between processes: the
  /// receiving side finds the type by its registered name.
  template <class T>
  T message_roundtrip(const T& x) {
    auto msg = caf::make_message(x);
    caf::binary_serializer::container_type buf;
    caf::binary_serializer bs{sys, buf};
    auto e = bs(msg);
    EXPECT_FALSE(e) << sys.render(e);
    caf::message back;
    caf::binary_deserializer bd{sys, buf};
    e = bd(back);
    EXPECT_FALSE(e) << sys.render(e);
    if (!back.match_elements<T>()) {
      ADD_FAILURE() << "message does not hold the type back";
      return T{};
    }
    return back.get_as<T>(0);
  }

  template <class T>
  void check(const T& x) {
    SCOPED_TRACE(caf::type_name<T>::value);
    expect_same(roundtrip(x), x);
    expect_same(message_roundtrip(x), x);
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor actor;
  handles live;
};

// -- the block
// ------------------------------------------------------------------------

// expect_same (tests/storage/record_checks.hpp) finds a difference in any
// field, also inside a nested record and an element of a vector.
void differ_in_a_nested_field() {
  auto a = sample_terminal_status();
  auto b = a;
  b.record.services.push_back("fax");
  expect_same(a, b);
}

void differ_in_a_vector_element() {
  auto a = sample_cluster("C1");
  auto b = a;
  b.nodes.back().memory += 1;
  expect_same(a, b);
}

TEST(ExpectSame, FindsADifferenceInAnyField) {
  EXPECT_NONFATAL_FAILURE(differ_in_a_nested_field(),
                          "of tether::storage::terminal_record");
  EXPECT_NONFATAL_FAILURE(differ_in_a_vector_element(), "element 1");
  auto a = sample_terminal_status();
  auto b = a;
  expect_same(a, b);
}

TEST_F(MessagesTest, BlockHasTheTypesTestedHere) {
  // If this fails, a type was added to or removed from the block: give it a
  // field-by-field round trip below, then update the count.
  EXPECT_EQ(caf::id_block::tether::end - caf::id_block::tether::begin, 56)
    << "the type-ID block changed: add round trips for the new types";
  EXPECT_EQ(caf::id_block::tether::begin, caf::first_custom_type_id);
}

/// Every type of the block, default-constructed, inside a message: catches a
/// type that cannot be serialized or is not registered under its name.
template <caf::type_id_t... Is>
void every_block_type_crosses(caf::actor_system& sys,
                              std::integer_sequence<caf::type_id_t, Is...>) {
  auto one = [&sys](auto tag) {
    using T = typename caf::type_by_id<caf::id_block::tether::begin
                                       + decltype(tag)::value>::type;
    SCOPED_TRACE(caf::type_name<T>::value);
    auto msg = caf::make_message(T{});
    caf::binary_serializer::container_type buf;
    caf::binary_serializer bs{sys, buf};
    ASSERT_FALSE(bs(msg));
    caf::message back;
    caf::binary_deserializer bd{sys, buf};
    ASSERT_FALSE(bd(back));
    EXPECT_TRUE(back.match_elements<T>());
    EXPECT_EQ(caf::to_string(back), caf::to_string(msg));
  };
  (one(std::integral_constant<caf::type_id_t, Is>{}), ...);
}

TEST_F(MessagesTest, EveryBlockTypeCrossesTheWire) {
  every_block_type_crosses(
    sys, std::make_integer_sequence<caf::type_id_t,
                                    caf::id_block::tether::end
                                      - caf::id_block::tether::begin>{});
}

TEST_F(MessagesTest, TerminalRecord) {
  check(sample_terminal());
  check(terminal_record{});
}

TEST_F(MessagesTest, JobRecord) {
  check(sample_job());
  check(job_record{});
}

TEST_F(MessagesTest, DisconnectEvent) {
  check(disconnect_event{1'763'897'000'123, "T1", "192.0.2.7"});
  check(disconnect_event{});
  check(std::vector<disconnect_event>{{1, "T1", "::1"}, {2, "T2", ""}});
}

TEST_F(MessagesTest, CallRecords) {
  call_record r{"T1", 1'763'897'000'123, 7,       "disconnect",
                "J1", "keepalive_lost",  "C1-n1", "192.0.2.7"};
  check(r);
  check(call_record{});
  check(std::vector<call_record>{r, call_record{}});
  check(call_page{{r}, "1763897000123.7"});
  check(call_page{});
}

TEST_F(MessagesTest, QualityClass) {
  quality_class c{"ge-1767225600", "disconnect",      120,
                  {"T1", "T2"},    1'767'225'600'000, 1'769'817'600'000};
  check(c);
  check(quality_class{});
  check(std::vector<quality_class>{c, quality_class{}});
}

TEST_F(MessagesTest, BulkOutcome) {
  bulk_outcome accepted;
  accepted.job.job_id = "J1";
  accepted.job.terminal_id = "T1";
  accepted.job.payload_json = R"({"doc":"x"})";
  bulk_outcome refused;
  refused.job.terminal_id = "T9";
  refused.error_code = 2;
  refused.error = "terminal T9 is not registered";
  check(accepted);
  check(refused);
  check(std::vector<bulk_outcome>{accepted, refused, bulk_outcome{}});
}

TEST_F(MessagesTest, ApiKeyRecord) {
  check(api_key_record{
    "k1", "billing", {"jobs:write", "jobs:read"}, 17, std::string(64, 'f')});
  check(api_key_record{});
  check(std::vector<api_key_record>{{"admin", "a", {"admin"}, 1, "x"}, {}});
}

TEST_F(MessagesTest, ApiHistory) {
  check(sample_history());
  check(api_history{});
  check(std::vector<api_history>{sample_history(), api_history{}});
}

TEST_F(MessagesTest, StringMap) {
  check(
    std::map<std::string, std::string>{{"plan", "paid"}, {"service", "print"}});
}

TEST_F(MessagesTest, AssignedLabel) {
  check(assigned_label{
    {{"region", "GG1"}, {"model", "GJ1"}, {"service", "print"}}});
  check(assigned_label{});
}

TEST_F(MessagesTest, Destination) {
  check(destination{.terminal_id = "T1",
                    .cluster_id = "C1",
                    .cluster_urls = {"ws://127.0.0.1:9101/v1/connect",
                                     "ws://127.0.0.1:9111/v1/connect"},
                    .token = "token",
                    .keepalive_s = 30,
                    .token_generation = 2,
                    .created = true});
}

TEST_F(MessagesTest, RevocationList) {
  check(revocation_list{7, {"T1", "T2"}, {1, 4}});
  check(revocation_list{});
  check(admission{"C1", {"plan=free"}, "cluster C1 is at its cap"});
  check(admission{"C1", {}, {}, {"print", "scan"}});
  check(admission{});
}

TEST_F(MessagesTest, MetricSeries) {
  metric_set m;
  m.add("tether_connects_total", {{"balancer", "C1-b1"}}, 3);
  m.observe("tether_connect_duration_seconds", {{"balancer", "C1-b1"}}, 0.02);
  auto series = m.series({{"cluster", "C1"}});
  ASSERT_EQ(series.size(), 2u);
  check(series[0]);
  check(series[1]);
  check(series);
  check(metric_series{});
}

TEST_F(MessagesTest, JobUpdate) {
  check(job_update{.job_id = "J1",
                   .terminal_id = "T1",
                   .status = "done",
                   .detail = "printed 2 copies"});
}

TEST_F(MessagesTest, NodeStatus) {
  check(sample_nodes()[0]);
}

TEST_F(MessagesTest, BalancerStatus) {
  check(balancer_status{.balancer_id = "C1-b1",
                        .cluster_id = "C1",
                        .url = "ws://127.0.0.1:9101/v1/connect",
                        .connections = 42,
                        .nodes = sample_nodes(),
                        .ws_connections = 3,
                        .tiers = {{"*", 42}, {"plan=free", 5}}});
}

TEST_F(MessagesTest, ClusterStatus) {
  check(sample_cluster("C1"));
  // As the manager answers it.
  auto v = std::vector<cluster_status>{cluster_status{.cluster_id = "C0"},
                                       sample_cluster("C2")};
  auto back = roundtrip(v);
  ASSERT_EQ(back.size(), 2u);
  expect_same(back[0], v[0]);
  expect_same(back[1], v[1]);
}

TEST_F(MessagesTest, AdminMessages) {
  check(cluster_settings{"C2", {{"region", {"GG2", "GG3"}}}, "draining", 0});
  check(cluster_settings{});
  check(cluster_change{"C3", true, {{"model", {"GJ1"}}}, "active", 5});
  check(cluster_change{"C3", true, {{"model", {"*"}}}, "", -1, {"model"}});
  check(cluster_change{});
  check(node_change{"C1-n1", "", 4, -1});
  check(node_change{});
  check(realloc_plan{"C1",
                     {"T1", "T2"},
                     {assigned_label{{{"region", "GG1"}}}, assigned_label{}}});
  check(realloc_plan{});
  check(realloc_summary{100, 7, 5, 12});
}

TEST_F(MessagesTest, TerminalStatus) {
  check(sample_terminal_status());
  // the operator list of GET /v1/terminals
  check(std::vector<terminal_status>{sample_terminal_status(), {}});
  check(std::vector<terminal_status>{});
}

TEST_F(MessagesTest, HttpRequest) {
  check(http_request{.method = "POST",
                     .target = "/v1/terminals/T1/jobs?x=1",
                     .body = R"({"service":"print"})",
                     .peer = "127.0.0.1:50000",
                     .authorization = "Bearer tk_0123",
                     .certificate = "T1",
                     .last_event_id = "a1b2c3d4-17"});
}

TEST_F(MessagesTest, HttpResponse) {
  check(http_response{.status = 503,
                      .body = R"({"error":{}})",
                      .headers = {{"Retry-After", "2"}, {"X-A", "b"}},
                      .content_type = "text/plain"});
}

TEST_F(MessagesTest, SessionSpecWithNullAndLiveBalancer) {
  check(sample_spec(cluster_balancer_actor{}));
  check(sample_spec(live.balancer));
  // The live handle comes back as the same actor.
  auto back = roundtrip(sample_spec(live.balancer));
  EXPECT_TRUE(back.balancer);
  EXPECT_EQ(back.balancer.id(), live.balancer.id());
}

TEST_F(MessagesTest, SessionSpecsAndSessionsOfABatch) {
  check(std::vector<session_spec>{sample_spec(live.balancer),
                                  sample_spec(cluster_balancer_actor{})});
  check(std::vector<terminal_session_actor>{live.session, {}});
  auto back = roundtrip(std::vector<terminal_session_actor>{live.session});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].id(), live.session.id());
}

TEST_F(MessagesTest, MovedSessionsOneAndABatch) {
  check(sample_moved(live.session));
  check(sample_moved(terminal_session_actor{}));
  check(
    std::vector<session_moved>{sample_moved(live.session), sample_moved({})});
  auto back = roundtrip(sample_moved(live.session));
  EXPECT_EQ(back.session.id(), live.session.id());
}

TEST_F(MessagesTest, BalancerInfoWithNullAndLiveHandle) {
  check(sample_info(cluster_balancer_actor{}));
  check(sample_info(live.balancer));
}

TEST_F(MessagesTest, Handles) {
  check(terminal_session_actor{});
  check(node_actor{});
  check(cluster_balancer_actor{});
  check(cluster_manager_actor{});
  check(selector_actor{});
  check(control_actor{});
  check(store_actor{});
  check(notifier_actor{});
  check(process_actor{});
  check(peers_actor{});
  check(live.process);
  check(live.peers);
  check(live.session);
  check(live.node);
  check(live.balancer);
  check(live.manager);
  check(live.selector);
  check(live.control);
  check(live.store);
  check(live.notifier);
}

TEST_F(MessagesTest, PeerStatusAndDirectory) {
  peer_status ps{.process = "C1-n1",
                 .address = "10.0.0.2:17013",
                 .reachable = true,
                 .since_ms = 1795449038321,
                 .connects = 3,
                 .last_error = "connection lost"};
  check(ps);
  check(peer_status{});
  check(std::vector<peer_status>{ps, peer_status{}});
  check(peer_directory{});
  check(peer_directory{.process = "C1-n1",
                       .control = live.control,
                       .manager = live.manager,
                       .nodes = {{"C1-n1", live.node}, {"C1-n2", node_actor{}}},
                       .balancers = {{"C1-b1", live.balancer}}});
}

TEST_F(MessagesTest, VectorsOfRecordsAndStatuses) {
  // Not plain message structs, but message elements of their own (the store's
  // batch put, the status answers): they need their own registration.
  check(std::vector<job_record>{sample_job(), job_record{}});
  check(std::vector<job_record>{});
  check(std::vector<cluster_status>{cluster_status{.cluster_id = "C0"},
                                    sample_cluster("C2")});
}

/// Serializes a whole message and reads it back, as the middleman does.
caf::message wire(caf::actor_system& sys, caf::message msg) {
  caf::binary_serializer::container_type buf;
  caf::binary_serializer bs{sys, buf};
  if (auto e = bs(msg)) {
    ADD_FAILURE() << "cannot serialize " << caf::to_string(msg) << ": "
                  << sys.render(e);
    return {};
  }
  caf::message back;
  caf::binary_deserializer bd{sys, buf};
  if (auto e = bd(back)) {
    ADD_FAILURE() << "cannot deserialize " << caf::to_string(msg) << ": "
                  << sys.render(e);
    return {};
  }
  return back;
}

TEST_F(MessagesTest, EveryInterfaceMessageCrossesTheWire) {
  // One message per request and per answer of every typed interface, except
  // the two that carry in-process socket bridges (admit with a ws_link,
  // http_request with a responder), which never leave their process.
  auto job = sample_job();
  auto rec = sample_terminal();
  auto label = assigned_label{{{"region", "GG1"}}};
  auto dest = destination{.terminal_id = "T1",
                          .cluster_id = "C1",
                          .cluster_urls = {"ws://a"},
                          .keepalive_s = 30};
  auto clusters = std::vector<cluster_status>{sample_cluster("C1")};
  auto spec = sample_spec(live.balancer);
  std::vector<caf::message> msgs{
    // terminal_session_actor
    caf::make_message(frame_atom::value, std::string{"{}"}),
    caf::make_message(deliver_atom::value, job),
    caf::make_message(closed_atom::value, std::string{"bye"}),
    caf::make_message(tick_atom::value, uint64_t{3}),
    // node_actor
    caf::make_message(spawn_atom::value, spec),
    caf::make_message(live.session),
    caf::make_message(spawn_atom::value, std::vector<session_spec>{spec, spec}),
    caf::make_message(
      std::vector<terminal_session_actor>{live.session, live.session}),
    caf::make_message(status_atom::value),
    caf::make_message(sample_nodes()[0]),
    // cluster_balancer_actor
    caf::make_message(open_atom::value, uint64_t{1}),
    caf::make_message(frame_atom::value, uint64_t{1}, std::string{"{}"}),
    caf::make_message(closed_atom::value, uint64_t{1}),
    caf::make_message(to_dev_atom::value, uint64_t{1}, std::string{"{}"}),
    caf::make_message(close_atom::value, uint64_t{1}, uint16_t{4000},
                      std::string{"x"}),
    caf::make_message(true),
    caf::make_message(
      balancer_status{.balancer_id = "b", .nodes = sample_nodes()}),
    caf::make_message(tick_atom::value),
    caf::make_message(spawn_atom::value),
    // cluster_manager_actor
    caf::make_message(assign_atom::value, rec, label),
    caf::make_message(dest),
    caf::make_message(dest_atom::value, std::string{"T1"}),
    caf::make_message(lookup_atom::value, std::string{"T1"}),
    caf::make_message(std::string{"C1"}),
    caf::make_message(clusters),
    caf::make_message(join_atom::value, sample_info(live.balancer)),
    caf::make_message(
      put_atom::value,
      cluster_change{"C3", true, {{"region", {"GG1"}}}, "draining", 2}),
    caf::make_message(admit_atom::value, label_atom::value,
                      std::vector<std::string>{"region", "model"}),
    caf::make_message(put_atom::value, node_atom::value, std::string{"C1-n1"},
                      std::string{"draining"}),
    caf::make_message(put_atom::value, node_change{"C1-n1", "draining", 3, 2}),
    caf::make_message(put_atom::value, node_atom::value, std::string{"C1-n1"},
                      uint32_t{3}, uint32_t{2}),
    caf::make_message(retire_atom::value,
                      std::vector<disconnect_event>{{1000, "T1", "10.0.0.1"}}),
    caf::make_message(realloc_atom::value, realloc_plan{"C1", {"T1"}, {label}}),
    caf::make_message(std::vector<std::string>{"T1"}),
    caf::make_message(move_atom::value, rec, label, uint32_t{250}),
    caf::make_message(reassign_atom::value, std::string{"T1"}, uint32_t{250}),
    // selector / control / store: admin
    caf::make_message(put_atom::value, label_atom::value,
                      std::vector<std::string>{"region"}),
    caf::make_message(realloc_atom::value, std::string{"C1"},
                      std::vector<std::string>{"T1"}),
    caf::make_message(realloc_summary{3, 2, 1, 1}),
    caf::make_message(realloc_atom::value, tick_atom::value),
    caf::make_message(put_atom::value, cluster_settings{"C1", {}, "active", 1}),
    // selector_actor
    caf::make_message(select_atom::value, rec),
    caf::make_message(label),
    caf::make_message(get_atom::value, label_atom::value),
    caf::make_message(std::vector<std::string>{"region", "model"}),
    // control_actor
    caf::make_message(register_atom::value, rec),
    caf::make_message(get_atom::value, terminal_atom::value, std::string{"T1"}),
    caf::make_message(sample_terminal_status()),
    caf::make_message(push_atom::value, job),
    caf::make_message(job),
    caf::make_message(get_atom::value, job_atom::value, std::string{"J1"}),
    caf::make_message(
      job_update{.job_id = "J1", .terminal_id = "T1", .status = "acked"}),
    caf::make_message(open_atom::value, std::string{"T1"}, std::string{"n"},
                      live.session, std::string{"10.0.0.9"}, uint64_t{7}),
    caf::make_message(closed_atom::value, std::string{"T1"}, std::string{"r"},
                      live.session),
    caf::make_message(move_atom::value, sample_moved(live.session)),
    caf::make_message(move_atom::value,
                      std::vector<session_moved>{sample_moved(live.session)}),
    // store_actor
    caf::make_message(put_atom::value, rec),
    caf::make_message(ok_atom::value),
    caf::make_message(put_atom::value, std::vector<job_record>{job},
                      uint64_t{8}),
    caf::make_message(put_atom::value,
                      std::vector<api_history>{sample_history()}),
    caf::make_message(put_atom::value,
                      std::vector<disconnect_event>{{5, "T1", "10.0.0.9"}},
                      int64_t{3}),
    caf::make_message(flush_atom::value),
    // control_actor: service facts, API history, callbacks, timer
    caf::make_message(put_atom::value, attrs_atom::value, std::string{"T1"},
                      std::map<std::string, std::string>{{"plan", "paid"}}),
    caf::make_message(put_atom::value, user_atom::value, std::string{"U1"},
                      std::string{"T1"}),
    caf::make_message(callback_atom::value, std::string{"J1"}, uint32_t{3},
                      false),
    // notifier_actor
    caf::make_message(callback_atom::value, job),
    caf::make_message(callback_atom::value, std::string{"J1"}, uint32_t{2},
                      true, std::string{"HTTP 200"}),
    caf::make_message(tick_atom::value, std::string{"J1"}),
    // peers: directories, peer status, joins, retries
    caf::make_message(get_atom::value, peer_atom::value),
    caf::make_message(peer_directory{
      .process = "p", .control = live.control, .nodes = {{"n", live.node}}}),
    caf::make_message(peer_atom::value, peer_directory{.process = "p"}),
    caf::make_message(std::vector<peer_status>{peer_status{.process = "p"}}),
    caf::make_message(join_atom::value, caf::actor{actor}),
    caf::make_message(tick_atom::value, std::string{"C1-n1"}),
    // http_gateway (the request without its responder)
    caf::make_message(
      http_request{.method = "GET", .target = "/healthz", .peer = "peer"}),
    caf::make_message(http_response{.status = 200, .body = "{}"}),
  };
  for (const auto& msg : msgs) {
    auto text = caf::to_string(msg);
    SCOPED_TRACE(text);
    auto back = wire(sys, msg);
    EXPECT_EQ(back.size(), msg.size());
    EXPECT_EQ(back.type_token(), msg.type_token());
    EXPECT_EQ(caf::to_string(back), text);
  }
  // A typed check of one of them.
  auto back
    = wire(sys, caf::make_message(put_atom::value, std::vector<job_record>{job},
                                  uint64_t{8}));
  ASSERT_TRUE(
    (back.match_elements<put_atom, std::vector<job_record>, uint64_t>()));
  EXPECT_EQ(back.get_as<uint64_t>(2), 8u);
  ASSERT_EQ(back.get_as<std::vector<job_record>>(1).size(), 1u);
  expect_same(back.get_as<std::vector<job_record>>(1)[0], job);
}

TEST(MessagesRegistration, WithoutRegisterTypesAMessageIsLost) {
  // Shows that the message round trips above depend on the registration: a
  // process that forgot register_types reads the bytes without complaint
  // (CAF 0.17) but gets an empty message, which no handler matches.
  caf::actor_system_config with_cfg;
  register_types(with_cfg);
  with_cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system with{with_cfg};
  caf::binary_serializer::container_type buf;
  caf::binary_serializer bs{with, buf};
  auto msg = caf::make_message(sample_terminal());
  ASSERT_FALSE(bs(msg));
  caf::actor_system_config without_cfg;
  without_cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system without{without_cfg};
  caf::message back;
  caf::binary_deserializer bd{without, buf};
  bd(back);
  EXPECT_FALSE(back.match_elements<terminal_record>());
  // The same bytes in a process that registered the types: the record.
  caf::message good;
  caf::binary_deserializer bd2{with, buf};
  ASSERT_FALSE(bd2(good));
  ASSERT_TRUE(good.match_elements<terminal_record>());
  expect_same(good.get_as<terminal_record>(0), sample_terminal());
}

} // namespace
} // namespace tether
