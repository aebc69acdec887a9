// The shipped multiprocess.toml, each process its own OS process (control,
// and per cluster two balancer and two node processes), plus a second
// gateway process. 200 simulated devices (100 per cluster) stay connected
// while processes are killed (-9) and frozen (SIGSTOP); every job pushed is
// done. Recovery times are printed as "[measure] ..." lines
// (examples/bench/recovery.sh collects them over several runs).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <regex>
#include <tuple>

#include "tests/e2e/event_reader.hpp"
#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr int fleet_size = 100; // per cluster

/// The shipped file with a short keepalive (so keepalives run through every
/// failure) and a second gateway process, which answers 503 while the
/// control process is down; rebalancing between nodes on (the default) or
/// off.
std::string test_file(bool rebalance = true) {
  auto text = multiprocess_test_topology("keepalive = \"2s\"");
  if (!rebalance)
    text = "[reallocation]\nrebalance_ratio = 0\n" + text;
  return text;
}

long ms_since(steady::time_point t0) {
  return static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0)
      .count());
}

void measure(const std::string& what, long ms) {
  std::printf("[measure] %s: %ld ms\n", what.c_str(), ms);
  std::fflush(stdout);
  ::testing::Test::RecordProperty(what, std::to_string(ms));
}

/// One simulator process with `fleet_size` devices of one region.
class fleet {
public:
  fleet(multiprocess_deployment& d, const std::string& prefix,
        const std::string& region, int count = fleet_size)
      : stats_(d.dir() + "/" + prefix + ".json"),
        log_(d.dir() + "/" + prefix + ".log") {
    proc_ = simulator(d.http(),
                      {"--data", d.dir() + "/data-control", "--count",
                       std::to_string(count), "--id-prefix", prefix, "--region",
                       region, "--backoff-min-ms", "100", "--backoff-max-ms",
                       "1000", "--duration-s", "170", "--stats-json", stats_,
                       "--stats-interval-s", "1"},
                      log_);
  }
  /// The counters of its latest stats line (one a second), once a line
  /// newer than the latest one now has been written, so they include
  /// everything up to now. (The final counters at exit would count the
  /// devices' own shutdown as disconnects.)
  std::map<std::string, int64_t> counters() {
    auto seen = latest_stats();
    std::string line;
    eventually(
      [&] {
        line = latest_stats();
        return !line.empty() && line != seen;
      },
      10s);
    std::map<std::string, int64_t> out;
    std::regex kv{R"((\w+)=(-?\d+))"};
    for (auto i = std::sregex_iterator(line.begin(), line.end(), kv);
         i != std::sregex_iterator(); ++i)
      out[(*i)[1].str()] = std::stoll((*i)[2].str());
    return out;
  }
  std::string log() const { return read_file(log_); }

private:
  /// The latest complete stats line ("stats t=..."), or "".
  std::string latest_stats() const {
    auto text = log();
    auto end = text.rfind('\n');
    if (end == std::string::npos)
      return {};
    auto at = text.rfind("stats t=", end);
    if (at == std::string::npos)
      return {};
    return text.substr(at, text.find('\n', at) - at);
  }

  std::string stats_, log_;
  std::unique_ptr<child_process> proc_;
};

int64_t counter(const std::map<std::string, int64_t>& stats, const char* name) {
  auto i = stats.find(name);
  return i == stats.end() ? -1 : i->second;
}

std::string dump(const std::map<std::string, int64_t>& stats) {
  std::string out;
  for (const auto& [k, v] : stats)
    out += k + "=" + std::to_string(v) + " ";
  return out;
}

/// GET /v1/admin/clusters, or null.
boost::json::value clusters(const std::string& http) {
  return json_of(http_call(http, "GET", "/v1/admin/clusters", {}, 2s).body);
}

const boost::json::value* cluster(const boost::json::value& cs,
                                  const std::string& id) {
  if (!cs.is_object())
    return nullptr;
  for (auto& c : cs.at("clusters").as_array())
    if (str_at(c, "cluster_id") == id)
      return &c;
  return nullptr;
}

int connections(const std::string& http, const std::string& id) {
  auto cs = clusters(http);
  auto* c = cluster(cs, id);
  return c ? c->at("connections").to_number<int>() : -1;
}

