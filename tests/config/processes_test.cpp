// The processes of a topology (config/processes.cpp): the all-in-one process
// of a file without [[processes]], one accepted and one rejected value per
// rule of a [[processes]] table and of the inter-process timers, the checks
// that relate processes to each other and to the clusters, "every problem at
// once, with its place", and the example topologies under
// examples/topologies/.
#include "config/topology.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/config/config_test_support.hpp"

namespace tether::config {

const char* const test_support::source = "p.toml";

namespace {

using namespace std::chrono_literals;
using namespace test_support;

/// The 1-based line of the `nth` (0-based) line of `text` containing
/// `needle`; 0 if there is none.
int line_of(const std::string& text, const std::string& needle, int nth = 0) {
  std::istringstream in{text};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(needle) != std::string::npos && nth-- == 0)
      return n;
  return 0;
}

std::vector<std::string> names(const std::vector<const process_config*>& ps) {
  std::vector<std::string> out;
  for (auto* p : ps)
    out.push_back(p->name);
  return out;
}

// -- a small multi-process document
// -------------------------------------------------
//
// One cluster C1 (node C1-n1, balancer C1-b1 on 127.0.0.1:9101) and three
// processes: "control" (gateway, control, selector, cluster_manager; http
// 127.0.0.1:8080), "b" (balancer C1-b1) and "n" (node C1-n1), on CAF ports
// 17000..17002. Valid as it is; each test changes one thing.

struct doc {
  std::map<std::string, fields> sections; // "timers" -> {...}
  std::string clusters = "[[clusters]]\n"
                         "id = \"C1\"\n"
                         "nodes = [\"C1-n1\"]\n"
                         "labels = { region = [\"*\"], model = [\"*\"] }\n"
                         "  [[clusters.balancers]]\n"
                         "  id = \"C1-b1\"\n"
                         "  listen = \"127.0.0.1:9101\"\n";
  std::vector<fields> processes{
    {{"name", "\"control\""},
     {"caf_port", "17000"},
     {"roles", "[\"gateway\", \"control\", \"selector\", \"cluster_manager\"]"},
     {"http", "\"127.0.0.1:8080\""}},
    {{"name", "\"b\""},
     {"caf_port", "17001"},
     {"roles", "[\"balancer\"]"},
     {"balancers", "[\"C1-b1\"]"}},
    {{"name", "\"n\""},
     {"caf_port", "17002"},
     {"roles", "[\"node\"]"},
     {"nodes", "[\"C1-n1\"]"}},
  };
  std::map<size_t, fields> schedulers; // process -> [processes.scheduler]

  /// Sets `key` in `where`: a section ("timers"), a process ("p0", "p1",
  /// ...) or a process's scheduler ("p2.scheduler"). An empty value removes
  /// the key.
  doc& set(const std::string& where, const std::string& key,
           const std::string& value) {
    fields* f = nullptr;
    if (where.size() >= 2 && where[0] == 'p' && std::isdigit(where[1])) {
      auto i = static_cast<size_t>(where[1] - '0');
      f = where.find(".scheduler") != std::string::npos ? &schedulers[i]
                                                        : &processes.at(i);
    } else {
      f = &sections[where];
    }
    set_field(*f, key, value);
    return *this;
  }

  doc& add_process(fields f) {
    processes.push_back(std::move(f));
    return *this;
  }

  /// Puts every process on `host_of(i)` (and the listeners with them).
  doc& hosts(const std::vector<std::string>& hosts) {
    for (size_t i = 0; i < processes.size() && i < hosts.size(); ++i)
      processes[i]["host"] = "\"" + hosts[i] + "\"";
    return *this;
  }

