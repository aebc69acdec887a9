// The HTTP API codec (actors/policy/api.hpp) and the error mapping
// (errors.hpp): routing, request decoding (every error names the field),
// response shapes of docs/API.md, error bodies with Retry-After, and RFC 3339
// times.
#include "actors/policy/api.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <caf/sec.hpp>
#include <gtest/gtest.h>

#include "tests/actors/policy/json_checks.hpp"

namespace tether::api {
namespace {

namespace json = boost::json;

using test_json::parse_object;

bool has_keys(const json::object& o, std::initializer_list<const char*> keys) {
  for (auto* k : keys)
    if (!o.contains(k)) {
      ADD_FAILURE() << "missing key " << k << " in " << json::serialize(o);
      return false;
    }
  return true;
}

// -- valid_id -----------------------------------------------------------------

TEST(ValidId, AcceptsAndRejects) {
  for (const char* ok : {"T1", "a", "A.b_c:d-e", "0123456789"})
    EXPECT_TRUE(valid_id(ok)) << ok;
  EXPECT_TRUE(valid_id(std::string(128, 'x')));
  for (const char* bad :
       {"", "a b", "a/b", "a%20b", "a?b", "caf\xc3\xa9", "a\nb", "{}"})
    EXPECT_FALSE(valid_id(bad)) << bad;
  EXPECT_FALSE(valid_id(std::string(129, 'x')));
}

// -- match
// ------------------------------------------------------------------------

struct route_case {
  const char* method;
  std::string target;
  route::kind_t kind;
  std::string id;
};

TEST(Match, EveryRoute) {
  const std::vector<route_case> cases{
    {"POST", "/v1/terminals/register", route::register_terminal, ""},
    {"GET", "/v1/terminals/T1/destination", route::destination, "T1"},
    {"GET", "/v1/terminals/T1", route::terminal, "T1"},
    {"POST", "/v1/terminals/T1/jobs", route::push_job, "T1"},
    {"PUT", "/v1/terminals/T1/attributes", route::attributes, "T1"},
    {"PUT", "/v1/users/U1/terminals/T1", route::user_link, "T1"},
    {"GET", "/v1/jobs/J0000000000000001", route::job, "J0000000000000001"},
    {"GET", "/v1/admin/clusters", route::admin_clusters, ""},
    {"PUT", "/v1/admin/clusters/C3", route::admin_cluster, "C3"},
    {"GET", "/v1/admin/label-config", route::label_config_get, ""},
    {"PUT", "/v1/admin/label-config", route::label_config_put, ""},
    {"PUT", "/v1/admin/nodes/C1-n2", route::admin_node, "C1-n2"},
    {"POST", "/v1/admin/reallocate", route::reallocate, ""},
    {"GET", "/healthz", route::healthz, ""},
    {"GET", "/metrics", route::metrics, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string{c.method} + " " + c.target);
    auto r = match(c.method, c.target);
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, c.id);
  }
}

TEST(Match, WrongMethod) {
  const std::vector<route_case> cases{
    {"GET", "/v1/terminals/register", route::method_not_allowed, ""},
    {"PUT", "/v1/terminals/T1/destination", route::method_not_allowed, ""},
    {"POST", "/v1/terminals/T1", route::method_not_allowed, ""},
    {"GET", "/v1/terminals/T1/jobs", route::method_not_allowed, ""},
    {"POST", "/v1/terminals/T1/attributes", route::method_not_allowed, ""},
    {"GET", "/v1/users/U1/terminals/T1", route::method_not_allowed, ""},
    {"POST", "/v1/jobs/J1", route::method_not_allowed, ""},
    {"POST", "/v1/admin/clusters", route::method_not_allowed, ""},
    {"POST", "/v1/admin/clusters/C1", route::method_not_allowed, ""},
    {"POST", "/v1/admin/label-config", route::method_not_allowed, ""},
    {"GET", "/v1/admin/nodes/C1-n1", route::method_not_allowed, ""},
    {"GET", "/v1/admin/reallocate", route::method_not_allowed, ""},
    {"POST", "/healthz", route::method_not_allowed, ""},
    {"HEAD", "/metrics", route::method_not_allowed, ""},
    {"get", "/healthz", route::method_not_allowed,
     ""}, // methods are case-sensitive
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string{c.method} + " " + c.target);
    auto r = match(c.method, c.target);
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, c.id);
  }
}

TEST(Match, BadIds) {
  const std::string long_id(129, 'x');
  const std::vector<route_case> cases{
    {"GET", "/v1/terminals/T%201", route::bad_id, "T%201"},
    {"GET", "/v1/terminals/" + long_id, route::bad_id, long_id},
    {"GET", "/v1/terminals/T!/destination", route::bad_id, "T!"},
    {"POST", "/v1/terminals/%2e%2e/jobs", route::bad_id, "%2e%2e"},
    {"GET", "/v1/jobs/J*", route::bad_id, "J*"},
    {"PUT", "/v1/terminals/T%/attributes", route::bad_id, "T%"},
    {"PUT", "/v1/users/U1/terminals/T%", route::bad_id, "T%"},
    {"PUT", "/v1/users/U%201/terminals/T1", route::bad_id,
     "U%201"}, // the user id
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string{c.method} + " " + c.target);
    auto r = match(c.method, c.target);
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, c.id);
  }
  // The id echoed back is cut.
  auto r = match("GET", "/v1/jobs/" + std::string(1000, '!'));
  EXPECT_EQ(r.kind, route::bad_id);
  EXPECT_EQ(r.id.size(), 140u);
}

TEST(Match, UnknownPaths) {
  for (const char* target : {"/",
                             "",
                             "/v1",
                             "/v2/terminals/T1",
                             "/v1/terminals/T1/jobs/J1",
                             "/v1/terminals/T1/labels",
                             "/v1/jobs/J1/cancel",
                             "/ui/a/b",
                             "/v1/admin",
                             "/v1/users/U1",
                             "/v1/users/U1/terminals",
                             "/v1/users/U1/devices/T1",
                             "/v1/users/U1/terminals/T1/x",
                             "/v1/admin/clusters/C1/x",
                             "/v1/admin/nodes/n/x",
                             "/v1/admin/label-config/x",
                             "/v1/admin/reallocate/C1",
                             "/healthz/x",
                             "/metricsz",
                             "/V1/terminals/T1",
                             "v1"}) {
    SCOPED_TRACE(target);
    auto r = match("GET", target);
    EXPECT_EQ(r.kind, route::not_found);
    EXPECT_EQ(r.id, "");
    EXPECT_EQ(match("POST", target).kind, route::not_found);
  }
}

