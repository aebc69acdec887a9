// The services a device serves and its connection ids per service
// (actors/policy/services.hpp), as the register body, GET /v1/terminals/{id}
// and `hello` carry them (docs/API.md).
#include "actors/policy/services.hpp"

#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "actors/policy/api.hpp"
#include "actors/policy/frames.hpp"
#include "tests/actors/policy/json_checks.hpp"

namespace tether {
namespace {

using test_json::parse_object;
namespace json = boost::json;

TEST(Services, Names) {
  EXPECT_TRUE(services::valid_name("print"));
  EXPECT_TRUE(services::valid_name("scan_2-x"));
  EXPECT_TRUE(services::valid_name(std::string(32, 'a')));
  EXPECT_FALSE(services::valid_name(""));
  EXPECT_FALSE(services::valid_name(std::string(33, 'a')));
  EXPECT_FALSE(services::valid_name("Print"));
  EXPECT_FALSE(services::valid_name("pr int"));
  EXPECT_FALSE(services::valid_name("print."));
}

TEST(Services, ListRules) {
  EXPECT_EQ(services::check({"print", "scan"}), "");
  std::vector<std::string> sixteen;
  for (int i = 0; i < 16; ++i)
    sixteen.push_back("s" + std::to_string(i));
  EXPECT_EQ(services::check(sixteen), "");
  auto seventeen = sixteen;
  seventeen.push_back("s16");
  for (const auto& bad : std::vector<std::vector<std::string>>{
         {}, seventeen, {"print", "print"}, {"print", "Scan"}, {""}}) {
    auto problem = services::check(bad);
    EXPECT_NE(problem.find("\"services\""), std::string::npos) << problem;
  }
  EXPECT_NE(services::check({"print", "print"}).find("twice"),
            std::string::npos);
}

TEST(Services, DefaultListIsPrint) {
  storage::terminal_record old; // as main wrote it: no services
  EXPECT_EQ(services::of(old), (std::vector<std::string>{"print"}));
  EXPECT_TRUE(services::serves(old, "print"));
  EXPECT_FALSE(services::serves(old, "scan"));
  storage::terminal_record scanner;
  scanner.services = {"scan"};
  EXPECT_TRUE(services::serves(scanner, "scan"));
  EXPECT_FALSE(services::serves(scanner, "print")); // declared: no default
}

TEST(Services, ConnectionIdsAreOnePerServiceAndUnguessable) {
  auto k1 = services::new_connection_key();
  auto k2 = services::new_connection_key();
  EXPECT_FALSE(k1.empty());
  EXPECT_FALSE(k1 == k2);
  auto a = services::connection_ids(k1, {"print", "scan"});
  auto b = services::connection_ids(k2, {"print", "scan"});
  ASSERT_EQ(a.size(), 2u);
  std::set<std::string> seen;
  for (const auto* m : {&a, &b})
    for (const auto& [service, id] : *m) {
      EXPECT_EQ(id.size(), 33u) << id; // "s" + 128 bits in hex
      EXPECT_EQ(id[0], 's');
      EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 1), std::string::npos);
      seen.insert(id);
    }
  EXPECT_EQ(seen.size(), 4u); // all different, across keys too
  EXPECT_TRUE(services::connection_ids(k1, {}).empty());
  EXPECT_TRUE(services::connection_ids({}, {"print"}).empty()); // no key
}

TEST(Services, AKeyGivesTheSameIdsWhereverTheyAreDerived) {
  // The balancer keeps only the key; each session it starts for the socket
  // (also after a move to another node) derives the ids again.
  auto key = services::new_connection_key();
  auto copy = key;
  EXPECT_EQ(services::connection_ids(key, {"print", "scan"}),
            services::connection_ids(copy, {"scan", "print"}));
  EXPECT_EQ(services::connection_id(key, "scan"),
            services::connection_ids(key, {"scan"}).at("scan"));
  // A fixed key gives a fixed id (HMAC-SHA256(key bytes, name), 128 bits).
  services::connection_key fixed{1, 2};
  EXPECT_EQ(services::connection_id(fixed, "print"),
            services::connection_id(services::connection_key{1, 2}, "print"));
  EXPECT_NE(services::connection_id(fixed, "print"),
            services::connection_id(services::connection_key{1, 3}, "print"));
}

