// GET /metrics read back by a parser of the Prometheus text format 0.0.4
// (written here from the format's description, independent of the writer
// in actors/http_gateway/metrics_text.cpp): every sample belongs to a
// family declared once with # HELP and # TYPE before its samples; label
// values unescape to what was written; histogram buckets are cumulative,
// end with le="+Inf" equal to _count, and have _sum; no series twice.
#include "actors/http_gateway/metrics_text.hpp"

#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "actors/http_gateway/http_routes.hpp"

namespace tether::metrics {
namespace {

struct series {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct parsed {
  std::map<std::string, std::string> types; // family -> type
  std::map<std::string, std::string> helps;
  std::vector<series> samples;
  std::vector<std::string> problems;
};

/// Labels `{a="x",b="y"}` from position `i` of `line`; unescapes \\ \" \n.
bool parse_labels(const std::string& line, size_t& i,
                  std::map<std::string, std::string>& out) {
  ++i; // '{'
  while (i < line.size() && line[i] != '}') {
    auto eq = line.find('=', i);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
      return false;
    auto name = line.substr(i, eq - i);
    std::string value;
    size_t j = eq + 2;
    for (; j < line.size() && line[j] != '"'; ++j) {
      if (line[j] == '\\' && j + 1 < line.size()) {
        char c = line[++j];
        if (c != '\\' && c != '"' && c != 'n')
          return false;
        value += c == 'n' ? '\n' : c;
      } else {
        value += line[j];
      }
    }
    if (j >= line.size() || !out.emplace(name, value).second)
      return false;
    i = j + 1;
    if (i < line.size() && line[i] == ',')
      ++i;
  }
  if (i >= line.size())
    return false;
  ++i; // '}'
  return true;
}

/// The family a sample name belongs to (histograms: _bucket/_sum/_count).
std::string family_of(const parsed& p, const std::string& name) {
  if (p.types.count(name))
    return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s{suffix};
    if (name.size() > s.size() && name.ends_with(s)) {
      auto base = name.substr(0, name.size() - s.size());
      if (auto it = p.types.find(base);
          it != p.types.end() && it->second == "histogram")
        return base;
    }
  }
  return {};
}

void parse_comment(const std::string& line, parsed& p,
                   const std::set<std::string>& with_samples) {
  std::istringstream in(line.substr(2));
  std::string kind, name, rest;
  in >> kind >> name;
  std::getline(in, rest);
  if (kind == "TYPE") {
    static const std::set<std::string> types{"counter", "gauge", "histogram",
                                             "summary", "untyped"};
    if (!types.count(rest.substr(1)))
      p.problems.push_back("bad type: " + line);
    if (!p.types.emplace(name, rest.substr(1)).second)
      p.problems.push_back("family declared twice: " + name);
    if (!p.helps.count(name))
      p.problems.push_back("# TYPE before # HELP: " + name);
  } else if (kind == "HELP") {
    if (!p.helps.emplace(name, rest).second)
      p.problems.push_back("help twice: " + name);
  }
  if (with_samples.count(name))
    p.problems.push_back("# " + kind + " after samples of " + name);
}

parsed parse(const std::string& text) {
  parsed p;
  std::set<std::string> with_samples, seen;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty())
      continue;
    if (line.rfind("# ", 0) == 0) {
      parse_comment(line, p, with_samples);
      continue;
    }
    series s;
    size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{'
        && !parse_labels(line, i, s.labels)) {
      p.problems.push_back("bad labels: " + line);
      continue;
    }
    if (i == std::string::npos || line[i] != ' ') {
      p.problems.push_back("no value: " + line);
      continue;
    }
    auto v = line.substr(i + 1);
    try {
      s.value = v == "+Inf" ? HUGE_VAL : std::stod(v);
    } catch (...) {
      p.problems.push_back("bad value: " + line);
    }
    auto fam = family_of(p, s.name);
    if (fam.empty())
      p.problems.push_back("sample of no declared family: " + line);
    with_samples.insert(fam);
    if (!seen.insert(line.substr(0, i)).second)
      p.problems.push_back("series twice: " + line);
    p.samples.push_back(std::move(s));
  }
  return p;
}

