// GET /v1/terminals/{id}/history as plain C++ (actors/policy/
// history_query.hpp): the query's refusals name the parameter; RFC 3339
// times; the answer's shape.
#include "actors/policy/history_query.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "actors/policy/api.hpp"

namespace tether::api {
namespace {

TEST(HistoryQuery, Rfc3339TimesAreRead) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2026-12-05T12:00:00Z"), 1'796'472'000'000);
  EXPECT_EQ(parse_rfc3339("2026-12-05T12:00:00.25Z"), 1'796'472'000'250);
  EXPECT_EQ(parse_rfc3339("2026-12-05T13:00:00+01:00"), 1'796'472'000'000);
  EXPECT_EQ(parse_rfc3339("2026-12-05t11:30:00.123456789-00:30"),
            1'796'472'000'123);
  // What the API itself writes reads back.
  EXPECT_EQ(parse_rfc3339(rfc3339(1'796'472'001'234)), 1'796'472'001'234);
  for (const char* bad :
       {"", "2026-12-05", "2026-12-05T12:00:00", "2026-13-05T12:00:00Z",
        "2026-02-30T12:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T12:00:00.Z",
        "2026-12-05T12:00:00Zjunk", "2026-12-05T12:00:00+1:00", "yesterday"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(HistoryQuery, DefaultsAndValues) {
  history_query q;
  EXPECT_EQ(decode_history_query("/v1/terminals/T1/history", q), "");
  EXPECT_EQ(q.limit, 100u);
  EXPECT_EQ(q.since_ms, 0);
  EXPECT_EQ(decode_history_query("/v1/terminals/T1/history?since=2026-12-05T"
                                 "12%3A00%3A00Z&limit=2&cursor=12.3",
                                 q),
            "");
  EXPECT_EQ(q.since_ms, 1'796'472'000'000);
  EXPECT_EQ(q.limit, 2u);
  EXPECT_EQ(q.cursor, "12.3");
}

TEST(HistoryQuery, RefusalsNameTheParameter) {
  auto problem = [](const char* target) {
    history_query q;
    return decode_history_query(target, q);
  };
  EXPECT_NE(problem("/h?since=yesterday").find("\"since\""), std::string::npos);
  for (const char* bad : {"/h?limit=0", "/h?limit=1001", "/h?limit=x",
                          "/h?limit=-1", "/h?limit=5x"})
    EXPECT_NE(problem(bad).find("\"limit\""), std::string::npos) << bad;
  EXPECT_NE(problem("/h?cursor=").find("\"cursor\""), std::string::npos);
  EXPECT_NE(problem("/h?sinse=1").find("\"sinse\""), std::string::npos);
  EXPECT_NE(problem("/h?since=%zz"), "");
}

TEST(HistoryQuery, TheAnswerListsRecordsNewestFirstWithTheirFields) {
  call_page page;
  call_record r;
  r.terminal_id = "T1";
  r.at_ms = 1'796'472'000'000;
  r.event = "disconnect";
  r.detail = "keepalive_lost";
  r.node = "C1-n1";
  r.address = "10.0.0.1";
  page.records.push_back(r);
  r.event = "job_finished";
  r.job_id = "J1";
  r.detail = "done";
  r.address.clear();
  page.records.push_back(r);
  r.event = "register";
  r.job_id.clear();
  r.node.clear();
  r.detail = "200";
  page.records.push_back(r);
  page.next = "1764936000000.4";
  auto v = boost::json::parse(encode_history("T1", page)).as_object();
  EXPECT_EQ(v.at("terminal_id"), "T1");
  EXPECT_EQ(v.at("next"), "1764936000000.4");
  auto& recs = v.at("records").as_array();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].at("at"), "2026-12-05T12:00:00.000Z");
  EXPECT_EQ(recs[0].at("reason"), "keepalive_lost");
  EXPECT_EQ(recs[0].at("address"), "10.0.0.1");
  EXPECT_EQ(recs[1].at("status"), "done");
  EXPECT_EQ(recs[1].at("job_id"), "J1");
  EXPECT_EQ(recs[2].at("http_status"), 200);
  EXPECT_FALSE(recs[2].as_object().contains("node"));
  page.next.clear();
  auto last = boost::json::parse(encode_history("T1", page)).as_object();
  EXPECT_TRUE(last.at("next").is_null());
}

} // namespace
} // namespace tether::api