// -- the register body --------------------------------------------------------

TEST(Services, RegisterAcceptsAList) {
  storage::terminal_record t;
  EXPECT_EQ(api::decode_register(
              R"({"terminal_id":"T1","services":["print","scan"]})", t),
            "");
  EXPECT_EQ(t.services, (std::vector<std::string>{"print", "scan"}));
  storage::terminal_record none;
  EXPECT_EQ(api::decode_register(R"({"terminal_id":"T1"})", none), "");
  EXPECT_TRUE(none.services.empty());
  EXPECT_EQ(
    api::decode_register(R"({"terminal_id":"T1","services":null})", none), "");
  EXPECT_TRUE(none.services.empty());
}

TEST(Services, RegisterRefusesNamingServices) {
  std::string seventeen = "[";
  for (int i = 0; i < 17; ++i)
    seventeen += (i ? ",\"s" : "\"s") + std::to_string(i) + "\"";
  seventeen += "]";
  for (const std::string& bad : std::vector<std::string>{
         R"("print")", "[]", "[1]", R"(["print","print"])", R"(["PRINT"])",
         R"(["a b"])", "{}", seventeen, "[\"" + std::string(33, 'x') + "\"]"}) {
    storage::terminal_record t;
    auto problem = api::decode_register(
      R"({"terminal_id":"T1","services":)" + bad + "}", t);
    EXPECT_NE(problem.find("\"services\""), std::string::npos)
      << bad << ": " << problem;
  }
}

// -- answers and frames
// ---------------------------------------------------------

TEST(Services, TerminalShowsServicesAndConnectionIds) {
  terminal_status t;
  t.record.terminal_id = "T1";
  auto o = parse_object(api::encode(t));
  EXPECT_EQ(o.at("services"), json::array({"print"})); // the default list
  EXPECT_TRUE(o.at("service_connections").is_null());  // not connected
  t.record.services = {"print", "scan"};
  t.connected = true;
  t.service_connections = {{"print", "sA"}, {"scan", "sB"}};
  o = parse_object(api::encode(t));
  EXPECT_EQ(o.at("services"), json::array({"print", "scan"}));
  EXPECT_EQ(o.at("service_connections"),
            (json::object{{"print", "sA"}, {"scan", "sB"}}));
}

TEST(Services, HelloCarriesServiceConnections) {
  auto o = parse_object(frames::hello("T1", "C1", "n1", 30, "c1",
                                      {{"print", "sA"}, {"scan", "sB"}}));
  EXPECT_EQ(o.at("service_connections"),
            (json::object{{"print", "sA"}, {"scan", "sB"}}));
  EXPECT_EQ(o.at("connection_id"), "c1");
  // Left out when there are none (as before services existed).
  EXPECT_FALSE(parse_object(frames::hello("T1", "C1", "n1", 30, "c1"))
                 .contains("service_connections"));
}

TEST(QualityClass, ClusterAnswerShowsIt) {
  cluster_status c;
  c.cluster_id = "C2";
  c.keepalive_s = 5;
  c.keepalive_misses = 4;
  c.max_sessions_per_node = 250;
  auto o = parse_object(api::encode(c));
  EXPECT_EQ(o.at("keepalive_s").to_number<int>(), 5);
  EXPECT_EQ(o.at("keepalive_misses").to_number<int>(), 4);
  EXPECT_EQ(o.at("max_sessions_per_node").to_number<int>(), 250);
  // In the list too.
  auto list = parse_object(api::encode(std::vector<cluster_status>{c}));
  EXPECT_EQ(list.at("clusters").at(0).at("max_sessions_per_node"), 250);
}

} // namespace
} // namespace tether