  std::string str() const {
    auto out = sections_toml(sections);
    out += clusters;
    for (size_t i = 0; i < processes.size(); ++i) {
      out += "[[processes]]\n" + fields_toml(processes[i]);
      if (auto it = schedulers.find(i); it != schedulers.end())
        out += "  [processes.scheduler]\n" + fields_toml(it->second, "  ");
    }
    return out;
  }
};

// -- all-in-one
// ---------------------------------------------------------------------

TEST(AllInOne, DefaultTopologyHasOneProcessWithEverything) {
  auto r = parse_topology(default_topology_toml(), "default");
  ASSERT_TRUE(r.value) << r.errors.to_string();
  EXPECT_TRUE(r.warnings.list.empty()) << r.warnings.to_string();
  const auto& t = *r.value;
  EXPECT_TRUE(t.all_in_one);
  ASSERT_EQ(t.processes.size(), 1u);
  const auto& p = t.processes[0];
  EXPECT_EQ(p.name, "all-in-one");
  EXPECT_EQ(p.name, all_in_one_process_name);
  EXPECT_EQ(p.host, "127.0.0.1");
  EXPECT_EQ(p.caf_port, 0);
  EXPECT_EQ(p.roles, all_process_roles());
  for (auto role : all_process_roles())
    EXPECT_TRUE(p.has(role)) << to_string(role);
  ASSERT_TRUE(p.http);
  EXPECT_EQ(p.http->to_string(), "127.0.0.1:8080");
  EXPECT_EQ(p.http->to_string(), t.http.to_string());
  EXPECT_EQ(p.data, "tether-data");
  EXPECT_EQ(p.balancers, (std::vector<std::string>{"C1-b1", "C2-b1"}));
  EXPECT_EQ(p.nodes,
            (std::vector<std::string>{"C1-n1", "C1-n2", "C2-n1", "C2-n2"}));
  EXPECT_EQ(p.scheduler.policy, t.scheduler.policy);
  EXPECT_EQ(p.scheduler.max_threads, t.scheduler.max_threads);
  // The helpers see it.
  EXPECT_EQ(t.find_process("all-in-one"), &p);
  EXPECT_EQ(t.find_process("control"), nullptr);
  for (auto role : all_process_roles())
    EXPECT_EQ(names(t.processes_with_role(role)),
              std::vector<std::string>{"all-in-one"});
  EXPECT_EQ(t.process_of_balancer("C2-b1"), &p);
  EXPECT_EQ(t.process_of_node("C2-n2"), &p);
  EXPECT_EQ(t.process_of_node("C3-n1"), nullptr);
  EXPECT_EQ(t.cluster_of_node("C2-n2"), &t.clusters[1]);
  EXPECT_EQ(t.cluster_of_balancer("C1-b1"), &t.clusters[0]);
  EXPECT_EQ(t.cluster_of_balancer("C9"), nullptr);
}

TEST(AllInOne, FollowsTheFile) {
  auto r = parse("[gateway]\nhttp = \"0.0.0.0:0\"\n"
                 "[scheduler]\npolicy = \"stealing\"\nmax_threads = 3\n"
                 + doc{}.clusters);
  ASSERT_TRUE(r.value) << dump(r);
  const auto& p = r.value->processes.at(0);
  EXPECT_EQ(p.http->to_string(), "0.0.0.0:0");
  EXPECT_EQ(p.balancers, std::vector<std::string>{"C1-b1"});
  EXPECT_EQ(p.nodes, std::vector<std::string>{"C1-n1"});
  EXPECT_EQ(p.scheduler.policy, "stealing");
  EXPECT_EQ(p.scheduler.max_threads, 3u);
}

TEST(AllInOne, TimersHaveDefaults) {
  auto r = parse_topology(default_topology_toml(), "default");
  ASSERT_TRUE(r.value);
  const auto& t = r.value->timers;
  EXPECT_EQ(t.heartbeat, 500ms);
  EXPECT_EQ(t.failure_timeout, 3s);
  EXPECT_EQ(t.reconnect_min, 200ms);
  EXPECT_EQ(t.reconnect_max, 5s);
}

TEST(Roles, NamesRoundTrip) {
  ASSERT_EQ(all_process_roles().size(), 6u);
  for (auto role : all_process_roles())
    EXPECT_EQ(parse_process_role(to_string(role)), role);
  EXPECT_EQ(to_string(process_role::cluster_manager), "cluster_manager");
  EXPECT_FALSE(parse_process_role("Gateway"));
  EXPECT_FALSE(parse_process_role("cluster-manager"));
  EXPECT_FALSE(parse_process_role(""));
}

// -- a multi-process file
// ------------------------------------------------------------

TEST(Processes, SmallDocumentParses) {
  auto r = parse(doc{}.str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_TRUE(r.warnings.list.empty()) << dump(r);
  const auto& t = *r.value;
  EXPECT_FALSE(t.all_in_one);
  ASSERT_EQ(t.processes.size(), 3u);
  const auto& c = t.processes[0];
  EXPECT_EQ(c.name, "control");
  EXPECT_EQ(c.host, "127.0.0.1"); // the default
  EXPECT_EQ(c.caf_port, 17000);
  EXPECT_EQ(c.caf_endpoint().to_string(), "127.0.0.1:17000");
  EXPECT_EQ(c.roles, (std::vector<process_role>{
                       process_role::gateway, process_role::control,
                       process_role::selector, process_role::cluster_manager}));
  ASSERT_TRUE(c.http);
  EXPECT_EQ(c.http->to_string(), "127.0.0.1:8080");
  EXPECT_EQ(c.data, "tether-data/control"); // the default
  EXPECT_TRUE(c.balancers.empty());
  EXPECT_TRUE(c.nodes.empty());
  EXPECT_FALSE(t.processes[1].http);
  EXPECT_EQ(t.processes[1].data, "tether-data/b");
  // topology::http is the gateway process's.
  EXPECT_EQ(t.http.to_string(), "127.0.0.1:8080");
  // Helpers.
  EXPECT_EQ(t.find_process("n"), &t.processes[2]);
  EXPECT_EQ(t.find_process("x"), nullptr);
  EXPECT_EQ(names(t.processes_with_role(process_role::control)),
            std::vector<std::string>{"control"});
  EXPECT_EQ(names(t.processes_with_role(process_role::balancer)),
            std::vector<std::string>{"b"});
  EXPECT_EQ(names(t.processes_with_role(process_role::node)),
            std::vector<std::string>{"n"});
  EXPECT_EQ(t.process_of_balancer("C1-b1"), &t.processes[1]);
  EXPECT_EQ(t.process_of_node("C1-n1"), &t.processes[2]);
  EXPECT_EQ(t.process_of_balancer("C1-n1"), nullptr);
  EXPECT_EQ(t.cluster_of_node("C1-n1"), &t.clusters[0]);
}

TEST(Processes, SeveralGatewaysAndSelectors) {
  auto d = doc{};
  d.add_process({{"name", "\"gw2\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"gateway\", \"selector\"]"},
                 {"http", "\"127.0.0.1:8081\""}});
  auto r = parse(d.str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(names(r.value->processes_with_role(process_role::gateway)),
            (std::vector<std::string>{"control", "gw2"}));
  EXPECT_EQ(r.value->http.to_string(), "127.0.0.1:8080"); // the first
}

// Found by a new user: --check-config named a process only by its index.
// The path stays as in the file; the problem ends with the process's name.
TEST(Processes, ProblemsNameTheProcess) {
  auto r = parse(doc{}.set("p1", "caf_port", "70000").str());
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  const auto& text = r.errors.list[0];
  EXPECT_NE(text.find(": processes[1].caf_port: "), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - std::string{" (process \"b\")"}.size()),
            " (process \"b\")")
    << text;
  // No name, or an invalid one: nothing to add.
  r = parse(doc{}.set("p1", "name", "\"bad name\"").str());
  ASSERT_FALSE(r.value);
  for (const auto& t : r.errors.list)
    EXPECT_EQ(t.find("(process "), std::string::npos) << t;
}

TEST(Processes, OneProcessNeedsNoCafPort) {
  auto d = doc{};
  d.processes.resize(1);
  d.set("p0", "caf_port", "")
    .set("p0", "roles",
         "[\"gateway\", \"control\", \"selector\", \"cluster_manager\", "
         "\"balancer\", \"node\"]")
    .set("p0", "balancers", "[\"C1-b1\"]")
    .set("p0", "nodes", "[\"C1-n1\"]");
  auto r = parse(d.str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->processes.at(0).caf_port, 0);
  EXPECT_FALSE(r.value->all_in_one);
  // 0 is also accepted when it is written.
  r = parse(d.set("p0", "caf_port", "0").str());
  EXPECT_TRUE(r.value) << dump(r);
}

// -- one accepted and one rejected value per rule
// ----------------------------------------

const std::vector<rule_case>& rule_cases() {
  static const std::vector<rule_case> cases{
    // name
    {"p1", "name", "\"a.b_c:d-1\"", true, "", "",
     [](const topology& t) {
       return t.processes[1].name == "a.b_c:d-1";
     }},
    {"p1", "name", "\"balancer 1\"", false, "processes[1].name",
     "must be 1-128 characters of [A-Za-z0-9._:-]"},
    {"p1", "name", "", false, "processes[1].name", "missing"},
    {"p1", "name", "1", false, "processes[1].name", "must be a string"},
    // host
    {"p1", "host", "\"localhost\"", true, "", "",
     [](const topology& t) {
       return t.processes[1].host == "localhost";
     }},
    {"p1", "host", "\"0.0.0.0\"", false, "processes[1].host",
     "must be an address the other processes can reach, not the wildcard"},
    {"p1", "host", "\"127.0.0.1:17001\"", false, "processes[1].host",
     "must be a host without a port (the port is caf_port)"},
    {"p1", "host", "\"\"", false, "processes[1].host",
     "must be a host name or an IP address"},
    {"p1", "host", "127", false, "processes[1].host", "must be a string"},
    // caf_port
    {"p1", "caf_port", "65535", true, "", "",
     [](const topology& t) {
       return t.processes[1].caf_port == 65535;
     }},
    {"p1", "caf_port", "0", false, "processes[1].caf_port",
     "must be between 1 and 65535"},
    {"p1", "caf_port", "65536", false, "processes[1].caf_port",
     "must be between 1 and 65535"},
    {"p1", "caf_port", "", false, "processes[1].caf_port",
     "missing (required when there is more than one process)"},
    {"p1", "caf_port", "\"17001\"", false, "processes[1].caf_port",
     "must be an integer"},
    // roles
    {"p0", "roles",
     "[\"cluster_manager\", \"selector\", \"control\", \"gateway\"]", true, "",
     "",
     [](const topology& t) {
       return t.processes[0].roles.front() == process_role::cluster_manager;
     }},
    {"p0", "roles",
     "[\"gateway\", \"control\", \"selector\", \"cluster_manager\", \"router\"]",
     false, "processes[0].roles[4]",
     "unknown role \"router\" (known: gateway, control, selector, "
     "cluster_manager, balancer, node)"},
    {"p0", "roles",
     "[\"gateway\", \"control\", \"selector\", \"cluster_manager\", \"control\"]",
     false, "processes[0].roles[4]", "role \"control\" is listed twice"},
    {"p1", "roles", "[]", false, "processes[1].roles",
     "must name at least one role"},
    {"p1", "roles", "", false, "processes[1].roles", "missing"},
    {"p1", "roles", "\"balancer\"", false, "processes[1].roles",
     "must be an array of strings"},
    {"p1", "roles", "[\"balancer\", 2]", false, "processes[1].roles[1]",
     "must be a string"},
    // http
    {"p0", "http", "\"0.0.0.0:0\"", true, "", "",
     [](const topology& t) {
       return t.processes[0].http->to_string() == "0.0.0.0:0"
           && t.http.to_string() == "0.0.0.0:0";
     }},
    {"p0", "http", "", false, "processes[0].http", "missing"},
    {"p0", "http", "\"nohost\"", false, "processes[0].http",
     "must be \"host:port\" (port 0..65535), got \"nohost\""},
    {"p1", "http", "\"127.0.0.1:8081\"", false, "processes[1].http",
     "only a process with the gateway role listens for HTTP"},
    // data
    {"p0", "data", "\"/var/lib/tether\"", true, "", "",
     [](const topology& t) {
       return t.processes[0].data == "/var/lib/tether";
     }},
    {"p0", "data", "\"\"", false, "processes[0].data", "must not be empty"},
    {"p0", "data", "5", false, "processes[0].data", "must be a string"},
    // balancers
    {"p1", "balancers", "[\"C1-b1\"]", true, "", "",
     [](const topology& t) {
       return t.process_of_balancer("C1-b1") == &t.processes[1];
     }},
    // ...an unknown one, and C1-b1 then has no process.
    {"p1", "balancers", "[\"C9-b1\"]", false, "processes[1].balancers[0]",
     "unknown balancer \"C9-b1\" (not in any cluster's balancers)", nullptr, 2},
    {"p1", "balancers", "[\"C1-b1\", \"C1-b1\"]", false,
     "processes[1].balancers[1]",
     "balancer \"C1-b1\" is already run by this process"},
    {"p1", "balancers", "[]", false, "processes[1].balancers",
     "must name at least one balancer for the balancer role", nullptr, 2},
    {"p1", "balancers", "\"C1-b1\"", false, "processes[1].balancers",
     "must be an array of strings"},
    // nodes
    {"p2", "nodes", "[\"C1-n1\"]", true, "", "",
     [](const topology& t) {
       return t.process_of_node("C1-n1") == &t.processes[2];
     }},
    {"p2", "nodes", "[\"C3-n1\"]", false, "processes[2].nodes[0]",
     "unknown node \"C3-n1\" (not in any cluster's nodes)", nullptr, 2},
    {"p2", "nodes", "", false, "processes[2].nodes",
     "must name at least one node for the node role", nullptr, 2},
    // scheduler override
    {"p2.scheduler", "policy", "\"stealing\"", true, "", "",
     [](const topology& t) {
       return t.processes[2].scheduler.policy == "stealing"
           && t.processes[1].scheduler.policy == "sharing"
           && t.scheduler.policy == "sharing";
     }},
    {"p2.scheduler", "policy", "\"testing\"", false,
     "processes[2].scheduler.policy", "must be \"sharing\" or \"stealing\""},
    {"p2.scheduler", "max_threads", "1", true, "", "",
     [](const topology& t) {
       return t.processes[2].scheduler.max_threads == 1
           && t.processes[2].scheduler.policy == "sharing"
           && t.processes[0].scheduler.max_threads == 2;
     }},
    {"p2.scheduler", "max_threads", "0", false,
     "processes[2].scheduler.max_threads", "must be between 1 and 256"},
    {"p2.scheduler", "threads", "4", false, "processes[2].scheduler.threads",
     "unknown key"},
    {"p2", "scheduler", "5", false, "processes[2].scheduler",
     "must be a table ([processes.scheduler])"},
    // unknown keys
    {"p2", "port", "17002", false, "processes[2].port", "unknown key"},
    // timers between processes
    {"timers", "heartbeat", "\"10ms\"", true, "", "",
     [](const topology& t) {
       return t.timers.heartbeat == 10ms;
     }},
    {"timers", "heartbeat", "\"9ms\"", false, "timers.heartbeat",
     "must be at least 10ms"},
    {"timers", "heartbeat", "\"fast\"", false, "timers.heartbeat",
     "must be a duration"},
    {"timers", "heartbeat", "\"3s\"", false, "timers.failure_timeout",
     "must be longer than timers.heartbeat (3000ms <= 3000ms)"},
    {"timers", "failure_timeout", "\"501ms\"", true, "", "",
     [](const topology& t) {
       return t.timers.failure_timeout == 501ms;
     }},
    {"timers", "failure_timeout", "\"500ms\"", false, "timers.failure_timeout",
     "must be longer than timers.heartbeat (500ms <= 500ms)"},
    {"timers", "failure_timeout", "3", false, "timers.failure_timeout",
     "must be a duration"},
    {"timers", "reconnect_min", "\"5s\"", true, "", "",
     [](const topology& t) {
       return t.timers.reconnect_min == 5s;
     }},
    {"timers", "reconnect_min", "\"6s\"", false, "timers.reconnect_max",
     "must not be shorter than timers.reconnect_min (5000ms < 6000ms)"},
    {"timers", "reconnect_min", "\"1ms\"", false, "timers.reconnect_min",
     "must be at least 10ms"},
    {"timers", "reconnect_max", "\"200ms\"", true, "", "",
     [](const topology& t) {
       return t.timers.reconnect_max == 200ms;
     }},
    {"timers", "reconnect_max", "\"199ms\"", false, "timers.reconnect_max",
     "must not be shorter than timers.reconnect_min (199ms < 200ms)"},
    {"timers", "reconnect_max", "\"9ms\"", false, "timers.reconnect_max",
     "must be at least 10ms"},
  };
  return cases;
}

TEST(Validation, OneAcceptedAndOneRejectedValuePerRule) {
  expect_outcomes(rule_cases(), [](const rule_case& c) {
    return doc{}.set(c.where, c.key, c.value).str();
  });
}

TEST(Validation, EveryRuleHasBothOutcomes) {
  std::map<std::string, std::pair<bool, bool>> seen;
  for (const auto& c : rule_cases()) {
    auto where = c.where; // "p2.scheduler" -> "p.scheduler"
    if (where.size() >= 2 && where[0] == 'p' && std::isdigit(where[1]))
      where.erase(1, 1);
    auto& s = seen[where + "." + c.key];
    (c.accepted ? s.first : s.second) = true;
  }
  for (const auto& [rule, s] : seen) {
    if (rule == "p.port" || rule == "p.scheduler.threads"
        || rule == "p.scheduler")
      continue; // unknown keys: nothing to accept
    EXPECT_TRUE(s.first && s.second) << rule;
  }
}

TEST(Validation, TimersDefaultsMeetTheirBounds) {
  // A failure_timeout alone is compared with the default heartbeat, and the
  // reverse; a refused value is not compared again.
  auto r = parse(doc{}.set("timers", "failure_timeout", "\"400ms\"").str());
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.errors.list.size(), 1u) << dump(r);
  auto text = doc{}
                .set("timers", "heartbeat", "\"1s\"")
                .set("timers", "failure_timeout", "\"1s\"")
                .str();
  r = parse(text);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "timers.failure_timeout", "must be longer",
                          line_of(text, "failure_timeout = ")))
    << dump(r);
  r = parse(doc{}
              .set("timers", "heartbeat", "\"1ms\"")
              .set("timers", "failure_timeout", "\"1ms\"")
              .str());
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.errors.list.size(), 2u) << dump(r); // both too short, no more
  r = parse(doc{}
              .set("timers", "heartbeat", "\"1s\"")
              .set("timers", "failure_timeout", "\"10s\"")
              .set("timers", "reconnect_min", "\"1s\"")
              .set("timers", "reconnect_max", "\"1s\"")
              .str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->timers.failure_timeout, 10s);
}