TEST(Match, OperatorListsAndTheDashboard) {
  EXPECT_EQ(match("GET", "/v1/terminals").kind, route::terminals_list);
  EXPECT_EQ(match("GET", "/v1/terminals?prefix=T").kind, route::terminals_list);
  EXPECT_EQ(match("GET", "/v1/jobs?status=done").kind, route::jobs_list);
  EXPECT_EQ(match("POST", "/v1/jobs").kind, route::method_not_allowed);
  EXPECT_EQ(match("DELETE", "/v1/terminals").kind, route::method_not_allowed);
  auto index = match("GET", "/ui/");
  EXPECT_EQ(index.kind, route::ui);
  EXPECT_EQ(index.id, "");
  EXPECT_EQ(match("GET", "/ui").kind, route::ui);
  auto js = match("GET", "/ui/app.js?v=1");
  EXPECT_EQ(js.kind, route::ui);
  EXPECT_EQ(js.id, "app.js");
  EXPECT_EQ(match("POST", "/ui/").kind, route::method_not_allowed);
}

TEST(DecodeListQuery, Accepts) {
  list_query q;
  EXPECT_EQ(decode_list_query("/v1/terminals", route::terminals_list, q), "");
  EXPECT_EQ(q.limit, 50u);
  EXPECT_EQ(decode_list_query("/v1/terminals?prefix=ab%3Ac&limit=1000",
                              route::terminals_list, q),
            "");
  EXPECT_EQ(q.prefix, "ab:c");
  EXPECT_EQ(q.limit, 1000u);
  EXPECT_EQ(
    decode_list_query("/v1/terminals?prefix=&", route::terminals_list, q), "");
  EXPECT_EQ(q.prefix, "");
  list_query j;
  EXPECT_EQ(decode_list_query("/v1/jobs?terminal_id=T1&status=failed&limit=1",
                              route::jobs_list, j),
            "");
  EXPECT_EQ(j.terminal_id, "T1");
  EXPECT_EQ(j.status, "failed");
  EXPECT_EQ(j.limit, 1u);
}

TEST(DecodeListQuery, StatusCanceledAlsoUnderItsOlderSpelling) {
  for (const char* word : {"canceled", "cancelled"}) {
    SCOPED_TRACE(word);
    list_query j;
    EXPECT_EQ(decode_list_query(std::string{"/v1/jobs?status="} + word,
                                route::jobs_list, j),
              "");
    EXPECT_EQ(j.status, "canceled") << "the status the jobs carry";
  }
  list_query bad;
  auto problem
    = decode_list_query("/v1/jobs?status=cancel", route::jobs_list, bad);
  EXPECT_NE(problem.find("expired, canceled"), std::string::npos) << problem;
}

TEST(QueryParams, DecodesEscapesAndPlusAndKeepsOrder) {
  auto p = query_params("/v1/connect?terminal_id=T%3A1&x=a+b&&flag&y=%2B");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0],
            std::make_pair(std::string{"terminal_id"}, std::string{"T:1"}));
  EXPECT_EQ((*p)[1].second, "a b");
  EXPECT_EQ((*p)[2], std::make_pair(std::string{"flag"}, std::string{}));
  EXPECT_EQ((*p)[3].second, "+");
  EXPECT_TRUE(query_params("/v1/connect")->empty());
  EXPECT_FALSE(query_params("/v1/connect?a=%zz"));
  EXPECT_FALSE(query_params("/v1/connect?a=%4"));
  EXPECT_EQ(query_value("/x?a=1&t=tok.en&t=2", "t"), "tok.en");
  EXPECT_EQ(query_value("/x?a=1", "t"), "");
  EXPECT_EQ(query_value("/x?t=%zz", "t"), "");
  // A connect URL as the balancers get it: the token (base64url) intact.
  std::string token = "dDEKN2U5.AWsOHsvjos-am_KBRu";
  EXPECT_EQ(query_value("/v1/connect?terminal_id=T-1&token=" + token, "token"),
            token);
  // The target as Beast hands it over: a view into a longer buffer.
  std::string request = "/v1/connect?token=" + token + "e HTTP/1.1";
  EXPECT_EQ(
    query_value(std::string_view{request}.substr(0, request.find(' ') - 1),
                "token"),
    token);
}

TEST(DecodeListQuery, RejectsNamingTheParameter) {
  struct {
    const char* target;
    route::kind_t kind;
    const char* named;
  } cases[] = {
    {"/v1/terminals?limit=0", route::terminals_list, "\"limit\""},
    {"/v1/terminals?limit=1001", route::terminals_list, "\"limit\""},
    {"/v1/terminals?limit=x", route::terminals_list, "\"limit\""},
    {"/v1/terminals?prefix=a/b", route::terminals_list, "\"prefix\""},
    {"/v1/terminals?status=done", route::terminals_list, "\"status\""},
    {"/v1/terminals?prefx=a", route::terminals_list, "\"prefx\""},
    {"/v1/jobs?status=finished", route::jobs_list, "\"status\""},
    {"/v1/jobs?terminal_id=", route::jobs_list, "\"terminal_id\""},
    {"/v1/jobs?prefix=T", route::jobs_list, "\"prefix\""},
    {"/v1/jobs?status=%zz", route::jobs_list, "%-escape"},
    {"/v1/jobs?status=%", route::jobs_list, "malformed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    list_query q;
    auto problem = decode_list_query(c.target, c.kind, q);
    EXPECT_NE(problem.find(c.named), std::string::npos) << problem;
  }
}

TEST(Match, UserLinkCarriesBothIds) {
  auto r = match("PUT", "/v1/users/alice.b/terminals/T1?x=1");
  EXPECT_EQ(r.kind, route::user_link);
  EXPECT_EQ(r.id, "T1");
  EXPECT_EQ(r.user, "alice.b");
}

TEST(Match, WrongMethodNamesTheAllowedOnes) {
  // HEAD is answered as GET by the HTTP layer, which hands GET over.
  EXPECT_EQ(match("PUT", "/v1/terminals/T1").allow, "GET, HEAD, DELETE");
  EXPECT_EQ(match("GET", "/v1/terminals/T1/jobs").allow, "POST");
  EXPECT_EQ(match("POST", "/v1/admin/label-config").allow, "GET, HEAD, PUT");
}

TEST(Match, QueryStringsAreIgnored) {
  auto r = match("GET", "/v1/terminals/T1?verbose=1");
  EXPECT_EQ(r.kind, route::terminal);
  EXPECT_EQ(r.id, "T1");
  r = match("GET", "/v1/terminals/T1/destination?x=/y/z");
  EXPECT_EQ(r.kind, route::destination);
  EXPECT_EQ(r.id, "T1");
  EXPECT_EQ(match("GET", "/healthz?").kind, route::healthz);
  EXPECT_EQ(match("POST", "/v1/terminals/register?token=abc").kind,
            route::register_terminal);
  // A query does not turn an unknown path into a known one.
  EXPECT_EQ(match("GET", "/v1?/terminals/T1").kind, route::not_found);
}

// -- decode_register
// ------------------------------------------------------------------

TEST(DecodeRegister, FullBody) {
  terminal_record t;
  auto problem = decode_register(
    R"({"terminal_id":"T1","model":"GJ1","firmware":"1.4.2","region":"GG1",
        "attributes":{"service":"print","plan":"paid"}})",
    t);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(t.terminal_id, "T1");
  EXPECT_EQ(t.model, "GJ1");
  EXPECT_EQ(t.firmware, "1.4.2");
  EXPECT_EQ(t.region, "GG1");
  EXPECT_EQ(t.attributes, (std::map<std::string, std::string>{
                            {"service", "print"}, {"plan", "paid"}}));
}

