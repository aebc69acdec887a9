// Every keyed route of docs/API.md refuses a call without a key (401
// `unauthorized`) and a call with a key that lacks its scope (403
// `forbidden`, naming the scope), and neither refusal changes anything:
// one sweep over the route table, so that a route added without a refusal
// test shows here. Device routes (register, destination: their proofs are
// tested in device_auth_test), /healthz, /ui/ and /v1/openapi.json are
// open by design and not listed.
#include "tests/e2e/e2e.hpp"

namespace tether::test {
namespace {

struct keyed_route {
  std::string method;
  std::string target;
  std::string body;
  std::string scope; // the scope the 403 names
};

http_result call_as(const tetherd_process& d, const std::string& key,
                    const std::string& method, const std::string& target,
                    const std::string& body = {}) {
  return http_call_auth(d.http(), key.empty() ? "" : "Bearer " + key, method,
                        target, body);
}

/// A new key with `scopes`: {key_id, key}.
std::pair<std::string, std::string> new_key(const tetherd_process& d,
                                            const std::string& scopes) {
  auto r = call_as(d, d.admin_key(), "POST", "/v1/admin/keys",
                   R"({"name":"sweep","scopes":)" + scopes + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  auto v = json_of(r.body);
  return {str_at(v, "key_id"), str_at(v, "key")};
}

/// What the refused calls could have changed, read with the admin key.
std::string state_of(const tetherd_process& d) {
  std::string out;
  for (const auto* target :
       {"/v1/terminals/RR1", "/v1/admin/label-config", "/v1/admin/keys",
        "/v1/admin/clusters", "/v1/jobs?terminal_id=RR1"}) {
    auto r = call_as(d, d.admin_key(), "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    auto v = json_of(r.body);
    // Live figures (last_seen, cpu, memory) move by themselves: compare
    // what a call could change.
    if (std::string{target} == "/v1/admin/clusters")
      for (auto& c : v.at("clusters").as_array())
        out += str_at(c, "cluster_id") + ":" + str_at(c, "state") + ";";
    else if (std::string{target} == "/v1/terminals/RR1")
      out += boost::json::serialize(v.at("attributes"))
           + boost::json::serialize(v.at("users"))
           + boost::json::serialize(v.at("revoked"));
    else
      out += r.body;
    out += "\n";
  }
  return out;
}

TEST(route_refusal, EveryKeyedRouteRefusesWithoutAKeyOrItsScope) {
  tetherd_process d{test_topology()};
  d.start();
  ASSERT_EQ(register_terminal(d, R"({"terminal_id":"RR1"})").status, 200);
  auto push = call_as(d, d.admin_key(), "POST", "/v1/terminals/RR1/jobs",
                      R"({"service":"print","payload":{}})");
  ASSERT_EQ(push.status, 202) << push.body;
  auto job = "/v1/jobs/" + str_at(json_of(push.body), "job_id");
  auto [metrics_id, metrics_only] = new_key(d, R"(["metrics"])");
  auto jobs_read = new_key(d, R"(["jobs:read"])").second;
  const std::vector<keyed_route> routes = {
    {"GET", "/v1/terminals/RR1", "", "jobs:read"},
    {"POST", "/v1/terminals/RR1/jobs", R"({"service":"print","payload":{}})",
     "jobs:write"},
    {"POST", "/v1/jobs/bulk",
     R"({"jobs":[{"terminal_id":"RR1","service":"print","payload":{}}]})",
     "jobs:write"},
    {"GET", job, "", "jobs:read"},
    {"DELETE", job, "", "jobs:write"},
    {"DELETE", "/v1/terminals/RR1", "", "terminals:write"},
    {"PUT", "/v1/terminals/RR1/attributes", R"({"plan":"paid"})",
     "terminals:write"},
    {"PUT", "/v1/users/alice/terminals/RR1", "", "terminals:write"},
    {"GET", "/v1/terminals/RR1/history", "", "jobs:read"},
    {"GET", "/v1/terminals?prefix=RR", "", "jobs:read"},
    {"GET", "/v1/jobs?terminal_id=RR1", "", "jobs:read"},
    {"GET", "/v1/admin/keys", "", "admin"},
    {"POST", "/v1/admin/keys", R"({"name":"x","scopes":["admin"]})", "admin"},
    {"DELETE", "/v1/admin/keys/" + metrics_id, "", "admin"},
    {"GET", "/v1/admin/clusters", "", "admin"},
    {"GET", "/v1/admin/clusters/C1", "", "admin"},
    {"PUT", "/v1/admin/clusters/C1", R"({"state":"draining"})", "admin"},
    {"GET", "/v1/admin/nodes", "", "admin"},
    {"PUT", "/v1/admin/nodes/C1-n1", R"({"state":"draining"})", "admin"},
    {"GET", "/v1/admin/label-config", "", "admin"},
    {"PUT", "/v1/admin/label-config", R"({"items":["region"]})", "admin"},
    {"POST", "/v1/admin/reallocate", "{}", "admin"},
    {"GET", "/v1/admin/classes", "", "admin"},
    {"DELETE", "/v1/admin/classes/ge-1", "", "admin"},
    {"POST", "/v1/admin/terminals/RR1/revoke", "", "admin"},
    {"DELETE", "/v1/admin/terminals/RR1/revoke", "", "admin"},
    {"GET", "/metrics", "", "metrics"},
  };
  auto before = state_of(d);
  for (const auto& r : routes) {
    SCOPED_TRACE(r.method + " " + r.target);
    auto none = call_as(d, "", r.method, r.target, r.body);
    EXPECT_EQ(none.status, 401) << none.body;
    EXPECT_EQ(error_code_of(none), "unauthorized") << none.body;
    auto bogus = call_as(d, "tk_not_a_key", r.method, r.target, r.body);
    EXPECT_EQ(bogus.status, 401) << bogus.body;
    // A key without the scope: `metrics` for the others, `jobs:read` for
    // /metrics itself.
    auto weak = r.scope == "metrics" ? jobs_read : metrics_only;
    auto wrong = call_as(d, weak, r.method, r.target, r.body);
    EXPECT_EQ(wrong.status, 403) << wrong.body;
    EXPECT_EQ(error_code_of(wrong), "forbidden") << wrong.body;
    EXPECT_NE(error_message_of(wrong).find(r.scope), std::string::npos)
      << wrong.body;
  }
  EXPECT_EQ(state_of(d), before);
}

} // namespace
} // namespace tether::test