// -- processes against each other and against the clusters
// --------------------------------

TEST(Hosting, DuplicateProcessName) {
  auto d = doc{}.set("p2", "name", "\"b\"");
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[2].name",
                          "duplicate process name \"b\" (also processes[1])",
                          line_of(text, "name = \"b\"", 1)))
    << dump(r);
}

TEST(Hosting, BalancerRunByTwoProcesses) {
  auto d = doc{};
  d.add_process({{"name", "\"b2\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"balancer\"]"},
                 {"balancers", "[\"C1-b1\"]"}});
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[3].balancers[0]",
                          "balancer \"C1-b1\" is already run by processes[1] "
                          "(\"b\")",
                          line_of(text, "balancers = [\"C1-b1\"]", 1)))
    << dump(r);
}

TEST(Hosting, NodeRunByTwoProcesses) {
  auto d = doc{};
  d.add_process({{"name", "\"n2\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"node\"]"},
                 {"nodes", "[\"C1-n1\"]"}});
  auto r = parse(d.str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(
    has_problem(r, "processes[3].nodes[0]",
                "node \"C1-n1\" is already run by processes[2] (\"n\")"))
    << dump(r);
}

TEST(Hosting, BalancerAndNodeRunByNoProcess) {
  auto d = doc{};
  d.clusters = "[[clusters]]\n"
               "id = \"C1\"\n"
               "nodes = [\"C1-n1\",\n"
               "         \"C1-n2\"]\n"
               "  [[clusters.balancers]]\n"
               "  id = \"C1-b1\"\n"
               "  listen = \"127.0.0.1:9101\"\n"
               "  [[clusters.balancers]]\n"
               "  id = \"C1-b2\"\n"
               "  listen = \"127.0.0.1:9111\"\n";
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 2u) << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[0].nodes[1]",
                          "node \"C1-n2\" is run by no process",
                          line_of(text, "\"C1-n2\"]")))
    << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[0].balancers[1].id",
                          "balancer \"C1-b2\" is run by no process",
                          line_of(text, "id = \"C1-b2\"")))
    << dump(r);
  // Hosting them makes the file valid.
  d.set("p1", "balancers", "[\"C1-b1\", \"C1-b2\"]")
    .set("p2", "nodes", "[\"C1-n2\", \"C1-n1\"]");
  r = parse(d.str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->process_of_node("C1-n2"), &r.value->processes[2]);
  EXPECT_EQ(r.value->process_of_balancer("C1-b2"), &r.value->processes[1]);
}