/// A node's state and sessions as the cluster reports them.
std::pair<std::string, int> node(const std::string& http,
                                 const std::string& cluster_id,
                                 const std::string& node_id) {
  auto cs = clusters(http);
  if (auto* c = cluster(cs, cluster_id))
    for (auto& n : c->at("nodes").as_array())
      if (str_at(n, "node_id") == node_id)
        return {str_at(n, "state"), n.at("sessions").to_number<int>()};
  return {"", -1};
}

bool all_connected(const std::string& http) {
  return connections(http, "C1") == fleet_size
      && connections(http, "C2") == fleet_size;
}

std::vector<std::string> push_all(const std::string& http,
                                  const std::string& prefix,
                                  int count = fleet_size) {
  return push_one_job_each(http, prefix, count);
}

/// Waits until every job is done; returns the ones that are not.
std::vector<std::string> not_done(const std::string& http,
                                  std::vector<std::string> ids,
                                  std::chrono::milliseconds timeout) {
  eventually(
    [&] {
      std::vector<std::string> left;
      for (auto& id : ids) {
        auto v = json_of(http_call(http, "GET", "/v1/jobs/" + id, {}, 2s).body);
        if (str_at(v, "status") != "done")
          left.push_back(id);
      }
      ids = std::move(left);
      return ids.empty();
    },
    timeout);
  return ids;
}

/// The process of the balancer a device of `terminal` tries first.
std::string first_balancer(const multiprocess_deployment& d,
                           const std::string& terminal) {
  auto v
    = json_of(destination_of(
                d.http(), enrollment_key(d.dir() + "/data-control"), terminal)
                .body);
  auto url = std::string{v.at("cluster_urls").as_array().at(0).as_string()};
  std::smatch m;
  std::regex_search(url, m, std::regex{R"(:(\d+)/)"});
  const auto& text = d.topology_text();
  std::smatch b;
  std::regex re{"id = \"([^\"]+)\"\\s+listen = \"127\\.0\\.0\\.1:" + m[1].str()
                + "\""};
  std::regex_search(text, b, re);
  return b[1].str(); // balancer id = its process's name in the file
}

class multiprocess : public ::testing::Test {
protected:
  void SetUp() override {
    d = std::make_unique<multiprocess_deployment>(test_file(rebalance));
  }
  /// Starts the deployment (in `order`) and both fleets; waits until all
  /// 200 devices are connected.
  void start(std::vector<std::string> order = {}) {
    // The first attempt starts the deployment SetUp made (a test may have
    // read its names); a failed start goes again on new ports.
    auto made = std::move(d);
    d = started_retrying(
      [&] {
        return made ? std::move(made)
                    : std::make_unique<multiprocess_deployment>(
                      test_file(rebalance));
      },
      [&](multiprocess_deployment& x) { x.start(order); });
    a = std::make_unique<fleet>(*d, "A", "GG1");
    b = std::make_unique<fleet>(*d, "B", "GG2");
    ASSERT_TRUE(eventually([&] { return all_connected(d->http()); }, 30s))
      << a->log() << d->logs();
  }
  std::unique_ptr<multiprocess_deployment> d;
  std::unique_ptr<fleet> a, b;
  bool rebalance = true;
};

/// The same with rebalancing between nodes off (a test that follows where
/// sessions stay).
class multiprocess_fixed : public multiprocess {
protected:
  void SetUp() override {
    rebalance = false;
    multiprocess::SetUp();
  }
};