TEST(DecodeRegister, OnlyTerminalIdIsRequired) {
  terminal_record t;
  EXPECT_EQ(decode_register(R"({"terminal_id":"T9"})", t), "");
  EXPECT_EQ(t.terminal_id, "T9");
  EXPECT_EQ(t.model, "");
  EXPECT_TRUE(t.attributes.empty());
  // Nulls count as absent.
  EXPECT_EQ(decode_register(
              R"({"terminal_id":"T9","model":null,"attributes":null})", t),
            "");
}

struct bad_body {
  std::string body;
  std::string problem; // part of the expected message
};

TEST(DecodeRegister, Rejects) {
  std::string many = "{";
  for (int i = 0; i < 65; ++i)
    many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  many += "}";
  const std::vector<bad_body> cases{
    {"", "body is not valid JSON"},
    {"{\"terminal_id\":", "body is not valid JSON"},
    {"[]", "body must be a JSON object"},
    {"\"T1\"", "body must be a JSON object"},
    {"{}", "field \"terminal_id\" is required"},
    {R"({"model":"GJ1"})", "field \"terminal_id\" is required"},
    {R"({"terminal_id":""})",
     "field \"terminal_id\" must be a string of 1-128"},
    {R"({"terminal_id":"T 1"})",
     "field \"terminal_id\" must be a string of 1-128"},
    {R"({"terminal_id":7})", "field \"terminal_id\" must be a string of 1-128"},
    {R"({"terminal_id":null})",
     "field \"terminal_id\" must be a string of 1-128"},
    {R"({"terminal_id":")" + std::string(129, 'x') + "\"}",
     "field \"terminal_id\" must be a string of 1-128"},
    {R"({"terminal_id":"T1","model":5})", "field \"model\" must be a string"},
    {R"({"terminal_id":"T1","firmware":[]})",
     "field \"firmware\" must be a string"},
    {R"({"terminal_id":"T1","region":{}})",
     "field \"region\" must be a string"},
    {R"({"terminal_id":"T1","region":")" + std::string(257, 'r') + "\"}",
     "field \"region\" must be at most 256 characters"},
    {R"({"terminal_id":"T1","attributes":"x"})",
     "field \"attributes\" must be an object of strings"},
    {R"({"terminal_id":"T1","attributes":["a"]})",
     "field \"attributes\" must be an object of strings"},
    {R"({"terminal_id":"T1","attributes":)" + many + "}",
     "field \"attributes\" must have at most 64 entries"},
    {R"({"terminal_id":"T1","attributes":{"plan":1}})",
     "field \"attributes.plan\" must be a string of at most 256 characters"},
    {R"({"terminal_id":"T1","attributes":{"plan":")" + std::string(257, 'p')
       + "\"}}",
     "field \"attributes.plan\" must be a string"},
    {R"({"terminal_id":"T1","attributes":{")" + std::string(65, 'k')
       + "\":\"v\"}}",
     "field \"attributes." + std::string(64, 'k') + "\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    terminal_record t;
    auto problem = decode_register(c.body, t);
    EXPECT_NE(problem.find(c.problem), std::string::npos) << problem;
  }
}

TEST(DecodeRegister, AttributeLimitsAccepted) {
  std::string many = "{";
  for (int i = 0; i < 64; ++i)
    many += (i ? ",\"" : "\"") + std::string(64 - 2, 'k')
          + std::to_string(10 + i) + "\":\"" + std::string(256, 'v') + "\"";
  many += "}";
  terminal_record t;
  EXPECT_EQ(
    decode_register(R"({"terminal_id":"T1","attributes":)" + many + "}", t),
    "");
  EXPECT_EQ(t.attributes.size(), 64u);
  EXPECT_EQ(decode_register(R"({"terminal_id":"T1","model":")"
                              + std::string(256, 'm') + "\"}",
                            t),
            "");
}

// -- decode_attributes
// --------------------------------------------------------------

TEST(DecodeAttributes, Accepts) {
  std::map<std::string, std::string> out;
  EXPECT_EQ(decode_attributes(R"({"service":"print","plan":"paid"})", out), "");
  EXPECT_EQ(out, (std::map<std::string, std::string>{{"service", "print"},
                                                     {"plan", "paid"}}));
  out.clear();
  EXPECT_EQ(decode_attributes("{}", out), "");
  EXPECT_TRUE(out.empty());
  std::string many = "{";
  for (int i = 0; i < 64; ++i)
    many += (i ? ",\"" : "\"") + std::string(62, 'k') + std::to_string(10 + i)
          + "\":\"" + std::string(256, 'v') + "\"";
  many += "}";
  EXPECT_EQ(decode_attributes(many, out), "");
  EXPECT_EQ(out.size(), 64u);
}

TEST(DecodeAttributes, Rejects) {
  std::string too_many = "{";
  for (int i = 0; i < 65; ++i)
    too_many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  too_many += "}";
  const std::vector<bad_body> cases{
    {"", "body is not valid JSON"},
    {"[]", "body must be a JSON object"},
    {too_many, "at most 64 attributes"},
    {R"({"":"x"})", "attribute names must be 1-64 characters"},
    {R"({")" + std::string(65, 'k') + R"(":"x"})",
     "attribute names must be 1-64 characters"},
    {R"({"plan":1})",
     "field \"plan\" must be a string of at most 256 characters"},
    {R"({"plan":null})", "field \"plan\" must be a string"},
    {R"({"plan":")" + std::string(257, 'p') + "\"}",
     "field \"plan\" must be a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    std::map<std::string, std::string> out;
    auto problem = decode_attributes(c.body, out);
    EXPECT_NE(problem.find(c.problem), std::string::npos) << problem;
  }
}

// -- decode_job
// -----------------------------------------------------------------------

TEST(DecodeJob, FullBody) {
  job_record j;
  errc code = errc::internal;
  auto problem = decode_job(
    R"({"service":"print","payload":{"doc":"hello","copies":2},"ttl_s":3600,
        "callback_url":"http://127.0.0.1:9000/cb"})",
    1024, j, code);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(j.service, "print");
  EXPECT_EQ(json::parse(j.payload_json),
            json::parse(R"({"doc":"hello","copies":2})"));
  EXPECT_EQ(j.ttl_s, 3600);
  EXPECT_EQ(j.callback_url, "http://127.0.0.1:9000/cb");
}