TEST(Hosting, RunningNodesNeedsTheNodeRole) {
  auto d = doc{}.set("p2", "roles", "[\"selector\"]");
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[2].roles",
                          "must include \"node\" since the process runs nodes",
                          line_of(text, "roles = [\"selector\"]")))
    << dump(r);
}

TEST(Hosting, RunningBalancersNeedsTheBalancerRole) {
  auto r = parse(doc{}.set("p1", "roles", "[\"node\"]").str());
  EXPECT_FALSE(r.value);
  // ...and a node process must run a node.
  ASSERT_EQ(r.errors.list.size(), 2u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[1].roles",
                          "must include \"balancer\" since the process runs "
                          "balancers"))
    << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[1].nodes",
                          "must name at least one node for the node role"))
    << dump(r);
}

TEST(Hosting, UnknownRoleIsReportedOnce) {
  // "nod" is not a role: no cascade about nodes without the node role, nor
  // about the control plane.
  auto r = parse(doc{}
                   .set("p2", "roles", "[\"nod\"]")
                   .set("p0", "roles", "[\"gateway\", \"contrl\"]")
                   .str());
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.errors.list.size(), 2u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[2].roles[0]", "unknown role \"nod\""))
    << dump(r);
  EXPECT_TRUE(
    has_problem(r, "processes[0].roles[1]", "unknown role \"contrl\""))
    << dump(r);
}