/// For each histogram series (labels without le): buckets cumulative, +Inf
/// last and equal to _count, _sum present.
void check_histograms(const parsed& p) {
  for (const auto& [fam, type] : p.types) {
    if (type != "histogram")
      continue;
    std::map<std::map<std::string, std::string>, std::vector<series>> buckets;
    std::map<std::map<std::string, std::string>, double> counts, sums;
    for (const auto& s : p.samples) {
      if (s.name == fam + "_bucket") {
        auto key = s.labels;
        key.erase("le");
        EXPECT_TRUE(s.labels.count("le")) << fam;
        buckets[key].push_back(s);
      } else if (s.name == fam + "_count") {
        counts[s.labels] = s.value;
      } else if (s.name == fam + "_sum") {
        sums[s.labels] = s.value;
      }
    }
    for (const auto& [key, bs] : buckets) {
      ASSERT_FALSE(bs.empty());
      for (size_t i = 1; i < bs.size(); ++i) {
        EXPECT_GE(bs[i].value, bs[i - 1].value) << fam << " not cumulative";
        EXPECT_GT(std::stod(bs[i].labels.at("le") == "+Inf"
                              ? "1e300"
                              : bs[i].labels.at("le")),
                  std::stod(bs[i - 1].labels.at("le")))
          << fam << " bounds not increasing";
      }
      EXPECT_EQ(bs.back().labels.at("le"), "+Inf") << fam;
      ASSERT_TRUE(counts.count(key)) << fam << " without _count";
      EXPECT_EQ(bs.back().value, counts[key]) << fam;
      EXPECT_TRUE(sums.count(key)) << fam << " without _sum";
    }
  }
}

const series* find(const parsed& p, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  for (const auto& s : p.samples)
    if (s.name == name && s.labels == labels)
      return &s;
  return nullptr;
}

TEST(MetricsText, LabelValuesAreEscapedAndReadBack) {
  EXPECT_EQ(escape_label_value(R"(a"b\c)"
                               "\n"),
            R"(a\"b\\c\n)");
  exposition e;
  e.family("t_total", "counter", "A counter.");
  e.sample("t_total", {{"id", "a\"b\\c\nd"}, {"x", ""}}, 3);
  auto p = parse(e.text());
  EXPECT_TRUE(p.problems.empty()) << p.problems.front();
  auto* s = find(p, "t_total", {{"id", "a\"b\\c\nd"}, {"x", ""}});
  ASSERT_NE(s, nullptr) << e.text();
  EXPECT_EQ(s->value, 3);
}

TEST(MetricsText, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  histogram h{{0.1, 1, 0.01}}; // unsorted on purpose
  for (double v : {0.005, 0.05, 0.05, 0.5, 5.0})
    h.observe(v);
  exposition e;
  e.family("lat_seconds", "histogram", "Latency.");
  e.observe("lat_seconds", {{"route", "GET /x"}}, h);
  auto p = parse(e.text());
  ASSERT_TRUE(p.problems.empty()) << p.problems.front();
  check_histograms(p);
  auto le = [&](const char* b) {
    auto* s = find(p, "lat_seconds_bucket", {{"route", "GET /x"}, {"le", b}});
    return s != nullptr ? s->value : -1;
  };
  EXPECT_EQ(le("0.01"), 1);
  EXPECT_EQ(le("0.1"), 3);
  EXPECT_EQ(le("1"), 4);
  EXPECT_EQ(le("+Inf"), 5);
  EXPECT_NEAR(find(p, "lat_seconds_sum", {{"route", "GET /x"}})->value, 5.605,
              1e-9);
}

TEST(MetricsText, ThisProcessIsRead) {
  auto f = read_process_figures();
  EXPECT_GT(f.resident_bytes, 1024 * 1024);
  EXPECT_GE(f.open_fds, 3);
  EXPECT_GE(f.max_fds, f.open_fds);
  EXPECT_GT(f.start_time_seconds, 1.6e9);
  EXPECT_GE(f.cpu_seconds, 0);
}

