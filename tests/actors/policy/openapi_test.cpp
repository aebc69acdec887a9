// docs/openapi.json held to the router (actors/policy/api.cpp) and to the
// key scopes (actors/http_gateway/api_keys.cpp): every operation the
// document describes is a route the router knows, with the methods the
// router takes on that path (it answers 405 to the others); every route
// kind the router declares (read from the enum in actors/policy/api.hpp,
// so a new route cannot be forgotten) is described; every operation names
// the scopes access_of() demands, and the /metrics route label names its
// path. tests/net/openapi_check.py checks the
// document's structure.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "actors/http_gateway/api_keys.hpp"
#include "actors/http_gateway/http_gateway.hpp"
#include "actors/policy/api.hpp"

namespace tether::api {
namespace {

namespace json = boost::json;

std::string read_source(const std::string& rel) {
  std::ifstream in(std::string{TETHER_SOURCE_DIR} + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json::object document() {
  boost::system::error_code ec;
  auto v = json::parse(read_source("docs/openapi.json"), ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "docs/openapi.json is not a JSON object: " << ec.message();
    return {};
  }
  return v.as_object();
}

/// The enumerators of route::kind_t in declaration order, read from the
/// header itself: index i is the value i (checked below: no initializers).
std::vector<std::string> route_kinds_in_source() {
  auto src = read_source("actors/policy/api.hpp");
  auto begin = src.find("enum kind_t {");
  auto end = src.find("} kind", begin); // comments in the enum hold braces
  if (begin == std::string::npos || end == std::string::npos)
    return {};
  auto body = src.substr(begin + 13, end - begin - 13);
  body = std::regex_replace(body, std::regex{"//[^\n]*"}, "");
  std::vector<std::string> names;
  std::regex ident{"[A-Za-z_][A-Za-z0-9_]*"};
  for (std::sregex_iterator it{body.begin(), body.end(), ident}, e; it != e;
       ++it)
    names.push_back(it->str());
  EXPECT_EQ(body.find('='), std::string::npos)
    << "route kinds with initializers: index != value";
  return names;
}

/// A concrete target for a templated path: {user} -> alice, {file} ->
/// app.js, any other {x} -> T1.
std::string instantiate(const std::string& path) {
  auto s = std::regex_replace(path, std::regex{"\\{user\\}"}, "alice");
  s = std::regex_replace(s, std::regex{"\\{file\\}"}, "app.js");
  return std::regex_replace(s, std::regex{"\\{[a-z_]+\\}"}, "T1");
}

bool is_answer_to_a_bad_request(route::kind_t k) {
  return k == route::not_found || k == route::method_not_allowed
      || k == route::bad_id;
}

const std::vector<std::string> http_methods{"get", "put", "post", "delete",
                                            "patch"};

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApi, EveryDescribedOperationIsARouteWithTheSameMethods) {
  auto doc = document();
  ASSERT_TRUE(doc.contains("paths"));
  size_t operations = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    auto target = instantiate(std::string{path});
    for (const auto& m : http_methods) {
      auto r = match(upper(m), target);
      if (item.as_object().contains(m)) {
        ++operations;
        EXPECT_FALSE(is_answer_to_a_bad_request(r.kind))
          << upper(m) << " " << path << " is described but not routed";
      } else {
        EXPECT_TRUE(r.kind == route::method_not_allowed
                    || r.kind == route::not_found)
          << upper(m) << " " << path
          << " is routed but not described (route kind " << r.kind << ")";
      }
    }
  }
  EXPECT_GT(operations, 20u);
}

TEST(OpenApi, EveryRouteKindOfTheRouterIsDescribed) {
  auto kinds = route_kinds_in_source();
  ASSERT_GT(kinds.size(), 20u);
  // The parse matches the compiled enum (a sanity check of the reading).
  ASSERT_LT(static_cast<size_t>(route::ui), kinds.size());
  EXPECT_EQ(kinds[route::ui], "ui");
  EXPECT_EQ(kinds[route::openapi], "openapi");
  EXPECT_EQ(kinds[route::not_found], "not_found");
  std::set<int> described;
  auto doc = document();
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& m : http_methods)
      if (item.as_object().contains(m))
        described.insert(match(upper(m), instantiate(std::string{path})).kind);
  for (size_t k = 0; k < kinds.size(); ++k) {
    if (is_answer_to_a_bad_request(static_cast<route::kind_t>(k)))
      continue;
    EXPECT_TRUE(described.count(static_cast<int>(k)))
      << "route kind " << kinds[k]
      << " (actors/policy/api.hpp) is not described in docs/openapi.json";
  }
}

/// The scopes an operation of the document names (x-tether-scopes), and
/// whether it may be called without any credential.
std::set<std::string> scopes_of(const json::object& op, bool& open) {
  std::set<std::string> out;
  open = false;
  bool device = false;
  for (const auto& req : op.at("security").as_array()) {
    auto& o = req.as_object();
    open = open || o.empty();
    device = device || o.contains("TetherDevice");
  }
  open = open || op.at("security").as_array().empty() || device;
  if (auto* s = op.if_contains("x-tether-scopes"))
    for (const auto& v : s->as_array())
      out.insert(std::string{v.as_string()});
  return out;
}

TEST(OpenApi, EveryOperationNamesTheScopesTheGatewayDemands) {
  auto doc = document();
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& m : http_methods) {
      auto* op = item.as_object().if_contains(m);
      if (op == nullptr)
        continue;
      auto r = match(upper(m), instantiate(std::string{path}));
      auto need = access_of(r.kind);
      std::set<std::string> want(need.any_of.begin(), need.any_of.end());
      bool open = false;
      auto have = scopes_of(op->as_object(), open);
      EXPECT_EQ(open, need.open) << upper(m) << " " << path;
      if (!need.open) {
        EXPECT_EQ(have, want) << upper(m) << " " << path;
      }
    }
}

/// The `route` label of /metrics (route_label) names the same method and
/// path template as the document.
TEST(OpenApi, MetricRouteLabelsNameTheDescribedPaths) {
  auto doc = document();
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& m : http_methods) {
      if (!item.as_object().contains(m))
        continue;
      auto kind = match(upper(m), instantiate(std::string{path})).kind;
      std::string label{route_label(kind)};
      auto space = label.find(' ');
      ASSERT_NE(space, std::string::npos) << label;
      auto methods = label.substr(0, space);
      auto label_path = label.substr(space + 1);
      EXPECT_NE(methods.find(upper(m)), std::string::npos)
        << label << " for " << upper(m) << " " << path;
      // GET /ui/ is the dashboard's index, the same route as /ui/{file}.
      EXPECT_TRUE(label_path == path
                  || (path == "/ui/" && label_path == "/ui/{file}"))
        << label << " for " << upper(m) << " " << path;
    }
}

TEST(OpenApi, EveryReferenceResolves) {
  auto text = read_source("docs/openapi.json");
  auto doc = document();
  std::regex ref{"\"\\$ref\": \"#/components/([a-zA-Z]+)/([A-Za-z]+)\""};
  size_t n = 0;
  for (std::sregex_iterator it{text.begin(), text.end(), ref}, e; it != e;
       ++it, ++n) {
    auto* section
      = doc.at("components").as_object().if_contains((*it)[1].str());
    ASSERT_NE(section, nullptr) << it->str();
    EXPECT_TRUE(section->as_object().contains((*it)[2].str())) << it->str();
  }
  EXPECT_GT(n, 50u);
}

} // namespace
} // namespace tether::api