// Found by a new user: a payload with an out-of-range number was answered
// 202 and then stored, delivered and shown as {} (Boost.JSON wrote it as
// `Infinity`, not JSON); other numbers were rewritten (0.1 as 1E-1, long
// integers rounded). The payload is kept as the client wrote it.
TEST(DecodeJob, ThePayloadIsKeptAsWritten) {
  job_record j;
  errc code = errc::internal;
  std::string payload
    = R"({"x":1e400, "y":-1e400,"z":0.1,"big":123456789012345678901234567890,)"
      R"("u":18446744073709551616,"s":"é }"})";
  auto problem = decode_job(
    R"({"service":"print", "payload": )" + payload + "\n}", 1024, j, code);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(j.payload_json, payload);
  // A key given twice in an object of the payload is refused: delivered as
  // written, a device would read either one.
  problem = decode_job(
    R"({"service":"print","payload":{"doc":{"copies":1,"copies":5}}})", 1024, j,
    code);
  EXPECT_EQ(code, errc::bad_request);
  EXPECT_NE(problem.find(R"(gives the key "copies" twice)"), std::string::npos)
    << problem;
  // The limit counts the bytes as written.
  problem = decode_job(R"({"service":"print","payload":)" + payload + "}",
                       payload.size() - 1, j, code);
  EXPECT_EQ(code, errc::payload_too_large) << problem;
}

// Found by a new user: a body nested too deep was refused as "not valid
// JSON (too deep)", naming no limit.
TEST(DecodeJob, ABodyNestedTooDeepNamesTheLimit) {
  job_record j;
  errc code = errc::internal;
  std::string deep = R"({"service":"print","payload":)";
  for (int i = 0; i < 40; ++i)
    deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 40; ++i)
    deep += "}";
  deep += "}";
  auto problem = decode_job(deep, 1 << 20, j, code);
  EXPECT_EQ(code, errc::bad_request);
  EXPECT_NE(problem.find("nested deeper than 32 levels"), std::string::npos)
    << problem;
}

// Found by a new user: a misspelt field was accepted silently (202 with
// no callback, 200 placed without a region).
TEST(DecodeJob, UnknownFieldsAreNamed) {
  job_record j;
  errc code = errc::internal;
  auto problem
    = decode_job(R"({"service":"print","calback_url":"http://127.0.0.1:9/cb"})",
                 1024, j, code);
  EXPECT_EQ(code, errc::bad_request);
  EXPECT_NE(problem.find("field \"calback_url\" is not known"),
            std::string::npos)
    << problem;
  EXPECT_NE(problem.find("callback_url"), std::string::npos) << problem;
  problem = decode_job(R"({"service":"print","ttl":60})", 1024, j, code);
  EXPECT_NE(problem.find("field \"ttl\" is not known"), std::string::npos)
    << problem;
  EXPECT_EQ(decode_job(R"({"service":"print","user":"alice"})", 1024, j, code),
            "");
}

TEST(DecodeRegister, UnknownFieldsAreNamed) {
  terminal_record t;
  auto problem = decode_register(R"({"terminal_id":"T1","regoin":"GG1"})", t);
  EXPECT_NE(problem.find("field \"regoin\" is not known"), std::string::npos)
    << problem;
  EXPECT_NE(problem.find("region"), std::string::npos) << problem;
}

TEST(DecodeJob, Defaults) {
  job_record j;
  errc code;
  EXPECT_EQ(decode_job(R"({"service":"print"})", 1024, j, code), "");
  EXPECT_EQ(j.payload_json, "{}");
  EXPECT_EQ(j.ttl_s, 0);
  EXPECT_EQ(j.callback_url, "");
  EXPECT_EQ(decode_job(R"({"service":"print","payload":null,"ttl_s":null,
                           "callback_url":null})",
                       1024, j, code),
            "");
  EXPECT_EQ(j.payload_json, "{}");
}

TEST(DecodeJob, Rejects) {
  const std::vector<bad_body> cases{
    {"nope", "body is not valid JSON"},
    {"[1]", "body must be a JSON object"},
    {"{}", "field \"service\" is required"},
    {R"({"payload":{}})", "field \"service\" is required"},
    {R"({"service":7})", "field \"service\" must be a service name"},
    {R"({"service":""})", "field \"service\" must be a service name"},
    {R"({"service":"pr int"})", "field \"service\" must be a service name"},
    {R"({"service":"Print"})", "field \"service\" must be a service name"},
    {R"({"service":"a.b"})", "field \"service\" must be a service name"},
    {R"({"service":"sssssssssssssssssssssssssssssssss"})",
     "field \"service\" must be a service name"},
    {R"({"service":"print","payload":[1,2]})",
     "field \"payload\" must be an object"},
    {R"({"service":"print","payload":"{}"})",
     "field \"payload\" must be an object"},
    {R"({"service":"print","payload":5})",
     "field \"payload\" must be an object"},
    {R"({"service":"print","ttl_s":0})",
     "field \"ttl_s\" must be between 1 and 2592000"},
    {R"({"service":"print","ttl_s":-5})",
     "field \"ttl_s\" must be between 1 and 2592000"},
    {R"({"service":"print","ttl_s":2592001})",
     "field \"ttl_s\" must be between"},
    {R"({"service":"print","ttl_s":18446744073709551615})",
     "field \"ttl_s\" must be between"},
    {R"({"service":"print","ttl_s":1.5})",
     "field \"ttl_s\" must be an integer"},
    {R"({"service":"print","ttl_s":"60"})",
     "field \"ttl_s\" must be an integer"},
    {R"({"service":"print","callback_url":5})",
     "field \"callback_url\" must be a string"},
    {R"({"service":"print","callback_url":"ftp://x"})",
     "field \"callback_url\" must be an http:// or https:// URL with a host"},
    {R"({"service":"print","callback_url":"127.0.0.1/cb"})",
     "field \"callback_url\" must be an http:// or https:// URL with a host"},
    {R"({"service":"print","callback_url":"http://x/)" + std::string(2048, 'p')
       + "\"}",
     "field \"callback_url\" must be an http:// or https:// URL with a host"},
    {R"({"service":"print","callback_url":"ws://x/cb"})",
     "field \"callback_url\" must be an http:// or https:// URL with a host"},
    {R"({"service":"print","callback_url":"http:///cb"})",
     "field \"callback_url\" must be an http:// or https:// URL with a host"},
    {R"({"service":"print","callback_url":"http://a b/"})",
     "field \"callback_url\" must be an http:// or https:// URL with a host"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    job_record j;
    errc code = errc::internal;
    auto problem = decode_job(c.body, 1024, j, code);
    EXPECT_NE(problem.find(c.problem), std::string::npos) << problem;
    EXPECT_EQ(code, errc::bad_request);
  }
}

TEST(DecodeJob, TtlBoundsAccepted) {
  job_record j;
  errc code;
  EXPECT_EQ(decode_job(R"({"service":"print","ttl_s":1})", 1024, j, code), "");
  EXPECT_EQ(j.ttl_s, 1);
  EXPECT_EQ(decode_job(R"({"service":"print","ttl_s":2592000})", 1024, j, code),
            "");
  EXPECT_EQ(j.ttl_s, 2592000);
  EXPECT_EQ(decode_job(R"({"service":"print","callback_url":"http://x/cb"})",
                       1024, j, code),
            "");
  EXPECT_EQ(j.callback_url, "http://x/cb");
  EXPECT_EQ(
    decode_job(R"({"service":"print","callback_url":"https://x:8443/cb?a=1"})",
               1024, j, code),
    "");
  EXPECT_EQ(j.callback_url, "https://x:8443/cb?a=1");
  // Other schemes, and URLs without a host, are refused naming the field.
  for (auto url : {"ftp://x/cb", "ws://x/cb", "file:///etc/passwd", "http://",
                   "https://", "x/cb"}) {
    SCOPED_TRACE(url);
    job_record k;
    code = errc::internal;
    auto problem = decode_job(
      std::string{R"({"service":"print","callback_url":")"} + url + "\"}", 1024,
      k, code);
    EXPECT_NE(problem.find("field \"callback_url\""), std::string::npos)
      << problem;
    EXPECT_EQ(code, errc::bad_request);
    EXPECT_EQ(k.callback_url, "");
  }
}

TEST(DecodeJob, PayloadTooLarge) {
  // {"a":"xxxx"} serialises to 8 + n bytes.
  auto body = [](size_t n) {
    return R"({"service":"print","payload":{"a":")" + std::string(n, 'x')
         + "\"}}";
  };
  job_record j;
  errc code = errc::internal;
  EXPECT_EQ(decode_job(body(92), 100, j, code), ""); // exactly the limit
  EXPECT_EQ(j.payload_json.size(), 100u);
  auto problem = decode_job(body(93), 100, j, code);
  EXPECT_EQ(code, errc::payload_too_large);
  EXPECT_EQ(problem, "field \"payload\" is larger than 100 bytes");
  // The code is reset by the next call.
  decode_job("{}", 100, j, code);
  EXPECT_EQ(code, errc::bad_request);
}