TEST_F(multiprocess, any_start_order_connects_every_peer) {
  // Nodes and balancers first, the control process last: they retry.
  auto order = d->names();
  std::reverse(order.begin(), order.end());
  start(order);
  auto h = json_of(http_call(d->http(), "GET", "/healthz").body);
  ASSERT_TRUE(h.is_object()) << d->logs();
  EXPECT_EQ(str_at(h, "process"), "control");
  EXPECT_EQ(h.at("peers").as_array().size(), 9u); // every other process
  for (auto& p : h.at("peers").as_array())
    EXPECT_TRUE(p.at("reachable").as_bool()) << str_at(p, "process");
  // Both nodes of each cluster host sessions (fewest-sessions choice).
  // (Session counts reach the admin view with the nodes' periodic reports.)
  EXPECT_TRUE(eventually(
    [&] {
      for (auto n : {"C1-n1", "C1-n2", "C2-n1", "C2-n2"}) {
        auto [state, sessions] = node(d->http(), n[1] == '1' ? "C1" : "C2", n);
        if (state != "active" || sessions == 0)
          return false;
      }
      return true;
    },
    10s))
    << boost::json::serialize(clusters(d->http()));
  auto ids = push_all(d->http(), "A");
  // The other gateway, started before the control, answers 503 until its
  // retry reaches the control process (its /healthz says when).
  ASSERT_TRUE(eventually(
    [&] {
      return http_call(d->http("gateway-2"), "GET", "/healthz").status == 200;
    },
    10s))
    << d->logs();
  auto more = push_all(d->http("gateway-2"), "B");
  ids.insert(ids.end(), more.begin(), more.end());
  // A bulk push crosses processes too: the cluster manager (in the control
  // process) sends each balancer process one message for its devices.
  std::string body = R"({"jobs":[)";
  for (int i = 0; i < 10; ++i)
    body += (i ? "," : "") + std::string{R"({"terminal_id":")"}
          + (i % 2 ? "A" : "B") + std::to_string(i)
          + R"(","service":"print","payload":{"bulk":)" + std::to_string(i)
          + "}}";
  auto r = http_call(d->http(), "POST", "/v1/jobs/bulk", body + "]}", 30s);
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = json_of(r.body).at("results").as_array();
  ASSERT_EQ(results.size(), 10u) << r.body;
  for (auto& item : results) {
    EXPECT_EQ(item.at("status").to_number<int>(), 202) << r.body;
    ids.push_back(str_at(item, "job_id"));
  }
  EXPECT_TRUE(not_done(d->http(), ids, 30s).empty()) << d->logs();
}

TEST_F(multiprocess, node_killed_sessions_move_without_dropping_devices) {
  start();
  // Jobs in flight while the node dies: half of them are on its sessions.
  auto ids = push_all(d->http(), "A");
  auto t0 = steady::now();
  d->kill9("C1-n1");
  ASSERT_TRUE(eventually(
    [&] {
      return node(d->http(), "C1", "C1-n2").second == fleet_size
          && node(d->http(), "C1", "C1-n1").first == "failed";
    },
    20s))
    << d->logs();
  measure("node kill -9: all sessions re-homed", ms_since(t0));
  // The dead node's load is not known: null, not the last figures heard.
  auto nodes
    = json_of(http_call(d->http(), "GET", "/v1/admin/nodes", {}, 2s).body);
  bool listed = false;
  for (auto& n : nodes.at("nodes").as_array())
    if (str_at(n, "node_id") == "C1-n1") {
      listed = true;
      EXPECT_EQ(str_at(n, "state"), "down") << n;
      EXPECT_TRUE(n.at("cpu").is_null() && n.at("memory").is_null()) << n;
    }
  EXPECT_TRUE(listed) << nodes;
  // Each balancer that had sessions there says once where they went
  // (rehome_tally), within a status period or two of the last one.
  std::regex line{R"(node C1-n1 down: (\d+) sessions? re-homed: C1-n2 (\d+))"};
  auto rehomed = [&] {
    int sum = 0;
    for (const char* b : {"C1-b1", "C1-b2"}) {
      auto text = d->log(b);
      std::smatch m;
      if (std::regex_search(text, m, line) && m[1] == m[2]) {
        sum += std::stoi(m[1]);
        std::cout << "[log] " << b << ": " << m[0] << "\n";
      }
    }
    return sum;
  };
  EXPECT_TRUE(eventually([&] { return rehomed() > 0; }, 10s)) << d->logs();
  auto after = push_all(d->http(), "A");
  ids.insert(ids.end(), after.begin(), after.end());
  auto left = not_done(d->http(), ids, 30s);
  EXPECT_TRUE(left.empty()) << left.size() << " jobs not done, e.g. "
                            << (left.empty() ? "" : left[0]) << d->logs();
  measure("node kill -9: every job done", ms_since(t0));
  // The node process restarts and rejoins without restarting the others.
  auto t1 = steady::now();
  d->start_process("C1-n1");
  ASSERT_TRUE(eventually(
    [&] { return node(d->http(), "C1", "C1-n1").first == "active"; }, 20s))
    << d->logs();
  measure("node restart: rejoined", ms_since(t1));
  // The cluster evens out again: idle sessions move to the returned node
  // (rebalancing, [reallocation] rebalance_ratio 2 here), the devices
  // keeping their sockets.
  ASSERT_TRUE(eventually(
    [&] {
      auto n1 = node(d->http(), "C1", "C1-n1").second;
      auto n2 = node(d->http(), "C1", "C1-n2").second;
      return n1 + n2 == fleet_size && std::abs(n1 - n2) <= 2;
    },
    30s))
    << "C1-n1 has " << node(d->http(), "C1", "C1-n1").second
    << " sessions, C1-n2 " << node(d->http(), "C1", "C1-n2").second << "\n"
    << d->logs();
  measure("node restart: cluster balanced again", ms_since(t1));
  // The moved devices are served where they are now.
  auto again = push_all(d->http(), "A");
  EXPECT_TRUE(not_done(d->http(), again, 30s).empty()) << d->logs();
  // No device of either cluster lost its WebSocket.
  auto sa = a->counters(), sb = b->counters();
  EXPECT_EQ(counter(sa, "disconnects"), 0) << dump(sa);
  EXPECT_EQ(counter(sa, "reconnects"), 0) << dump(sa);
  EXPECT_EQ(counter(sb, "disconnects"), 0) << dump(sb);
  EXPECT_EQ(counter(sa, "done"), 3 * fleet_size) << dump(sa);
  // Their histories agree: a moved session is no new connect. And the
  // control knows each one's connection ids again (a re-homing batch's
  // sessions are announced by their node, key included).
  for (int i = 0; i < fleet_size; ++i) {
    auto t = json_of(
      http_call(d->http(), "GET", "/v1/terminals/A" + std::to_string(i)).body);
    EXPECT_EQ(t.at("connects").to_number<int>(), 1) << t;
    const auto* ids = t.as_object().if_contains("service_connections");
    EXPECT_TRUE(ids && ids->is_object() && ids->as_object().contains("print"))
      << t;
  }
}

