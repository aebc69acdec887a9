// The bulk push codec (actors/policy/api_bulk.hpp): its route, the body
// decoded item by item with the single push's rules (a bad item refuses
// only itself; a bad body, an empty list or too many items refuse the whole
// request), and the answer's shape in request order.
#include "actors/policy/api_bulk.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "actors/policy/api.hpp"
#include "tests/actors/policy/json_checks.hpp"

namespace tether::api {
namespace {

namespace json = boost::json;

using test_json::parse_object;

TEST(BulkRoute, PostOnlyAndNotAJobId) {
  EXPECT_EQ(match("POST", "/v1/jobs/bulk").kind, route::bulk_push);
  auto r = match("GET", "/v1/jobs/bulk");
  EXPECT_EQ(r.kind, route::method_not_allowed);
  EXPECT_EQ(r.allow, "POST");
  // Other ids are still jobs.
  EXPECT_EQ(match("GET", "/v1/jobs/bulky").kind, route::job);
  EXPECT_EQ(match("POST", "/v1/jobs/bulk/x").kind, route::not_found);
}

TEST(DecodeBulk, ItemsTakeTheFieldsOfASinglePush) {
  std::vector<bulk_item> items;
  errc code = errc::internal;
  auto problem = decode_bulk(
    R"({"jobs":[
         {"terminal_id":"T1","service":"print","payload":{"doc":"a"},
          "ttl_s":60,"callback_url":"http://cb.example/x","user":"alice"},
         {"terminal_id":"T2","service":"print"}]})",
    1024, 10, items, code);
  ASSERT_EQ(problem, "");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].problem, "");
  EXPECT_EQ(items[0].job.terminal_id, "T1");
  EXPECT_EQ(items[0].job.service, "print");
  EXPECT_EQ(json::parse(items[0].job.payload_json),
            json::parse(R"({"doc":"a"})"));
  EXPECT_EQ(items[0].job.ttl_s, 60);
  EXPECT_EQ(items[0].job.callback_url, "http://cb.example/x");
  EXPECT_EQ(items[0].user, "alice");
  EXPECT_EQ(items[1].problem, "");
  EXPECT_EQ(items[1].job.terminal_id, "T2");
  EXPECT_EQ(items[1].job.payload_json, "{}");
  EXPECT_EQ(items[1].user, "");
}

// Each item's payload is kept as the client wrote it, as a single push's.
TEST(DecodeBulk, EachPayloadIsKeptAsWritten) {
  std::vector<bulk_item> items;
  errc code = errc::internal;
  auto problem = decode_bulk(
    R"({"jobs":[{"terminal_id":"T1","service":"print","payload":{"a":1e999, "b":"keep"}},
                {"terminal_id":"T2","service":"print","payload": {"c":0.1} }]})",
    1024, 10, items, code);
  ASSERT_EQ(problem, "");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].job.payload_json, R"({"a":1e999, "b":"keep"})");
  EXPECT_EQ(items[1].job.payload_json, R"({"c":0.1})");
}

// Found by a new user: an item's unknown field listed the known ones
// without terminal_id.
TEST(DecodeBulk, AnItemsUnknownFieldListsTerminalIdAmongTheKnown) {
  std::vector<bulk_item> items;
  errc code = errc::internal;
  ASSERT_EQ(decode_bulk(R"({"jobs":[{"terminal_id":"T1","service":"print",)"
                        R"("colour":"red"}]})",
                        1024, 10, items, code),
            "");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_NE(items[0].problem.find("field \"colour\" is not known here "
                                  "(known: terminal_id, service, payload"),
            std::string::npos)
    << items[0].problem;
}

