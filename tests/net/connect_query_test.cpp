// net/connect_query: the upgrade's terminal_id and token from one parse,
// each exactly as api::query_value gives it (what the balancer's listener
// read before, one parse a name): first of its name, %-decoded, `+` a
// space, empty when missing or when the query is malformed.
#include "net/connect_query.hpp"

#include <gtest/gtest.h>

#include "actors/policy/api.hpp"

namespace tether::net {
namespace {

TEST(ConnectQuery, ReadsBothParametersOfAConnectUrl) {
  auto q = parse_connect_query("/v1/connect?terminal_id=T-1&token=dDEK.AWsO");
  EXPECT_EQ(q.terminal_id, "T-1");
  EXPECT_EQ(q.token, "dDEK.AWsO");
}

TEST(ConnectQuery, GivesWhatQueryValueGaveForEachName) {
  for (std::string target :
       {"/v1/connect", "/v1/connect?", "/v1/connect?terminal_id=T%3A1",
        "/v1/connect?token=a&terminal_id=b", "/v1/connect?token=x+y",
        "/v1/connect?terminal_id=A&terminal_id=B&token=1&token=2",
        "/v1/connect?terminal_id=&token=t", "/v1/connect?terminal_id",
        "/v1/connect?terminal_id=T&token=%zz", "/v1/connect?terminal_id=T%4",
        "/v1/connect?x=1&&terminal_id=T&y&token=%2B",
        "/v1/connect?Terminal_ID=T&TOKEN=t", "/v1/connect?terminal%5Fid=T"}) {
    auto q = parse_connect_query(target);
    EXPECT_EQ(q.terminal_id, api::query_value(target, "terminal_id")) << target;
    EXPECT_EQ(q.token, api::query_value(target, "token")) << target;
  }
}

TEST(ConnectQuery, AMalformedQueryGivesNeither) {
  auto q = parse_connect_query("/v1/connect?terminal_id=T&token=%zz");
  EXPECT_EQ(q.terminal_id, "");
  EXPECT_EQ(q.token, "");
}

TEST(ConnectQuery, ReadsATargetThatIsAViewIntoALongerBuffer) {
  // As Beast hands the target over: the request line goes on after it.
  std::string line = "/v1/connect?terminal_id=T&token=abc HTTP/1.1";
  auto q
    = parse_connect_query(std::string_view{line}.substr(0, line.find(' ')));
  EXPECT_EQ(q.terminal_id, "T");
  EXPECT_EQ(q.token, "abc");
}

} // namespace
} // namespace tether::net