// -- the control plane
// ----------------------------------------------------------------------

TEST(ControlPlane, ExactlyOneControl) {
  auto d = doc{};
  d.add_process({{"name", "\"control2\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"selector\", \"control\"]"}});
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[3].roles[1]",
                          "only one process may have the control role "
                          "(processes[0] (\"control\") has it)",
                          line_of(text, "roles = [\"selector\", \"control\"]")))
    << dump(r);

  text
    = doc{}
        .set("p0", "roles", "[\"gateway\", \"selector\", \"cluster_manager\"]")
        .str();
  r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes",
                          "no process has the control role (exactly one must)",
                          line_of(text, "[[processes]]")))
    << dump(r);
}

TEST(ControlPlane, ExactlyOneClusterManager) {
  auto d = doc{};
  d.add_process({{"name", "\"cm2\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"cluster_manager\"]"},
                 {"data", "\"cm2\""}});
  auto r = parse(d.str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[3].roles[0]",
                          "only one process may have the cluster_manager role"))
    << dump(r);
  r = parse(
    doc{}.set("p0", "roles", "[\"gateway\", \"control\", \"selector\"]").str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(
    has_problem(r, "processes", "no process has the cluster_manager role"))
    << dump(r);
}

TEST(ControlPlane, SomeGatewayAndSomeSelector) {
  auto r = parse(doc{}
                   .set("p0", "roles", "[\"control\", \"cluster_manager\"]")
                   .set("p0", "http", "")
                   .str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 2u) << dump(r);
  EXPECT_TRUE(has_problem(
    r, "processes", "no process has the gateway role (at least one must)"))
    << dump(r);
  EXPECT_TRUE(has_problem(
    r, "processes", "no process has the selector role (at least one must)"))
    << dump(r);
}