/// The whole body of GET /metrics, as the gateway writes it.
TEST(MetricsText, TheGatewaysExpositionParses) {
  http_gateway_state st;
  st.answers->responses[200] = 4;
  st.answers->responses[401] = 1;
  st.answers->route_answers[{"POST /v1/terminals/{id}/jobs", 202}] = 2;
  st.answers->route_latency.try_emplace("POST /v1/terminals/{id}/jobs",
                                        latency_bounds());
  st.answers->route_latency.at("POST /v1/terminals/{id}/jobs").observe(0.003);
  st.answers->auth_refusals["unknown_key"] = 1;
  cluster_status c;
  c.cluster_id = "C\"1";
  c.state = "active";
  c.connections = 7;
  c.nodes.push_back({.node_id = "n\\1", .state = "draining", .sessions = 5});
  auto p = parse(metrics_text(st, {c}));
  ASSERT_TRUE(p.problems.empty()) << p.problems.front();
  check_histograms(p);
  EXPECT_EQ(p.types.at("tether_http_request_duration_seconds"), "histogram");
  EXPECT_EQ(p.types.at("process_cpu_seconds_total"), "counter");
  for (const auto& [fam, help] : p.helps)
    EXPECT_GT(help.size(), 5u) << fam << " has no help";
  auto* conn = find(p, "tether_cluster_connections", {{"cluster", "C\"1"}});
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->value, 7);
  auto* state
    = find(p, "tether_node_state",
           {{"cluster", "C\"1"}, {"node", "n\\1"}, {"state", "draining"}});
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->value, 1);
  EXPECT_NE(
    find(p, "tether_http_requests_total",
         {{"route", "POST /v1/terminals/{id}/jobs"}, {"status", "202"}}),
    nullptr);
  EXPECT_NE(find(p, "tether_auth_refusals_total", {{"reason", "unknown_key"}}),
            nullptr);
}

TEST(MetricsText, AFailedNodeHasStateAndSessionsButNoLoad) {
  http_gateway_state st;
  cluster_status c;
  c.cluster_id = "C1";
  c.state = "active";
  c.nodes.push_back({.node_id = "up",
                     .state = "active",
                     .sessions = 2,
                     .cpu = 0.5,
                     .memory = 1 << 20});
  c.nodes.push_back({.node_id = "dead",
                     .state = "failed",
                     .sessions = 3,
                     .cpu = 0.7,
                     .memory = 2 << 20});
  auto p = parse(metrics_text(st, {c}));
  ASSERT_TRUE(p.problems.empty()) << p.problems.front();
  auto node = [](const char* id) {
    return std::map<std::string, std::string>{{"cluster", "C1"}, {"node", id}};
  };
  for (const char* fam :
       {"tether_node_cpu_ratio", "tether_node_resident_memory_bytes",
        "tether_node_cpu_utilisation", "tether_node_memory_utilisation",
        "tether_node_host_cpu_utilisation",
        "tether_node_host_memory_utilisation"}) {
    EXPECT_NE(find(p, fam, node("up")), nullptr) << fam;
    EXPECT_EQ(find(p, fam, node("dead")), nullptr) << fam;
  }
  ASSERT_NE(find(p, "tether_node_sessions", node("dead")), nullptr);
  EXPECT_EQ(find(p, "tether_node_sessions", node("dead"))->value, 3);
  EXPECT_NE(find(p, "tether_node_state",
                 {{"cluster", "C1"}, {"node", "dead"}, {"state", "failed"}}),
            nullptr);
}

/// A failed request's log line names its route and terminal (found by a new
/// user: "request failed: error(7, 'tether', ...)" named neither).
TEST(GatewayLog, RequestContextNamesRouteAndTerminal) {
  http_gateway_state st;
  struct sink : http_responder {
    void respond(http_response) override {}
  };
  api::route push;
  push.kind = api::route::push_job;
  push.id = "T1";
  EXPECT_EQ(request_context(st.arrived(std::make_shared<sink>(), push)),
            "POST /v1/terminals/{id}/jobs (terminal T1)");
  api::route job;
  job.kind = api::route::job;
  job.id = "J9";
  EXPECT_EQ(request_context(st.arrived(std::make_shared<sink>(), job)),
            "GET /v1/jobs/{id} (job J9)");
  api::route reg;
  reg.kind = api::route::register_terminal;
  EXPECT_EQ(request_context(st.arrived(std::make_shared<sink>(), reg)),
            "POST /v1/terminals/register");
  EXPECT_EQ(request_context(std::make_shared<sink>()), "request");
}

