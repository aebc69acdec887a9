// The operator's routes on one job, terminal, cluster or node (issue 13,
// item 8): matched with their ids, the methods each path takes named in
// 405's Allow, and the scopes their keys need.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "actors/http_gateway/api_keys.hpp"
#include "actors/policy/api.hpp"

namespace tether::api {
namespace {

TEST(OperatorRoutes, Match) {
  auto r = match("DELETE", "/v1/jobs/J1");
  EXPECT_EQ(r.kind, route::job_cancel);
  EXPECT_EQ(r.id, "J1");
  r = match("DELETE", "/v1/terminals/T1");
  EXPECT_EQ(r.kind, route::terminal_retire);
  EXPECT_EQ(r.id, "T1");
  r = match("GET", "/v1/admin/clusters/C1");
  EXPECT_EQ(r.kind, route::admin_cluster_get);
  EXPECT_EQ(r.id, "C1");
  EXPECT_EQ(match("GET", "/v1/admin/nodes").kind, route::admin_nodes);
  // The routes that were there keep working.
  EXPECT_EQ(match("GET", "/v1/jobs/J1").kind, route::job);
  EXPECT_EQ(match("GET", "/v1/terminals/T1").kind, route::terminal);
  EXPECT_EQ(match("PUT", "/v1/admin/clusters/C1").kind, route::admin_cluster);
  EXPECT_EQ(match("PUT", "/v1/admin/nodes/n1").kind, route::admin_node);
}

TEST(OperatorRoutes, OtherMethodsNameTheAllowedOnes) {
  struct c {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const auto& x :
       std::vector<c>{{"POST", "/v1/jobs/J1", "GET, HEAD, DELETE"},
                      {"PUT", "/v1/terminals/T1", "GET, HEAD, DELETE"},
                      {"DELETE", "/v1/admin/clusters/C1", "GET, HEAD, PUT"},
                      {"POST", "/v1/admin/nodes", "GET, HEAD"}}) {
    SCOPED_TRACE(std::string{x.method} + " " + x.target);
    auto r = match(x.method, x.target);
    EXPECT_EQ(r.kind, route::method_not_allowed);
    EXPECT_EQ(r.allow, x.allow);
  }
}

TEST(OperatorRoutes, BadIdsAreRefused) {
  EXPECT_EQ(match("DELETE", "/v1/jobs/J%201").kind, route::bad_id);
  EXPECT_EQ(match("DELETE", "/v1/terminals/T%201").kind, route::bad_id);
  EXPECT_EQ(match("GET", "/v1/admin/clusters/C%201").kind, route::bad_id);
}

TEST(OperatorRoutes, Scopes) {
  using scopes = std::vector<std::string_view>;
  EXPECT_EQ(access_of(route::job_cancel).any_of, scopes{"jobs:write"});
  EXPECT_EQ(access_of(route::terminal_retire).any_of,
            scopes{"terminals:write"});
  EXPECT_EQ(access_of(route::admin_nodes).any_of, scopes{"admin"});
  EXPECT_EQ(access_of(route::admin_cluster_get).any_of, scopes{"admin"});
  EXPECT_FALSE(access_of(route::job_cancel).open);
}

} // namespace
} // namespace tether::api