// -- responses
// --------------------------------------------------------------------------

TEST(Responses, ErrorShapeAndStatus) {
  struct expect_t {
    errc code;
    uint16_t status;
    const char* name;
    bool retry_after;
  };
  const std::vector<expect_t> cases{
    {errc::bad_request, 400, "bad_request", false},
    {errc::not_found, 404, "not_found", false},
    {errc::conflict, 409, "conflict", false},
    {errc::payload_too_large, 413, "payload_too_large", false},
    {errc::too_many_requests, 429, "too_many_requests", true},
    {errc::unavailable, 503, "unavailable", true},
    {errc::internal, 500, "internal", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(http_status(c.code), c.status);
    EXPECT_STREQ(code_name(c.code), c.name);
    auto r = error_response(c.code, "field \"x\" is \"bad\"", 7);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.content_type, "application/json");
    auto o = parse_object(r.body);
    ASSERT_EQ(o.size(), 1u);
    ASSERT_TRUE(o.at("error").is_object());
    auto& e = o.at("error").as_object();
    EXPECT_EQ(e.size(), 2u);
    EXPECT_EQ(e.at("code"), c.name);
    EXPECT_EQ(e.at("message"), "field \"x\" is \"bad\"");
    if (c.retry_after) {
      ASSERT_EQ(r.headers.size(), 1u);
      EXPECT_EQ(r.headers[0].first, "Retry-After");
      EXPECT_EQ(r.headers[0].second, "7");
    } else {
      EXPECT_TRUE(r.headers.empty());
    }
  }
  // The default Retry-After.
  auto r = error_response(errc::unavailable, "later");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "2");
}

