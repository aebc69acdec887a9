// api_keys (the gateway's key cache and check), the key body codec, and
// the audit line, without an actor system.
#include "actors/http_gateway/api_keys.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "actors/system/audit.hpp"

namespace tether {
namespace {

api_key_record key(std::string id, std::string text,
                   std::vector<std::string> scopes) {
  return {std::move(id), "test", std::move(scopes), 1, hash_key(text)};
}

api_keys two_keys() {
  api_keys ks;
  ks.replace({key("k1", "tk_admin", {"admin"}),
              key("k2", "tk_jobs", {"jobs:write", "jobs:read"})},
             1000);
  return ks;
}

TEST(ApiKeys, HashIsHexSha256AndNeverTheKey) {
  // SHA-256("abc"), FIPS 180-2 example.
  EXPECT_EQ(hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto k = new_api_key();
  EXPECT_EQ(k.size(), 67u);
  EXPECT_EQ(k.substr(0, 3), "tk_");
  EXPECT_NE(new_api_key(), k);
  EXPECT_EQ(hash_key(k).find(k.substr(3, 16)), std::string::npos);
}

TEST(ApiKeys, BearerTakesTheKeyOfTheHeader) {
  EXPECT_EQ(api_keys::bearer("Bearer abc"), "abc");
  EXPECT_EQ(api_keys::bearer("bearer  abc "), "abc");
  EXPECT_FALSE(api_keys::bearer(""));
  EXPECT_FALSE(api_keys::bearer("Bearer "));
  EXPECT_FALSE(api_keys::bearer("Basic YWJj"));
}

TEST(ApiKeys, NoKeyUnknownKeyWrongScopeAndOk) {
  auto ks = two_keys();
  EXPECT_TRUE(ks.loaded());
  auto none = ks.check("", {"admin"});
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.refused, errc::unauthorized);
  auto unknown = ks.check("Bearer tk_other", {"admin"});
  EXPECT_FALSE(unknown.ok);
  EXPECT_FALSE(unknown.known);
  EXPECT_EQ(unknown.refused, errc::unauthorized);
  auto scope = ks.check("Bearer tk_jobs", {"admin"});
  EXPECT_FALSE(scope.ok);
  EXPECT_TRUE(scope.known);
  EXPECT_EQ(scope.refused, errc::forbidden);
  EXPECT_EQ(scope.key_id, "k2");
  EXPECT_TRUE(ks.check("Bearer tk_admin", {"admin"}).ok);
  EXPECT_TRUE(ks.check("Bearer tk_jobs", {"jobs:read", "terminals:write"}).ok);
  EXPECT_TRUE(ks.allows("Bearer tk_admin", "admin"));
  EXPECT_FALSE(ks.allows("Bearer tk_jobs", "admin"));
}

TEST(ApiKeys, RemovedAndReplacedKeysNoLongerWork) {
  auto ks = two_keys();
  ks.remove("k1");
  EXPECT_FALSE(ks.check("Bearer tk_admin", {"admin"}).known);
  ks.add(key("k3", "tk_new", {"metrics"}));
  EXPECT_TRUE(ks.check("Bearer tk_new", {"metrics"}).ok);
  ks.replace({}, 2000);
  EXPECT_FALSE(ks.check("Bearer tk_new", {"metrics"}).ok);
  EXPECT_EQ(ks.loaded_at_ms(), 2000);
}

// find() remembers the last key's hash (a request looks its key up three
// times): a repeated lookup must still see every change of the table, and a
// key of the same length that differs in one byte is another key.
TEST(ApiKeys, ARepeatedLookupSeesEveryChange) {
  auto ks = two_keys();
  ASSERT_NE(ks.find("Bearer tk_admin"), nullptr);
  EXPECT_EQ(ks.find("Bearer tk_admin")->key_id, "k1");
  EXPECT_EQ(ks.find("Bearer tk_admio"), nullptr);
  EXPECT_EQ(ks.find("Bearer tk_admin")->key_id, "k1");
  ks.remove("k1");
  EXPECT_EQ(ks.find("Bearer tk_admin"), nullptr);
  ks.add(key("k4", "tk_admin", {"metrics"}));
  ASSERT_NE(ks.find("Bearer tk_admin"), nullptr);
  EXPECT_EQ(ks.find("Bearer tk_admin")->key_id, "k4");
  auto copy = ks;
  ks.replace({}, 3000);
  EXPECT_EQ(ks.find("Bearer tk_admin"), nullptr);
  ASSERT_NE(copy.find("Bearer tk_admin"), nullptr);
  EXPECT_EQ(copy.find("Bearer tk_admin")->key_id, "k4");
  EXPECT_EQ(copy.find("Bearer tk_jobs")->key_id, "k2");
}

TEST(ApiKeys, EveryRouteNeedsItsScope) {
  using api::route;
  auto needs = [](route::kind_t k) {
    return access_of(k).any_of;
  };
  using v = std::vector<std::string_view>;
  EXPECT_EQ(needs(route::push_job), v{"jobs:write"});
  EXPECT_EQ(needs(route::job), v{"jobs:read"});
  EXPECT_EQ(needs(route::terminal), (v{"jobs:read", "terminals:write"}));
  EXPECT_EQ(needs(route::attributes), v{"terminals:write"});
  EXPECT_EQ(needs(route::user_link), v{"terminals:write"});
  for (auto k :
       {route::admin_clusters, route::admin_cluster, route::label_config_get,
        route::label_config_put, route::admin_node, route::reallocate,
        route::admin_keys_get, route::admin_keys_post, route::admin_key_delete})
    EXPECT_EQ(needs(k), v{"admin"}) << k;
  EXPECT_EQ(needs(route::metrics), v{"metrics"});
  // Device routes and /healthz are open here (devices authenticate
  // otherwise; /healthz without an admin key answers only its status).
  for (auto k : {route::register_terminal, route::destination, route::healthz})
    EXPECT_TRUE(access_of(k).open) << k;
}

TEST(ApiKeys, KeyRequestBodies) {
  std::string name;
  std::vector<std::string> scopes;
  EXPECT_EQ(decode_key_request(R"({"name":"a","scopes":["admin","admin"]})",
                               name, scopes),
            "");
  EXPECT_EQ(name, "a");
  EXPECT_EQ(scopes, std::vector<std::string>{"admin"});
  for (auto bad :
       {"", "[]", R"({"scopes":["admin"]})", R"({"name":"a"})",
        R"({"name":"a","scopes":[]})", R"({"name":"a","scopes":["root"]})",
        R"({"name":"a","scopes":["admin"],"x":1})"})
    EXPECT_NE(decode_key_request(bad, name, scopes), "") << bad;
}

TEST(ApiKeys, EncodedKeysNeverShowTheHash) {
  auto k = key("k1", "tk_admin", {"admin"});
  auto listed = encode_keys({k});
  EXPECT_EQ(listed.find(k.hash), std::string::npos);
  EXPECT_EQ(listed.find("\"key\""), std::string::npos);
  auto v = boost::json::parse(encode_key(k, "tk_admin"));
  EXPECT_EQ(v.at("key").as_string(), "tk_admin");
  EXPECT_EQ(v.at("key_id").as_string(), "k1");
}

TEST(Audit, OneJsonObjectWithTimeEventAndFields) {
  auto line = audit_line(86'400'000, "auth.unauthorized",
                         {{"key_id", ""}, {"source", "10.0.0.1\"x"}});
  auto v = boost::json::parse(line);
  EXPECT_EQ(v.at("time").as_string(), "1970-01-02T00:00:00.000Z");
  EXPECT_EQ(v.at("event").as_string(), "auth.unauthorized");
  EXPECT_EQ(v.at("source").as_string(), "10.0.0.1\"x");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

} // namespace
} // namespace tether