TEST(ControlPlane, SelectorAndManagerRunWithControl) {
  auto d = doc{}
             .set("p0", "roles", "[\"control\", \"cluster_manager\"]")
             .set("p0", "http", "");
  d.add_process({{"name", "\"front\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"gateway\", \"selector\"]"},
                 {"http", "\"127.0.0.1:8080\""}});
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  int line = line_of(text, "roles = [\"control\", \"cluster_manager\"]");
  EXPECT_TRUE(has_problem(r, "processes[0].roles",
                          "the selector role must run in the control process "
                          "(processes[0] (\"control\"))",
                          line))
    << dump(r);
  // A gateway apart from the control is fine (it reaches it through CAF).
  auto ok
    = doc{}
        .set("p0", "roles", "[\"control\", \"selector\", \"cluster_manager\"]")
        .set("p0", "http", "");
  ok.add_process({{"name", "\"front\""},
                  {"caf_port", "17003"},
                  {"roles", "[\"gateway\"]"},
                  {"http", "\"127.0.0.1:8080\""}});
  r = parse(ok.str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_TRUE(r.warnings.list.empty()) << dump(r);
  EXPECT_EQ(r.value->http.to_string(), "127.0.0.1:8080");
}

TEST(ControlPlane, GatewayHttpMovesToTheProcess) {
  auto text
    = "[gateway]\nhttp = \"127.0.0.1:8080\"\nio_threads = 2\n" + doc{}.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "gateway.http",
                          "with [[processes]], each gateway process sets its "
                          "own http",
                          2))
    << dump(r);
  r = parse("[gateway]\nio_threads = 2\n" + doc{}.str());
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->io_threads, 2u);
}

TEST(ControlPlane, ProcessesMustBeTables) {
  for (const char* bad :
       {"processes = 5\n", "processes = []\n", "processes = [\"control\"]\n"}) {
    SCOPED_TRACE(bad);
    auto r = parse(std::string{bad} + doc{}.clusters);
    EXPECT_FALSE(r.value);
    ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
    EXPECT_TRUE(has_problem(
      r, "processes", "must be a non-empty array of tables ([[processes]])", 1))
      << dump(r);
  }
}

// -- addresses
// ----------------------------------------------------------------------------

TEST(Addresses, CafPortIsUniquePerHost) {
  auto text = doc{}.set("p2", "caf_port", "17001").str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[2].caf_port",
                          "caf address 127.0.0.1:17001 is used twice (also the "
                          "caf_port of process \"b\")",
                          line_of(text, "caf_port = 17001", 1)))
    << dump(r);
  // The same port on other hosts is fine.
  r = parse(doc{}
              .set("p2", "caf_port", "17001")
              .hosts({"10.0.0.1", "10.0.0.2", "10.0.0.3"})
              .set("p0", "http", "\"10.0.0.1:8080\"")
              .str());
  EXPECT_TRUE(r.value) << dump(r);
}

TEST(Addresses, CafPortAgainstOtherListeners) {
  auto r = parse(doc{}.set("p1", "caf_port", "9101").str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[1].caf_port",
                          "caf address 127.0.0.1:9101 is used twice (also "
                          "balancer \"C1-b1\")"))
    << dump(r);
  r = parse(doc{}.set("p0", "caf_port", "8080").str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[0].caf_port",
                          "caf address 127.0.0.1:8080 is used twice (also the "
                          "http of process \"control\")"))
    << dump(r);
}

TEST(Addresses, TwoGatewaysOnOnePort) {
  auto d = doc{};
  d.add_process({{"name", "\"gw2\""},
                 {"caf_port", "17003"},
                 {"roles", "[\"gateway\"]"},
                 {"http", "\"127.0.0.1:8080\""}});
  auto r = parse(d.str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[3].http",
                          "listen address 127.0.0.1:8080 is used twice (also "
                          "the http of process \"control\")"))
    << dump(r);
  // Balancers on the gateway's port are still found with processes.
  d = doc{};
  d.set("p0", "http", "\"127.0.0.1:9101\"");
  r = parse(d.str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[0].balancers",
                          "listen address 127.0.0.1:9101 is used twice"))
    << dump(r);
}

TEST(Addresses, ListenersAreOnTheirProcessHost) {
  // Three machines; the balancer and the gateway listen on the wrong one.
  auto d = doc{}
             .hosts({"10.77.0.1", "10.77.0.2", "10.77.0.3"})
             .set("p0", "http", "\"10.77.0.2:8080\"");
  d.clusters = "[[clusters]]\n"
               "id = \"C1\"\n"
               "nodes = [\"C1-n1\"]\n"
               "  [[clusters.balancers]]\n"
               "  id = \"C1-b1\"\n"
               "  listen = \"10.77.0.3:9101\"\n";
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 2u) << dump(r);
  EXPECT_TRUE(
    has_problem(r, "processes[0].http",
                "host 10.77.0.2 is not the process's host (10.77.0.1)",
                line_of(text, "http = ")))
    << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[0].balancers[0].listen",
                          "host 10.77.0.3 is not the host of process \"b\" "
                          "(10.77.0.2), which runs this balancer",
                          line_of(text, "listen = ")))
    << dump(r);
  // The right hosts, wildcards and loopback are accepted.
  for (const char* listen : {"10.77.0.2:9101", "0.0.0.0:9101", "[::]:9101",
                             "127.0.0.1:9101", "balancer.example:9101"}) {
    SCOPED_TRACE(listen);
    auto ok = d;
    ok.set("p0", "http", "\"0.0.0.0:8080\"");
    ok.clusters = std::regex_replace(
      d.clusters, std::regex{"10\\.77\\.0\\.3:9101"}, listen);
    r = parse(ok.str());
    EXPECT_TRUE(r.value) << dump(r);
  }
}

TEST(Addresses, LoopbackHostAmongSeveralMachines) {
  // "n" kept the default host 127.0.0.1 while the others are on the network.
  auto d = doc{}
             .hosts({"10.77.0.1", "10.77.0.2"})
             .set("p0", "http", "\"10.77.0.1:8080\"");
  auto r = parse(d.str());
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
  EXPECT_TRUE(has_problem(r, "processes[2].host",
                          "127.0.0.1 is reachable only from its own machine, "
                          "but processes[0] (\"control\") is on 10.77.0.1"))
    << dump(r);
  // All on loopback, or all on the network, is fine.
  r = parse(d.hosts({"10.77.0.1", "10.77.0.2", "node.example"}).str());
  EXPECT_TRUE(r.value) << dump(r);
  r = parse(doc{}.hosts({"127.0.0.1", "::1", "localhost"}).str());
  EXPECT_TRUE(r.value) << dump(r);
}