TEST_F(multiprocess_fixed, node_frozen_is_detected_and_its_sessions_move) {
  start();
  // Every session started (the nodes report them): start() returns when
  // every device is connected, some sessions may still be starting then,
  // and a session asked of a node that freezes before it answers is not
  // started (the balancer closes its socket with 1011 after the request
  // timeout, as documented): the devices would notice, by design.
  ASSERT_TRUE(eventually(
    [&] {
      return node(d->http(), "C1", "C1-n1").second
             + node(d->http(), "C1", "C1-n2").second
          == fleet_size;
    },
    20s))
    << d->logs();
  auto t0 = steady::now();
  d->freeze("C1-n2");
  ASSERT_TRUE(eventually(
    [&] {
      return node(d->http(), "C1", "C1-n1").second == fleet_size
          && node(d->http(), "C1", "C1-n2").first == "failed";
    },
    20s))
    << d->logs();
  auto moved = ms_since(t0);
  measure("node SIGSTOP: detected and sessions re-homed", moved);
  // failure_timeout is 3 s: detection takes about that long, never forever.
  EXPECT_GE(moved, 1000);
  auto ids = push_all(d->http(), "A");
  EXPECT_TRUE(not_done(d->http(), ids, 30s).empty()) << d->logs();
  // Thawed, the same process is taken back (its handles are new proxies).
  auto t1 = steady::now();
  d->thaw("C1-n2");
  ASSERT_TRUE(eventually(
    [&] { return node(d->http(), "C1", "C1-n2").first == "active"; }, 20s))
    << d->logs();
  measure("node SIGCONT: rejoined", ms_since(t1));
  // The thawed node's stale sessions ended; the devices never noticed.
  auto sa = a->counters();
  EXPECT_EQ(counter(sa, "disconnects"), 0) << dump(sa) << "\n"
                                           << a->log() << d->logs();
  EXPECT_EQ(counter(sa, "done"), fleet_size) << dump(sa);
  auto t = json_of(http_call(d->http(), "GET", "/v1/terminals/A0").body);
  EXPECT_EQ(str_at(t, "node_id"), "C1-n1") << t;
}