/// A handler may wrap the request's responder in its own: the answer is
/// still counted by route exactly once, and a second answer is still
/// dropped (found at a merge: a wrapper made answer() miss the route, so
/// registrations went uncounted in tether_http_requests_total).
TEST(GatewayAnswers, AWrappedResponderIsCountedOnceByRoute) {
  http_gateway_state st;
  struct sink : http_responder {
    int answers = 0;
    void respond(http_response) override { ++answers; }
  };
  struct wrapper : http_responder {
    http_responder_ptr inner;
    void respond(http_response r) override { inner->respond(std::move(r)); }
  };
  api::route reg;
  reg.kind = api::route::register_terminal;
  auto wire = std::make_shared<sink>();
  auto out = st.arrived(wire, reg);
  st.track(out, reg);
  auto wrapped = std::make_shared<wrapper>();
  wrapped->inner = out;
  st.answer(wrapped, api::json_response(409, "{}"));
  st.answer(wrapped, api::json_response(200, "{}"));
  st.answer(out, api::json_response(200, "{}"));
  EXPECT_EQ(wire->answers, 1);
  const auto& a = *st.answers;
  EXPECT_EQ(a.route_answers.at({"POST /v1/terminals/register", 409}), 1u);
  EXPECT_EQ(a.route_answers.count({"POST /v1/terminals/register", 200}), 0u);
  EXPECT_EQ(a.responses.at(409), 1u);
  EXPECT_EQ(a.responses.count(200), 0u);
  EXPECT_EQ(a.route_latency.count("POST /v1/terminals/register"), 1u);
}

/// A refused request (before its route is served) is counted by route too.
TEST(GatewayAnswers, ARefusalIsCountedByRoute) {
  http_gateway_state st;
  struct sink : http_responder {
    void respond(http_response) override {}
  };
  api::route reg;
  reg.kind = api::route::destination;
  st.fail(st.arrived(std::make_shared<sink>(), reg), errc::unauthorized,
          "no proof");
  const auto& a = *st.answers;
  EXPECT_EQ(a.route_answers.at({"GET /v1/terminals/{id}/destination", 401}),
            1u);
  EXPECT_EQ(a.auth_refusals.at("device_proof"), 1u);
}

/// Gathered series: one family per name, the right type, histograms
/// cumulative up to +Inf, labels escaped.
TEST(MetricsText, GatheredSeriesParse) {
  http_gateway_state st;
  metric_set a;
  a.add("tether_connects_total", {{"balancer", "b\"1"}}, 2);
  a.add("tether_disconnects_total", {{"reason", "keepalive_lost"}});
  a.observe("tether_connect_duration_seconds", {{"balancer", "b1"}}, 0.004);
  a.observe("tether_connect_duration_seconds", {{"balancer", "b1"}}, 3);
  metric_set b;
  b.add("tether_connects_total", {{"balancer", "b2"}}, 5);
  auto all = a.series();
  auto more = b.series();
  all.insert(all.end(), more.begin(), more.end());
  all.push_back(metric_series{
    "tether_metrics_source_up", {{"source", "store"}}, 1, {}, {}, 0});
  auto p = parse(metrics_text(st, {}, all));
  ASSERT_TRUE(p.problems.empty()) << p.problems.front();
  check_histograms(p);
  EXPECT_EQ(p.types.at("tether_connect_duration_seconds"), "histogram");
  EXPECT_EQ(p.types.at("tether_connects_total"), "counter");
  EXPECT_EQ(p.types.at("tether_metrics_source_up"), "gauge");
  auto* one = find(p, "tether_connects_total", {{"balancer", "b\"1"}});
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->value, 2);
  auto* two = find(p, "tether_connects_total", {{"balancer", "b2"}});
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->value, 5);
  auto* le5ms = find(p, "tether_connect_duration_seconds_bucket",
                     {{"balancer", "b1"}, {"le", "0.005"}});
  ASSERT_NE(le5ms, nullptr);
  EXPECT_EQ(le5ms->value, 1);
  auto* inf = find(p, "tether_connect_duration_seconds_bucket",
                   {{"balancer", "b1"}, {"le", "+Inf"}});
  ASSERT_NE(inf, nullptr);
  EXPECT_EQ(inf->value, 2);
  for (const auto& [fam, help] : p.helps)
    EXPECT_GT(help.size(), 5u) << fam << " has no help";
}

TEST(MetricsText, TheParserRefusesBrokenText) {
  EXPECT_FALSE(parse("x_total 1\n").problems.empty()); // no family
  EXPECT_FALSE(
    parse("# HELP x h\n# TYPE x gauge\nx{a=\"1} 1\n").problems.empty());
  EXPECT_FALSE(
    parse("# HELP x h\n# TYPE x gauge\nx 1\nx 2\n").problems.empty());
  EXPECT_FALSE(
    parse("# HELP x h\n# TYPE x gauge\nx 1\n# HELP x h\n").problems.empty());
}

} // namespace
} // namespace tether::metrics