// -- every problem at once, with its place
// ----------------------------------------------------

TEST(Validation, ReportsEveryProblemWithFileLineAndPath) {
  const std::string text =                               // line
    "[timers]\n"                                         // 1
    "heartbeat = \"5s\"\n"                               // 2
    "reconnect_max = \"100ms\"\n"                        // 3
    "[[clusters]]\n"                                     // 4
    "id = \"C1\"\n"                                      // 5
    "nodes = [\"C1-n1\", \"C1-n2\"]\n"                   // 6
    "  [[clusters.balancers]]\n"                         // 7
    "  id = \"C1-b1\"\n"                                 // 8
    "  listen = \"127.0.0.1:9101\"\n"                    // 9
    "[[clusters]]\n"                                     // 10
    "id = \"C2\"\n"                                      // 11
    "labels = { colour = \"red\" }\n"                    // 12
    "  [[clusters.balancers]]\n"                         // 13
    "  id = \"C2-b1\"\n"                                 // 14
    "  listen = \"127.0.0.1:9201\"\n"                    // 15
    "[[processes]]\n"                                    // 16
    "name = \"control\"\n"                               // 17
    "caf_port = 17000\n"                                 // 18
    "roles = [\"gateway\", \"control\", \"selector\"]\n" // 19
    "[[processes]]\n"                                    // 20
    "name = \"b\"\n"                                     // 21
    "caf_port = 17000\n"                                 // 22
    "roles = [\"balancer\"]\n"                           // 23
    "balancers = [\"C1-b1\", \"C3-b1\"]\n"               // 24
    "[[processes]]\n"                                    // 25
    "name = \"b\"\n"                                     // 26
    "roles = [\"balancer\", \"control\"]\n"              // 27
    "balancers = [\"C1-b1\"]\n"                          // 28
    "[[processes]]\n"                                    // 29
    "name = \"n\"\n"                                     // 30
    "caf_port = 17003\n"                                 // 31
    "roles = [\"node\"]\n"                               // 32
    "nodes = [\"C1-n1\"]\n"                              // 33
    "http = \"127.0.0.1:8081\"\n"                        // 34
    "  [processes.scheduler]\n"                          // 35
    "  policy = \"fifo\"\n";                             // 36
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  struct expected {
    int line;
    std::string path, message;
  };
  const std::vector<expected> all{
    {2, "timers.failure_timeout", "must be longer than timers.heartbeat"},
    {3, "timers.reconnect_max",
     "must not be shorter than timers.reconnect_min"},
    {12, "clusters[1].labels.colour", "unknown label item"},
    {10, "clusters[1].nodes", "must not be empty"},
    {16, "processes[0].http", "missing"},
    {25, "processes[2].caf_port",
     "missing (required when there is more than one "
     "process)"},
    {34, "processes[3].http", "only a process with the gateway role"},
    {36, "processes[3].scheduler.policy",
     "must be \"sharing\" or \"stealing\""},
    {26, "processes[2].name",
     "duplicate process name \"b\" (also processes[1])"},
    {24, "processes[1].balancers[1]", "unknown balancer \"C3-b1\""},
    {28, "processes[2].balancers[0]",
     "balancer \"C1-b1\" is already run by "
     "processes[1] (\"b\")"},
    {14, "clusters[1].balancers[0].id",
     "balancer \"C2-b1\" is run by no process"},
    {6, "clusters[0].nodes[1]", "node \"C1-n2\" is run by no process"},
    {27, "processes[2].roles[1]", "only one process may have the control role"},
    {16, "processes", "no process has the cluster_manager role"},
    {22, "processes[1].caf_port", "caf address 127.0.0.1:17000 is used twice"},
  };
  for (const auto& e : all)
    EXPECT_TRUE(has_problem(r, e.path, e.message, e.line))
      << e.line << ": " << e.path << ": " << e.message << "\n"
      << dump(r);
  EXPECT_EQ(r.errors.list.size(), all.size()) << dump(r);
  // Every problem has the form "file:line: path: message".
  std::regex shape{R"(^p\.toml:[0-9]+: [a-z_\[\]0-9.]+: .+$)"};
  for (const auto& p : r.errors.list)
    EXPECT_TRUE(std::regex_match(p, shape)) << p;
}

// -- fixes to the general parser made with this change
// --------------------------------------

TEST(General, HugeDurationIsRefused) {
  EXPECT_FALSE(parse_duration("5124095576030432h"));
  EXPECT_FALSE(parse_duration("18446744073709551615s"));
  EXPECT_FALSE(parse_duration("9223372036854775808ms"));
  EXPECT_EQ(parse_duration("9223372036854775807ms"),
            millis{9223372036854775807LL});
  EXPECT_EQ(parse_duration("2562047788015h"),
            millis{2562047788015LL * 3'600'000});
}

TEST(General, SectionThatIsNotATableIsReported) {
  for (const char* section :
       {"gateway", "labels", "timers", "limits", "scheduler"}) {
    SCOPED_TRACE(section);
    auto r = parse(std::string{section} + " = 5\n" + doc{}.str());
    EXPECT_FALSE(r.value);
    ASSERT_EQ(r.errors.list.size(), 1u) << dump(r);
    EXPECT_TRUE(has_problem(r, section, "must be a table", 1)) << dump(r);
  }
}

TEST(General, DuplicateIdsHaveALine) {
  auto d = doc{};
  d.clusters += "[[clusters]]\n"
                "id = \"C1\"\n"
                "nodes = [\"C1-n1\"]\n"
                "  [[clusters.balancers]]\n"
                "  id = \"C1-b1\"\n"
                "  listen = \"127.0.0.1:9201\"\n";
  auto text = d.str();
  auto r = parse(text);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.list.size(), 3u) << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[1].id", "duplicate cluster id \"C1\"",
                          line_of(text, "id = \"C1\"", 1)))
    << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[1].nodes",
                          "node \"C1-n1\" appears in more than one place",
                          line_of(text, "nodes = [\"C1-n1\"]", 1)))
    << dump(r);
  EXPECT_TRUE(has_problem(r, "clusters[1].balancers",
                          "duplicate balancer id \"C1-b1\"",
                          line_of(text, "id = \"C1-b1\"", 1)))
    << dump(r);
}