TEST_F(multiprocess_fixed, session_that_cannot_start_closes_1011) {
  start();
  // Both nodes of C1 frozen, not yet taken as failed (failure_timeout 3 s):
  // a device that connects now is admitted, its session is asked of a node
  // that never answers, and the balancer closes the socket with 1011 (API
  // docs: "the session could not start"), not 1013 (no node at all).
  // (A terminal of its own: the simulator's A0 would take its connection
  // back, closing this one with 4001.)
  auto key = enrollment_key(d->dir() + "/data-control");
  auto r = device_call(d->http(), key, "Z1", "POST", "/v1/terminals/register",
                       R"({"terminal_id":"Z1","region":"GG1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = json_of(destination_of(d->http(), key, "Z1").body);
  ASSERT_TRUE(v.is_object()) << d->logs();
  ASSERT_EQ(str_at(v, "cluster_id"), "C1") << v;
  auto url = std::string{v.at("cluster_urls").as_array().at(0).as_string()}
           + "?terminal_id=Z1&token=" + str_at(v, "token");
  d->freeze("C1-n1");
  d->freeze("C1-n2");
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(url, status, error);
  ASSERT_TRUE(ws) << status << " " << error;
  ASSERT_TRUE(ws->wait_closed(20s)) << d->logs();
  EXPECT_EQ(ws->close_code(), 1011) << ws->close_reason();
  EXPECT_EQ(ws->close_reason(), "could not start a session");
  // Thawed, the nodes are taken back and the device is served again.
  d->thaw("C1-n1");
  d->thaw("C1-n2");
  ASSERT_TRUE(eventually(
    [&] {
      return node(d->http(), "C1", "C1-n1").first == "active"
          && node(d->http(), "C1", "C1-n2").first == "active";
    },
    30s))
    << d->logs();
  EXPECT_TRUE(not_done(d->http(), push_all(d->http(), "A", 1), 30s).empty())
    << d->logs();
}

TEST_F(multiprocess, balancer_killed_devices_reconnect_to_the_other_one) {
  start();
  auto victim = first_balancer(*d, "A0");
  ASSERT_FALSE(victim.empty());
  // Jobs pushed right up to the kill (the last ones still in flight), and
  // jobs pushed while the devices reconnect: all reach them.
  auto ids = push_all(d->http(), "A");
  auto t0 = steady::now();
  d->kill9(victim);
  auto after = push_all(d->http(), "A");
  ids.insert(ids.end(), after.begin(), after.end());
  ASSERT_TRUE(
    eventually([&] { return connections(d->http(), "C1") == fleet_size; }, 30s))
    << a->log() << d->logs();
  measure("balancer kill -9: all devices reconnected", ms_since(t0));
  auto left = not_done(d->http(), ids, 30s);
  EXPECT_TRUE(left.empty()) << left.size() << " jobs not done" << d->logs();
  measure("balancer kill -9: every job done", ms_since(t0));
  EXPECT_EQ(ids.size(), 2u * fleet_size);
  // Restarted, it joins the cluster manager again.
  d->start_process(victim);
  EXPECT_TRUE(d->wait_complete(20s)) << d->logs();
  auto sa = a->counters(), sb = b->counters();
  EXPECT_GE(counter(sa, "reconnects"), 1) << dump(sa);
  EXPECT_EQ(counter(sa, "done"), 2 * fleet_size) << dump(sa);
  EXPECT_EQ(counter(sb, "disconnects"), 0) << dump(sb); // C2 never noticed
  // With every balancer of C2 gone, its nodes (alive) are still listed:
  // state unknown, load null (a tester's finding, session 26).
  d->kill9("C2-b1");
  d->kill9("C2-b2");
  auto unknown_nodes = [&] {
    auto v
      = json_of(http_call(d->http(), "GET", "/v1/admin/nodes", {}, 2s).body);
    int n = 0;
    if (v.is_object())
      for (auto& node : v.at("nodes").as_array())
        n += str_at(node, "cluster_id") == "C2"
          && str_at(node, "state") == "unknown" && node.at("cpu").is_null();
    return n;
  };
  EXPECT_TRUE(eventually([&] { return unknown_nodes() == 2; }, 20s))
    << http_call(d->http(), "GET", "/v1/admin/nodes", {}, 2s).body << d->logs();
}

/// The newest `disconnect` record in `terminal`'s history (null if none).
boost::json::value last_disconnect(const std::string& http,
                                   const std::string& terminal) {
  auto page = json_of(
    http_call(http, "GET", "/v1/terminals/" + terminal + "/history", {}, 2s)
      .body);
  if (page.is_object())
    for (auto& r : page.at("records").as_array())
      if (str_at(r, "event") == "disconnect")
        return r;
  return {};
}

// A balancer process stopped with SIGTERM (session 28): it closes its
// devices' sockets with 1001 and exits; they reconnect to the other
// balancer, and the disconnect of each is in its history (the control runs
// on: the record comes from the session, or from its node when the
// balancer's message did not leave the process in time).
TEST_F(multiprocess, balancer_stopped_closes_its_devices_and_they_move_on) {
  start();
  auto victim = first_balancer(*d, "A0");
  ASSERT_FALSE(victim.empty());
  auto t0 = steady::now();
  ASSERT_EQ(::kill(d->pid(victim), SIGTERM), 0);
  ASSERT_TRUE(eventually([&] { return !d->running(victim); }, 15s))
    << d->log(victim);
  EXPECT_NE(d->log(victim).find("1 of 1 balancer(s) ended"), std::string::npos)
    << d->log(victim);
  ASSERT_TRUE(
    eventually([&] { return connections(d->http(), "C1") == fleet_size; }, 30s))
    << a->log() << d->logs();
  measure("balancer SIGTERM: all devices reconnected", ms_since(t0));
  auto r = last_disconnect(d->http(), "A0");
  ASSERT_TRUE(r.is_object()) << d->logs();
  auto reason = str_at(r, "reason");
  EXPECT_TRUE(reason == "server shutting down" || reason == "balancer gone")
    << r;
  // Not the devices' doing: no disconnect class formed from it.
  auto classes
    = json_of(http_call(d->http(), "GET", "/v1/admin/classes", {}, 2s).body);
  ASSERT_TRUE(classes.is_object()) << classes;
  for (auto& c : classes.at("classes").as_array())
    EXPECT_NE(str_at(c, "kind"), "disconnect") << c;
}

TEST_F(multiprocess_fixed, balancer_frozen_devices_move_and_stale_ends) {
  start();
  auto victim = first_balancer(*d, "A0");
  ASSERT_FALSE(victim.empty());
  auto t0 = steady::now();
  d->freeze(victim);
  // Its devices hear no ping (keepalive 2 s: the simulator gives up after
  // 2 x 2 + 5 s of silence) and reconnect to the other balancer of C1; the
  // jobs pushed meanwhile reach every device there.
  auto ids = push_all(d->http(), "A");
  auto left = not_done(d->http(), ids, 60s);
  EXPECT_TRUE(left.empty()) << left.size() << " jobs not done" << d->logs();
  measure("balancer SIGSTOP: every job done", ms_since(t0));
  auto sa = a->counters();
  EXPECT_GE(counter(sa, "reconnects"), 1) << dump(sa);
  // Thawed, its stale connections end (the devices left them) and so do
  // their sessions: one session and one connection per device.
  d->thaw(victim);
  ASSERT_TRUE(eventually(
    [&] {
      return node(d->http(), "C1", "C1-n1").second
               + node(d->http(), "C1", "C1-n2").second
            == fleet_size
          && connections(d->http(), "C1") == fleet_size;
    },
    30s))
    << "sessions " << node(d->http(), "C1", "C1-n1").second << " + "
    << node(d->http(), "C1", "C1-n2").second << ", connections "
    << connections(d->http(), "C1") << "\n"
    << d->logs();
  EXPECT_TRUE(not_done(d->http(), push_all(d->http(), "A"), 30s).empty())
    << d->logs();
  auto sb = b->counters();
  EXPECT_EQ(counter(sb, "disconnects"), 0) << dump(sb); // C2 never noticed
}

TEST_F(multiprocess, control_killed_devices_stay_and_state_comes_back) {
  start();
  // The dashboard's live events through the other gateway: the stream
  // stays open across the control's restart and goes on from the new one.
  event_reader events{d->http("gateway-2"),
                      admin_key_in(d->dir() + "/data-control")};
  ASSERT_TRUE(events.wait_for(": stream open\n\n", 10s)) << events.received;
  auto before = push_all(d->http(), "A", 10);
  ASSERT_TRUE(not_done(d->http(), before, 30s).empty()) << d->logs();
  // A request already on its way when the control dies is answered 503 as
  // soon as the gateway learns of it, not after the request timeout (5 s):
  // the control is frozen so that the request waits there for the kill.
  // It is there once gateway-2 has sent it: the bytes gateway-2 wrote and
  // its peers did not read grow (the frozen control reads nothing).
  d->freeze("control");
  auto unread = unread_bytes_sent_by(d->pid("gateway-2"));
  auto waiting = std::async(std::launch::async, [&] {
    return http_call(d->http("gateway-2"), "GET", "/v1/terminals/A1");
  });
  EXPECT_TRUE(eventually(
    [&] { return unread_bytes_sent_by(d->pid("gateway-2")) > unread; }, 10s))
    << "the request did not reach the control's socket";
  auto killed_at = steady::now();
  d->kill9("control");
  auto w = waiting.get();
  auto answered_ms = ms_since(killed_at);
  EXPECT_EQ(w.status, 503) << w.body << d->log("gateway-2");
  EXPECT_NE(w.body.find("went away while answering"), std::string::npos)
    << w.body; // it was waiting at the control
  EXPECT_LT(answered_ms, 3000) << "answered only after the request timeout";
  measure("control kill -9: pending request answered 503", answered_ms);
  // Meanwhile the other gateway answers 503 with Retry-After.
  for (auto [method, target, body] :
       {std::tuple{"POST", "/v1/terminals/register",
                   R"({"terminal_id":"N1","region":"GG1"})"},
        std::tuple{"POST", "/v1/terminals/A1/jobs",
                   R"({"service":"print","payload":{}})"}}) {
    // Device proofs are checked by the gateway itself (shared secrets).
    auto r = std::string_view{target}.find("register") != std::string::npos
             ? device_call(d->http("gateway-2"),
                           enrollment_key(d->dir() + "/data-control"), "N1",
                           method, target, body)
             : http_call(d->http("gateway-2"), method, target, body);
    EXPECT_EQ(r.status, 503) << target << " " << r.body << "\n"
                             << d->log("gateway-2");
    EXPECT_EQ(error_code_of(r), "unavailable") << r.body;
    EXPECT_FALSE(r.headers["Retry-After"].empty()) << target;
  }
  auto h = http_call(d->http("gateway-2"), "GET", "/healthz");
  EXPECT_EQ(h.status, 503) << h.body;
  // Devices keep their connections and keepalives (2 s) for a while: two
  // more pings per device (about 4 s), and no disconnect meanwhile.
  auto pings_before = counter(a->counters(), "pings");
  std::map<std::string, int64_t> during;
  EXPECT_TRUE(eventually(
    [&] {
      during = a->counters();
      return counter(during, "pings") >= pings_before + 2 * fleet_size;
    },
    20s))
    << "keepalives stopped while the control was down: " << dump(during);
  EXPECT_EQ(counter(during, "disconnects"), 0) << dump(during);
  auto t0 = steady::now();
  d->start_process("control");
  ASSERT_TRUE(d->wait_complete(30s)) << d->logs();
  // The state is back: the terminals are known and connected again (their
  // sessions re-announced themselves), jobs flow.
  ASSERT_TRUE(eventually(
    [&] {
      auto t = json_of(http_call(d->http(), "GET", "/v1/terminals/A7").body);
      return t.is_object() && t.at("connected").as_bool();
    },
    20s))
    << d->logs();
  measure("control restart: terminals connected again", ms_since(t0));
  // The other gateway reconnects on its own (backoff up to reconnect_max).
  ASSERT_TRUE(eventually(
    [&] {
      return http_call(d->http("gateway-2"), "GET", "/healthz").status == 200;
    },
    20s))
    << d->log("gateway-2");
  measure("control restart: second gateway serving again", ms_since(t0));
  auto mark = events.received.size();
  auto ids = push_all(d->http(), "A");
  auto more = push_all(d->http("gateway-2"), "B");
  ids.insert(ids.end(), more.begin(), more.end());
  EXPECT_TRUE(not_done(d->http(), ids, 30s).empty()) << d->logs();
  measure("control restart: 200 jobs pushed and done", ms_since(t0));
  ASSERT_FALSE(more.empty());
  EXPECT_TRUE(events.wait_for("{\"id\":\"" + more.back() + "\"", 15s, mark))
    << "no event of a job pushed after the restart: "
    << events.received.substr(mark) << d->log("gateway-2");
  auto done_before
    = json_of(http_call(d->http(), "GET", "/v1/jobs/" + before[0]).body);
  EXPECT_EQ(str_at(done_before, "status"), "done");
  auto sa = a->counters(), sb = b->counters();
  EXPECT_EQ(counter(sa, "disconnects"), 0) << dump(sa);
  EXPECT_EQ(counter(sb, "disconnects"), 0) << dump(sb);
  EXPECT_GE(counter(sa, "done"), fleet_size + 10) << dump(sa);
}

} // namespace