// /healthz gave only epoch milliseconds; every other time of the API is
// RFC 3339. `since` is added, `since_ms` kept for clients that read it.
TEST(Responses, HealthPeerSinceIsRfc3339) {
  health h;
  h.process = "gw";
  h.peers.push_back(
    peer_status{"C1-n1", "127.0.0.1:1", true, 1'700'000'000'123, 1, ""});
  auto v = json::parse(encode(h));
  const auto& p = v.at("peers").at(0);
  EXPECT_EQ(p.at("since"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(p.at("since_ms"), 1'700'000'000'123);
  h.peers[0].since_ms = 0;
  EXPECT_TRUE(json::parse(encode(h)).at("peers").at(0).at("since").is_null());
}

TEST(Responses, JsonResponse) {
  auto r = json_response(202, R"({"a":1})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(r.headers.empty());
}

TEST(Responses, Destination) {
  destination d{
    "T1",
    "C1",
    {"ws://127.0.0.1:9101/v1/connect", "ws://127.0.0.1:9111/v1/connect"},
    "tok",
    30};
  auto o = parse_object(encode(d));
  EXPECT_TRUE(has_keys(
    o, {"terminal_id", "cluster_id", "cluster_urls", "token", "keepalive_s"}));
  EXPECT_EQ(o.at("terminal_id"), "T1");
  EXPECT_EQ(o.at("cluster_id"), "C1");
  ASSERT_TRUE(o.at("cluster_urls").is_array());
  auto& urls = o.at("cluster_urls").as_array();
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[0], "ws://127.0.0.1:9101/v1/connect"); // preferred first
  EXPECT_EQ(o.at("token"), "tok");
  EXPECT_EQ(o.at("keepalive_s").to_number<int64_t>(), 30);
}

TEST(Responses, Job) {
  job_record j;
  j.job_id = "J0000000000000001";
  j.terminal_id = "T1";
  j.service = "print";
  j.payload_json = R"({"doc":"x"})";
  j.status = "done";
  j.detail = "printed";
  j.created_at_ms = 1'763'897'008'123;
  j.updated_at_ms = 1'763'897'009'000;
  auto o = parse_object(encode(j));
  EXPECT_TRUE(has_keys(o, {"job_id", "terminal_id", "service", "status",
                           "detail", "created_at", "updated_at"}));
  EXPECT_EQ(o.at("job_id"), "J0000000000000001");
  EXPECT_EQ(o.at("terminal_id"), "T1");
  EXPECT_EQ(o.at("status"), "done");
  EXPECT_EQ(o.at("detail"), "printed");
  EXPECT_EQ(o.at("created_at"), "2025-11-23T11:23:28.123Z");
  EXPECT_EQ(o.at("updated_at"), "2025-11-23T11:23:29.000Z");
  EXPECT_EQ(o.at("payload"), json::parse(j.payload_json));
  EXPECT_FALSE(o.contains("ttl_s"));
  // The payload's text is answered as stored (as the client wrote it).
  j.payload_json = R"({"big":123456789012345678901234567890, "f": 0.1})";
  auto text = encode(j);
  EXPECT_NE(
    text.find(R"("payload":{"big":123456789012345678901234567890, "f": 0.1})"),
    std::string::npos)
    << text;
  o = parse_object(text);
  EXPECT_EQ(o.at("job_id"), "J0000000000000001");
  EXPECT_EQ(o.at("deliveries").to_number<int64_t>(), 0);
  j.payload_json = R"({"doc":"x"})";
  EXPECT_FALSE(o.contains("callback_url"));
  // Not delivered yet: the progress times are null, the count 0.
  EXPECT_TRUE(o.at("delivered_at").is_null());
  EXPECT_TRUE(o.at("acked_at").is_null());
  EXPECT_TRUE(o.at("finished_at").is_null());
  EXPECT_EQ(o.at("deliveries").to_number<int64_t>(), 0);
  j.delivered_at_ms = 1'763'897'008'200;
  j.acked_at_ms = 1'763'897'008'300;
  j.finished_at_ms = 1'763'897'009'000;
  j.deliveries = 2;
  o = parse_object(encode(j));
  EXPECT_EQ(o.at("delivered_at"), "2025-11-23T11:23:28.200Z");
  EXPECT_EQ(o.at("acked_at"), "2025-11-23T11:23:28.300Z");
  EXPECT_EQ(o.at("finished_at"), "2025-11-23T11:23:29.000Z");
  EXPECT_EQ(o.at("deliveries").to_number<int64_t>(), 2);
  j.ttl_s = 60;
  j.callback_url = "http://x/cb";
  o = parse_object(encode(j));
  EXPECT_EQ(o.at("ttl_s").to_number<int64_t>(), 60);
  EXPECT_EQ(o.at("callback_url"), "http://x/cb");
  // Final, no word from the notifier yet: pending.
  EXPECT_EQ(o.at("callback"),
            json::parse(R"({"status":"pending","attempts":0})"));
  j.callback_outcome = "given_up";
  j.callback_attempts = 8;
  o = parse_object(encode(j));
  EXPECT_EQ(o.at("callback"),
            json::parse(R"({"status":"given_up","attempts":8})"));
  j.status = "delivered";
  j.callback_outcome.clear();
  j.callback_attempts = 0;
  o = parse_object(encode(j));
  EXPECT_EQ(o.at("callback"),
            json::parse(R"({"status":"waiting","attempts":0})"));
  // Unknown times are null.
  j.updated_at_ms = 0;
  o = parse_object(encode(j));
  EXPECT_TRUE(o.at("updated_at").is_null());
}

TEST(Responses, JobAccepted) {
  job_record j;
  j.job_id = "J2";
  j.status = "queued";
  auto o = parse_object(encode_job_accepted(j));
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(o.at("job_id"), "J2");
  EXPECT_EQ(o.at("status"), "queued");
}

TEST(Responses, Terminal) {
  terminal_status t;
  t.record.terminal_id = "T1";
  t.record.cluster_id = "C1";
  t.record.model = "GJ1";
  t.record.attributes = {{"plan", "paid"}};
  t.connected = true;
  t.node_id = "C1-n2";
  t.last_seen_ms = 1'763'897'008'123;
  t.connects = 3;
  t.disconnects = 2;
  t.keepalive_failures = 1;
  t.record.users = {"u1", "u2"};
  t.open_jobs = 4;
  t.api.calls = 10;
  t.api.errors = 3;
  t.api.window_start_ms = 1'763'897'008'123;
  t.api.window_calls = 5;
  t.api.window_errors = 2;
  t.api.previous_calls = 4;
  t.api.previous_errors = 1;
  auto o = parse_object(encode(t));
  EXPECT_TRUE(has_keys(
    o, {"terminal_id", "cluster_id", "connected", "node_id", "last_seen"}));
  EXPECT_EQ(o.at("terminal_id"), "T1");
  EXPECT_EQ(o.at("cluster_id"), "C1");
  EXPECT_EQ(o.at("connected"), true);
  EXPECT_EQ(o.at("node_id"), "C1-n2");
  EXPECT_EQ(o.at("last_seen"), "2025-11-23T11:23:28.123Z");
  EXPECT_EQ(o.at("attributes").at("plan"), "paid");
  EXPECT_EQ(o.at("connects").to_number<int64_t>(), 3);
  EXPECT_EQ(o.at("disconnects").to_number<int64_t>(), 2);
  EXPECT_EQ(o.at("keepalive_failures").to_number<int64_t>(), 1);
  EXPECT_EQ(o.at("users"), json::parse(R"(["u1","u2"])"));
  EXPECT_EQ(o.at("open_jobs").to_number<int64_t>(), 4);
  ASSERT_TRUE(o.at("api").is_object());
  auto& api = o.at("api").as_object();
  EXPECT_EQ(api.at("calls").to_number<int64_t>(), 10);
  EXPECT_EQ(api.at("errors").to_number<int64_t>(), 3);
  EXPECT_EQ(api.at("window_start"), "2025-11-23T11:23:28.123Z");
  EXPECT_EQ(api.at("window_calls").to_number<int64_t>(), 5);
  EXPECT_EQ(api.at("window_errors").to_number<int64_t>(), 2);
  EXPECT_EQ(api.at("previous_window_calls").to_number<int64_t>(), 4);
  EXPECT_EQ(api.at("previous_window_errors").to_number<int64_t>(), 1);
  // Not connected: no node.
  t.connected = false;
  o = parse_object(encode(t));
  EXPECT_EQ(o.at("connected"), false);
  EXPECT_TRUE(o.at("node_id").is_null());
}

TEST(Responses, Clusters) {
  cluster_status c;
  c.cluster_id = "C1";
  c.labels = {{"region", {"GG1"}}, {"model", {"GJ1", "GJ2"}}};
  c.state = "active";
  c.weight = 2;
  c.balancers = {"ws://127.0.0.1:9101/v1/connect"};
  c.connections = 5;
  c.assigned = 9;
  c.nodes = {node_status{"C1-n1", "active", 3, 0.25, 1 << 20},
             node_status{"C1-n2", "failed", 2, 1.996, 5 << 20},
             node_status{"C1-n3", "active", 1, 1.996, 0}};
  c.nodes[0].cpu_util = 0.125;
  c.nodes[0].memory_util = 0.01234;
  c.nodes[0].host_cpu_util = 0.5;
  c.nodes[0].host_memory_util = 1;
  auto o = parse_object(encode(std::vector<cluster_status>{c}));
  ASSERT_TRUE(o.at("clusters").is_array());
  auto& cs = o.at("clusters").as_array();
  ASSERT_EQ(cs.size(), 1u);
  auto& x = cs[0].as_object();
  EXPECT_TRUE(has_keys(x, {"cluster_id", "labels", "state", "weight",
                           "balancers", "connections", "nodes"}));
  EXPECT_EQ(x.at("cluster_id"), "C1");
  EXPECT_EQ(x.at("labels"),
            json::parse(R"({"region":["GG1"],"model":["GJ1","GJ2"]})"));
  EXPECT_EQ(x.at("state"), "active");
  EXPECT_EQ(x.at("weight").to_number<int64_t>(), 2);
  EXPECT_EQ(x.at("balancers"),
            json::parse(R"(["ws://127.0.0.1:9101/v1/connect"])"));
  EXPECT_EQ(x.at("connections").to_number<int64_t>(), 5);
  auto& nodes = x.at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 3u);
  auto& n = nodes[0].as_object();
  EXPECT_TRUE(has_keys(n, {"node_id", "state", "sessions", "cpu", "memory"}));
  EXPECT_EQ(n.at("node_id"), "C1-n1");
  EXPECT_EQ(n.at("sessions").to_number<int64_t>(), 3);
  // cpu: percent of one core, as an integer (0.25 of a core -> 25).
  ASSERT_TRUE(n.at("cpu").is_int64()) << json::serialize(n);
  EXPECT_EQ(n.at("cpu").as_int64(), 25);
  EXPECT_EQ(n.at("memory").to_number<int64_t>(), 1 << 20);
  // Utilisation: percent with one decimal.
  EXPECT_DOUBLE_EQ(n.at("cpu_pct").to_number<double>(), 12.5);
  EXPECT_DOUBLE_EQ(n.at("memory_pct").to_number<double>(), 1.2);
  EXPECT_DOUBLE_EQ(n.at("host_cpu_pct").to_number<double>(), 50);
  EXPECT_DOUBLE_EQ(n.at("host_memory_pct").to_number<double>(), 100);
  // A failed node's load is not known: its last report is not shown.
  EXPECT_EQ(nodes[1].at("state"), "failed");
  for (const char* k : {"cpu", "memory", "cpu_pct", "memory_pct",
                        "host_cpu_pct", "host_memory_pct"})
    EXPECT_TRUE(nodes[1].at(k).is_null()) << k << json::serialize(nodes[1]);
  EXPECT_EQ(nodes[2].at("cpu").as_int64(), 200); // rounded; may exceed one core
  // No clusters: an empty list.
  o = parse_object(encode(std::vector<cluster_status>{}));
  EXPECT_TRUE(o.at("clusters").as_array().empty());
}

// -- rfc3339
// -----------------------------------------------------------------------------

// -- admin bodies
// ------------------------------------------------------------------

TEST(DecodeClusterChange, FullAndPartial) {
  cluster_change ch;
  ASSERT_EQ(
    decode_cluster_change(R"({"labels":{"region":["GG1","GG2"],"model":"GJ1"},)"
                          R"("state":"draining","weight":0})",
                          ch),
    "");
  EXPECT_TRUE(ch.has_labels);
  EXPECT_EQ(ch.labels.at("region"), (std::vector<std::string>{"GG1", "GG2"}));
  EXPECT_EQ(ch.labels.at("model"), std::vector<std::string>{"GJ1"});
  EXPECT_EQ(ch.state, "draining");
  EXPECT_EQ(ch.weight, 0);
  cluster_change partial;
  ASSERT_EQ(decode_cluster_change(R"({"weight":7})", partial), "");
  EXPECT_FALSE(partial.has_labels);
  EXPECT_EQ(partial.state, "");
  EXPECT_EQ(partial.weight, 7);
  cluster_change none;
  ASSERT_EQ(decode_cluster_change("{}", none), "");
  EXPECT_EQ(none.weight, -1);
  // An empty labels object makes a cluster take every label.
  cluster_change open;
  ASSERT_EQ(decode_cluster_change(R"({"labels":{}})", open), "");
  EXPECT_TRUE(open.has_labels);
  EXPECT_TRUE(open.labels.empty());
}

TEST(DecodeClusterChange, RejectsNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"{", "not valid JSON"},
    {"[]", "must be a JSON object"},
    {R"({"labels":{"colour":["red"]}})", "\"labels.colour\" is not a known"},
    {R"({"labels":{"region":[]}})", "\"labels.region\" must name 1-1000"},
    {R"({"labels":{"region":[1]}})", "\"labels.region\" must be a string"},
    {R"({"labels":{"region":[""]}})", "\"labels.region\" values must be"},
    {R"({"labels":["region"]})", "\"labels\" must be an object"},
    {R"({"state":"sleeping"})", "\"state\" must be \"active\" or"},
    {R"({"state":1})", "\"state\" must be"},
    {R"({"weight":-1})", "\"weight\" must be an integer between 0"},
    {R"({"weight":1000001})", "\"weight\""},
    {R"({"weight":18446744073709551615})", "\"weight\""},
    {R"({"weight":1.5})", "\"weight\""},
    {R"({"weight":"1"})", "\"weight\""},
    {R"({"wieght":1})", "\"wieght\" is not known"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    cluster_change ch;
    auto problem = decode_cluster_change(body, ch);
    EXPECT_NE(problem.find(message), std::string::npos) << problem;
  }
}

TEST(DecodeNodeChange, TakesStateCapacityAndWeightAndRefusesBadValues) {
  node_change ch;
  ASSERT_EQ(
    decode_node_change(R"({"state":"draining","capacity":4,"weight":0})", ch),
    "");
  EXPECT_EQ(ch.state, "draining");
  EXPECT_EQ(ch.capacity, 4);
  EXPECT_EQ(ch.weight, 0);
  node_change partial;
  ASSERT_EQ(decode_node_change(R"({"capacity":1000000})", partial), "");
  EXPECT_EQ(partial.state, "");
  EXPECT_EQ(partial.capacity, 1'000'000);
  EXPECT_EQ(partial.weight, -1) << "left out: unchanged";
  const std::vector<std::pair<std::string, std::string>> cases{
    {"{", "not valid JSON"},
    {"{}", "at least one"},
    {R"({"capacity":0})", "\"capacity\" must be an integer between 1"},
    {R"({"capacity":-3})", "\"capacity\""},
    {R"({"capacity":1000001})", "\"capacity\""},
    {R"({"capacity":18446744073709551615})", "\"capacity\""},
    {R"({"capacity":2.5})", "\"capacity\""},
    {R"({"capacity":"2"})", "\"capacity\""},
    {R"({"weight":-1})", "\"weight\" must be an integer between 0"},
    {R"({"weight":true})", "\"weight\""},
    {R"({"state":"asleep"})", "\"state\""},
    {R"({"capacity":2,"colour":1})", "\"colour\" is not known"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    node_change bad;
    auto problem = decode_node_change(body, bad);
    EXPECT_NE(problem.find(message), std::string::npos) << problem;
  }
}

TEST(DecodeLabelConfig, AcceptsAndRejects) {
  std::vector<std::string> items;
  ASSERT_EQ(decode_label_config(R"({"items":["region","firmware"]})", items),
            "");
  EXPECT_EQ(items, (std::vector<std::string>{"region", "firmware"}));
  items.clear();
  ASSERT_EQ(decode_label_config(R"({"items":[]})", items), "");
  EXPECT_TRUE(items.empty());
  const std::vector<std::pair<std::string, std::string>> cases{
    {"nope", "not valid JSON"},
    {"{}", "\"items\" is required"},
    {R"({"items":"region"})", "\"items\" must be a list"},
    {R"({"items":["region","colour"]})",
     "\"items[1]\": unknown label item \"colour\""},
    {R"({"items":["region",3]})", "\"items[1]\" must be a string"},
    {R"({"items":["model","model"]})", "\"items[1]\": \"model\" appears twice"},
    {R"({"items":[],"extra":1})", "\"extra\" is not known"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    std::vector<std::string> out;
    auto problem = decode_label_config(body, out);
    EXPECT_NE(problem.find(message), std::string::npos) << problem;
  }
}

TEST(DecodeNodeState, AcceptsAndRejects) {
  std::string state;
  ASSERT_EQ(decode_node_state(R"({"state":"draining"})", state), "");
  EXPECT_EQ(state, "draining");
  ASSERT_EQ(decode_node_state(R"({"state":"active"})", state), "");
  EXPECT_EQ(state, "active");
  for (const char* bad : {"{}", R"({"state":"failed"})", R"({"state":null})"})
    EXPECT_NE(decode_node_state(bad, state).find("\"state\""),
              std::string::npos)
      << bad;
  EXPECT_NE(
    decode_node_state(R"({"state":"active","x":1})", state).find("\"x\""),
    std::string::npos);
}

TEST(DecodeReallocate, Scopes) {
  std::string cluster;
  std::vector<std::string> ids;
  ASSERT_EQ(decode_reallocate(" {} ", cluster, ids), "");
  EXPECT_TRUE(cluster.empty());
  EXPECT_TRUE(ids.empty());
  ASSERT_EQ(decode_reallocate(R"({"cluster_id":"C1"})", cluster, ids), "");
  EXPECT_EQ(cluster, "C1");
  cluster.clear();
  ASSERT_EQ(decode_reallocate(R"({"terminal_ids":["T1","T2"]})", cluster, ids),
            "");
  EXPECT_EQ(ids, (std::vector<std::string>{"T1", "T2"}));
  const std::vector<std::pair<std::string, std::string>> cases{
    {"{", "not valid JSON"},
    // Moving the whole fleet takes an explicit {}.
    {"", "body is empty: send {}"},
    {" \n", "body is empty: send {}"},
    {R"({"cluster_id":"C1","terminal_ids":["T1"]})", "exclude each other"},
    {R"({"cluster_id":"C 1"})", "\"cluster_id\" must be"},
    {R"({"cluster_id":7})", "\"cluster_id\" must be"},
    {R"({"terminal_ids":[]})", "\"terminal_ids\" must be a non-empty"},
    {R"({"terminal_ids":"T1"})", "\"terminal_ids\" must be a non-empty"},
    {R"({"terminal_ids":["T1","a b"]})", "\"terminal_ids[1]\" must be"},
    {R"({"everything":true})", "\"everything\" is not known"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    std::string c;
    std::vector<std::string> t;
    auto problem = decode_reallocate(body, c, t);
    EXPECT_NE(problem.find(message), std::string::npos) << problem;
  }
}

TEST(Responses, AdminBodies) {
  cluster_status c;
  c.cluster_id = "C3";
  c.labels = {{"region", {"GG1"}}};
  c.state = "draining";
  c.weight = 2;
  auto o = parse_object(encode(c));
  ASSERT_TRUE(has_keys(o, {"cluster_id", "labels", "state", "weight",
                           "balancers", "connections", "nodes"}));
  EXPECT_EQ(o.at("state"), "draining");
  EXPECT_EQ(o.at("weight").to_number<int>(), 2);
  auto n = parse_object(encode(node_status{"C1-n1", "draining", 0, 0, 0}));
  EXPECT_EQ(n.at("node_id"), "C1-n1");
  EXPECT_EQ(n.at("state"), "draining");
  auto l = parse_object(encode_label_config({"model"}));
  EXPECT_EQ(json::serialize(l.at("items")), R"(["model"])");
  auto r = parse_object(encode(realloc_summary{10, 4, 3, 3}));
  EXPECT_EQ(r.at("status"), "accepted");
  EXPECT_EQ(r.at("candidates").to_number<int>(), 10);
  EXPECT_EQ(r.at("moving").to_number<int>(), 4);
  EXPECT_EQ(r.at("connected").to_number<int>(), 3);
}

TEST(Rfc3339, Formats) {
  EXPECT_EQ(rfc3339(1), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(rfc3339(1'763'897'008'123), "2025-11-23T11:23:28.123Z");
  EXPECT_EQ(rfc3339(951'782'400'999), "2000-02-29T00:00:00.999Z");
  EXPECT_EQ(rfc3339(4'102'444'799'999), "2099-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339(1'763'897'008'000), "2025-11-23T11:23:28.000Z");
  // Unknown (0 or before the epoch): empty.
  EXPECT_EQ(rfc3339(0), "");
  EXPECT_EQ(rfc3339(-1), "");
}

// -- errors as values
// ------------------------------------------------------------------------

TEST(Errors, ViewOfOwnErrors) {
  auto v = view(make_error(errc::not_found, "terminal T1 is not registered"));
  EXPECT_EQ(v.code, errc::not_found);
  EXPECT_EQ(v.message, "terminal T1 is not registered");
  v = view(make_error(errc::payload_too_large, ""));
  EXPECT_EQ(v.code, errc::payload_too_large);
}

TEST(Errors, CafErrorsAreUnavailable) {
  auto v = view(caf::make_error(caf::sec::request_timeout));
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_EQ(v.message, "the control plane did not answer in time");
  v = view(caf::make_error(caf::sec::request_receiver_down));
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_NE(v.message.find("not reachable"), std::string::npos) << v.message;
  // Another category: internal.
  v = view(caf::error{1, caf::atom("other")});
  EXPECT_EQ(v.code, errc::internal);
}

// GH: the user a job names.
TEST(DecodeJobUser, OptionalIdOnly) {
  std::string user;
  EXPECT_EQ(decode_job_user(R"({"service":"print"})", user), "");
  EXPECT_EQ(user, "");
  EXPECT_EQ(decode_job_user(R"({"service":"print","user":null})", user), "");
  EXPECT_EQ(user, "");
  EXPECT_EQ(decode_job_user(R"({"service":"print","user":"u-1"})", user), "");
  EXPECT_EQ(user, "u-1");
  std::string other;
  EXPECT_NE(decode_job_user(R"({"user":"a b"})", other).find("\"user\""),
            std::string::npos);
  EXPECT_NE(decode_job_user(R"({"user":7})", other).find("\"user\""),
            std::string::npos);
  EXPECT_NE(decode_job_user("[1]", other), "");
  EXPECT_EQ(other, "");
}

TEST(Responses, TerminalQualityClasses) {
  terminal_status t;
  t.record.terminal_id = "T1";
  auto none = parse_object(encode(t)).at("quality_classes").as_object();
  EXPECT_TRUE(none.at("disconnect").is_null());
  EXPECT_TRUE(none.at("failure").is_null());
  t.api.disconnect_class = "ge-1767225600";
  t.api.failure_class = "GG7@1767225600"; // stored with the time it formed
  auto both = parse_object(encode(t)).at("quality_classes").as_object();
  EXPECT_EQ(both.at("disconnect"), "ge-1767225600");
  EXPECT_EQ(both.at("failure"), "GG7");
  t.api.failure_class = "a@b"; // not a stored time: the value as it is
  EXPECT_EQ(parse_object(encode(t)).at("quality_classes").at("failure"), "a@b");
}

} // namespace
} // namespace tether::api