// -- the example topologies
// ---------------------------------------------------------------

std::filesystem::path examples_dir() {
  // tests/config/processes_test.cpp -> examples/topologies
  return std::filesystem::path{__FILE__}
           .parent_path()
           .parent_path()
           .parent_path()
       / "examples" / "topologies";
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// Checks the nine-process layout shared by multiprocess.toml and
/// three-hosts.toml: control on `control`, balancers on `balancers`, nodes
/// on `nodes`.
void expect_nine_processes(const topology& t, const std::string& control,
                           const std::string& balancers,
                           const std::string& nodes) {
  EXPECT_FALSE(t.all_in_one);
  ASSERT_EQ(t.clusters.size(), 2u);
  EXPECT_EQ(t.clusters[0].id, "C1");
  EXPECT_EQ(t.clusters[0].labels.at("region"), std::vector<std::string>{"GG1"});
  EXPECT_EQ(t.clusters[1].id, "C2");
  EXPECT_EQ(t.clusters[1].labels.at("region"), std::vector<std::string>{"GG2"});
  ASSERT_EQ(t.processes.size(), 9u);
  auto ctl = t.processes_with_role(process_role::control);
  ASSERT_EQ(ctl.size(), 1u);
  EXPECT_EQ(ctl[0]->name, "control");
  EXPECT_EQ(ctl[0]->host, control);
  for (auto role : {process_role::gateway, process_role::selector,
                    process_role::cluster_manager})
    EXPECT_EQ(t.processes_with_role(role), ctl) << to_string(role);
  EXPECT_EQ(t.http.to_string(), control + ":8080");
  EXPECT_EQ(t.processes_with_role(process_role::balancer).size(), 4u);
  EXPECT_EQ(t.processes_with_role(process_role::node).size(), 4u);
  std::set<uint16_t> caf_ports, listen_ports;
  for (const auto& p : t.processes) {
    EXPECT_GE(p.caf_port, 17000) << p.name;
    EXPECT_LT(p.caf_port, 18000) << p.name;
    caf_ports.insert(p.caf_port);
  }
  EXPECT_EQ(caf_ports.size(), 9u);
  for (const auto& c : t.clusters) {
    ASSERT_EQ(c.balancers.size(), 2u) << c.id;
    ASSERT_EQ(c.nodes.size(), 2u) << c.id;
    for (const auto& b : c.balancers) {
      auto* p = t.process_of_balancer(b.id);
      ASSERT_NE(p, nullptr) << b.id;
      EXPECT_EQ(p->roles, std::vector<process_role>{process_role::balancer});
      EXPECT_EQ(p->host, balancers) << b.id;
      EXPECT_EQ(b.listen.host, balancers) << b.id;
      listen_ports.insert(b.listen.port);
    }
    for (const auto& n : c.nodes) {
      auto* p = t.process_of_node(n);
      ASSERT_NE(p, nullptr) << n;
      EXPECT_EQ(p->roles, std::vector<process_role>{process_role::node});
      EXPECT_EQ(p->host, nodes) << n;
      EXPECT_EQ(t.cluster_of_node(n), &c);
    }
  }
  EXPECT_EQ(listen_ports, (std::set<uint16_t>{9101, 9111, 9201, 9211}));
}

TEST(Examples, Multiprocess) {
  auto path = examples_dir() / "multiprocess.toml";
  auto r = load_topology_file(path.string());
  ASSERT_TRUE(r.value) << r.errors.to_string();
  EXPECT_TRUE(r.warnings.list.empty()) << r.warnings.to_string();
  expect_nine_processes(*r.value, "127.0.0.1", "127.0.0.1", "127.0.0.1");
}

TEST(Examples, ThreeHosts) {
  auto path = examples_dir() / "three-hosts.toml";
  auto r = load_topology_file(path.string());
  ASSERT_TRUE(r.value) << r.errors.to_string();
  EXPECT_TRUE(r.warnings.list.empty()) << r.warnings.to_string();
  expect_nine_processes(*r.value, "10.77.0.1", "10.77.0.2", "10.77.0.3");
  // Same clusters, processes and ports as multiprocess.toml.
  auto one
    = load_topology_file((examples_dir() / "multiprocess.toml").string());
  ASSERT_TRUE(one.value);
  ASSERT_EQ(one.value->processes.size(), r.value->processes.size());
  for (const auto& p : one.value->processes) {
    auto* q = r.value->find_process(p.name);
    ASSERT_NE(q, nullptr) << p.name;
    EXPECT_EQ(q->caf_port, p.caf_port) << p.name;
    EXPECT_EQ(q->roles, p.roles) << p.name;
    EXPECT_EQ(q->balancers, p.balancers) << p.name;
    EXPECT_EQ(q->nodes, p.nodes) << p.name;
  }
}

TEST(Examples, AllInOneIsTheEmbeddedDefault) {
  auto path = examples_dir() / "all-in-one.toml";
  auto text = read(path);
  ASSERT_FALSE(text.empty()) << path;
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.remove_suffix(1);
    return std::string{s};
  };
  EXPECT_EQ(trim(text), trim(default_topology_toml()));
  auto r = load_topology_file(path.string());
  ASSERT_TRUE(r.value) << r.errors.to_string();
  EXPECT_TRUE(r.value->all_in_one);
  EXPECT_EQ(r.value->processes.at(0).name, "all-in-one");
}

} // namespace
} // namespace tether::config