TEST(DecodeBulk, ABadItemRefusesOnlyItselfNamingTheProblem) {
  std::vector<bulk_item> items;
  errc code = errc::internal;
  auto problem = decode_bulk(
    R"({"jobs":[
         {"terminal_id":"T1","service":"print"},
         {"service":"print"},
         {"terminal_id":"a b","service":"print"},
         {"terminal_id":"T4","service":"print","calback_url":"x"},
         {"terminal_id":"T5","service":"print","payload":{"d":"0123456789"}},
         {"terminal_id":"T6"},
         17,
         {"terminal_id":"T8","service":"print","user":"not an id"}]})",
    12, 100, items, code);
  ASSERT_EQ(problem, "");
  ASSERT_EQ(items.size(), 8u);
  EXPECT_EQ(items[0].problem, "");
  auto refused = [&](size_t i, errc c, const std::string& part) {
    EXPECT_EQ(items[i].code, c) << i;
    EXPECT_NE(items[i].problem.find(part), std::string::npos)
      << i << ": " << items[i].problem;
  };
  refused(1, errc::bad_request, "field \"terminal_id\"");
  refused(2, errc::bad_request, "field \"terminal_id\"");
  EXPECT_EQ(items[2].job.terminal_id, "a b") << "echoed in its answer";
  refused(3, errc::bad_request, "field \"calback_url\" is not known");
  EXPECT_EQ(items[3].job.terminal_id, "T4");
  refused(4, errc::payload_too_large, "larger than 12 bytes");
  refused(5, errc::bad_request, "field \"service\" is required");
  refused(6, errc::bad_request, "each item must be an object");
  refused(7, errc::bad_request, "field \"user\"");
}

TEST(DecodeBulk, TheWholeRequestIsRefusedForItsShapeOrSize) {
  std::vector<bulk_item> items;
  errc code = errc::internal;
  auto whole = [&](const std::string& body, errc c, const std::string& part) {
    auto problem = decode_bulk(body, 1024, 3, items, code);
    EXPECT_EQ(code, c) << body;
    EXPECT_NE(problem.find(part), std::string::npos) << body << ": " << problem;
  };
  whole("{\"jobs\":[", errc::bad_request, "not valid JSON");
  whole("[]", errc::bad_request, "must be a JSON object");
  whole("{}", errc::bad_request, "field \"jobs\" must be an array");
  whole(R"({"jobs":{}})", errc::bad_request, "field \"jobs\" must be an array");
  whole(R"({"jobs":[]})", errc::bad_request, "field \"jobs\" is empty");
  whole(R"({"jobs":[{}],"job":1})", errc::bad_request,
        "field \"job\" is not known here");
  std::string four = R"({"jobs":[{},{},{},{}]})";
  whole(four, errc::payload_too_large, "at most 3 ([limits] bulk_max_jobs)");
  // Three is allowed (each item then refused on its own).
  EXPECT_EQ(decode_bulk(R"({"jobs":[{},{},{}]})", 1024, 3, items, code), "");
  EXPECT_EQ(items.size(), 3u);
}

TEST(EncodeBulk, AnswersInRequestOrderWithCounts) {
  std::vector<bulk_answer> answers(3);
  answers[0].terminal_id = "T1";
  answers[0].job_id = "J1";
  answers[1].terminal_id = "T9";
  answers[1].status = 404;
  answers[1].code = errc::not_found;
  answers[1].message = "terminal T9 is not registered";
  answers[2].terminal_id = "T2";
  answers[2].job_id = "J2";
  auto o = parse_object(encode_bulk(answers));
  EXPECT_EQ(o.at("accepted").to_number<int>(), 2);
  EXPECT_EQ(o.at("refused").to_number<int>(), 1);
  const auto& r = o.at("results").as_array();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], json::parse(R"({"terminal_id":"T1","status":202,
                                  "job_id":"J1"})"));
  EXPECT_EQ(r[1], json::parse(R"({"terminal_id":"T9","status":404,
    "error":{"code":"not_found","message":"terminal T9 is not registered"}})"));
  EXPECT_EQ(r[2].at("job_id"), "J2");
}

} // namespace
} // namespace tether::api
