// Quality classes for operators (issue 13, issue 17) against a real
// tetherd: a GE class formed by a simultaneous disconnection is listed by
// GET /v1/admin/classes (kind, members, ids up to ?ids=, formed and expiry
// times), with its refusals (401, 403, 400 naming `ids`); tetherctl lists
// it (`classes`, table and --json), pages its members (GET
// /v1/admin/classes/{name}/members, `class members NAME`: 400/401/403/404)
// and clears it (`class clear NAME`: not
// without --yes when nobody can be asked, exit 3 in the server's words for
// an unknown class).
#include <csignal>

#include "tests/e2e/quality_classes.hpp"
#include "tests/e2e/simulator.hpp"
#include "tests/support/topology_builder.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

struct ctl_run {
  int status = -1;
  std::string output; // stdout and stderr
};

/// tetherctl against `d` with its admin key, to its end (at most 30 s).
ctl_run tetherctl(const tetherd_process& d, std::vector<std::string> args) {
  static int n = 0;
  std::vector<std::string> argv{TETHERCTL_PATH, "--server",
                                "http://" + d.http(), "--key", d.admin_key()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto log = d.dir() + "/ctl" + std::to_string(++n) + ".log";
  auto p = child_process::spawn(argv, log);
  ctl_run r;
  if (auto st = p->wait(30s))
    r.status = *st;
  r.output = read_file(log);
  return r;
}

http_result call_as(const tetherd_process& d, const std::string& key,
                    const std::string& target) {
  return http_call_auth(d.http(), key.empty() ? "" : "Bearer " + key, "GET",
                        target, {});
}

} // namespace

TEST(class_admin, a_formed_class_is_listed_and_cleared_with_tetherctl) {
  tetherd_process server{class_topology()};
  server.start();
  auto none = http_call(server.http(), "GET", "/v1/admin/classes");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, R"({"classes":[]})");
  auto empty = tetherctl(server, {"classes"});
  EXPECT_EQ(empty.status, 0) << empty.output;
  EXPECT_EQ(empty.output, "(no quality classes)\n");

  const auto ge = form_class(server);
  ASSERT_EQ(ge.rfind("ge-", 0), 0u) << ge;
  auto listed = http_call(server.http(), "GET", "/v1/admin/classes");
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto cs = json_of(listed.body).at("classes").as_array();
  ASSERT_EQ(cs.size(), 1u) << listed.body;
  EXPECT_EQ(str_at(cs[0], "name"), ge);
  EXPECT_EQ(str_at(cs[0], "kind"), "disconnect");
  EXPECT_EQ(cs[0].at("members").to_number<int>(), 8);
  ASSERT_EQ(cs[0].at("member_ids").as_array().size(), 8u);
  EXPECT_EQ(cs[0].at("member_ids").as_array()[0].as_string(), "c-0");
  // ge-<unix seconds> formed at those seconds; expires 720 h later
  auto formed = str_at(cs[0], "formed_at");
  auto expires = str_at(cs[0], "expires_at");
  EXPECT_EQ(formed.size(), 24u) << formed; // 2026-12-05T18:00:00.000Z
  EXPECT_FALSE(expires.empty());
  EXPECT_LT(formed, expires);

  auto member
    = json_of(http_call(server.http(), "GET", "/v1/terminals/c-5").body);
  ASSERT_TRUE(member.is_object());
  EXPECT_EQ(str_at(member.at("quality_classes"), "disconnect"), ge);
  EXPECT_TRUE(member.at("quality_classes").at("failure").is_null());

  auto shown = tetherctl(server, {"terminal", "c-5"});
  EXPECT_EQ(shown.status, 0) << shown.output;
  EXPECT_NE(shown.output.find("disconnect " + ge + ", failure -"),
            std::string::npos)
    << shown.output;

  auto bounded = http_call(server.http(), "GET", "/v1/admin/classes?ids=3");
  ASSERT_EQ(bounded.status, 200) << bounded.body;
  auto b = json_of(bounded.body).at("classes").as_array().at(0);
  EXPECT_EQ(b.at("members").to_number<int>(), 8);
  EXPECT_EQ(b.at("member_ids").as_array().size(), 3u);

  // One class's members, a page at a time.
  auto members = "/v1/admin/classes/" + ge + "/members";
  std::vector<std::string> paged;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto r = http_call(server.http(), "GET",
                       members + "?limit=3"
                         + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = json_of(r.body);
    EXPECT_EQ(str_at(v, "class"), ge);
    EXPECT_EQ(v.at("members").to_number<int>(), 8);
    auto ids = v.at("member_ids").as_array();
    EXPECT_LE(ids.size(), 3u);
    for (const auto& id : ids)
      paged.emplace_back(id.as_string());
    if (v.at("next").is_null())
      break;
    cursor = str_at(v, "next");
    EXPECT_EQ(cursor, paged.back());
  }
  EXPECT_EQ(paged, (std::vector<std::string>{"c-0", "c-1", "c-2", "c-3", "c-4",
                                             "c-5", "c-6", "c-7"}));
  auto page = tetherctl(server, {"class", "members", ge, "--limit", "3"});
  EXPECT_EQ(page.status, 0) << page.output;
  EXPECT_EQ(page.output, "c-0\nc-1\nc-2\nmore: tetherctl class members " + ge
                           + " --limit 3 --cursor c-2\n");
  auto last
    = tetherctl(server, {"class", "members", ge, "--cursor", "c-5", "--json"});
  EXPECT_EQ(last.status, 0) << last.output;
  EXPECT_NE(last.output.find(R"("member_ids":["c-6","c-7"],"next":null)"),
            std::string::npos)
    << last.output;
  for (auto q :
       {"?limit=0", "?limit=x", "?limit=1001", "?cursor=a%20b", "?ids=3"}) {
    auto bad = http_call(server.http(), "GET", members + q);
    EXPECT_EQ(bad.status, 400) << q << " " << bad.body;
  }
  EXPECT_NE(
    error_message_of(http_call(server.http(), "GET", members + "?limit=0"))
      .find("limit"),
    std::string::npos);
  auto no_class
    = http_call(server.http(), "GET", "/v1/admin/classes/ge-1/members");
  EXPECT_EQ(no_class.status, 404) << no_class.body;
  EXPECT_EQ(error_message_of(no_class), "no class \"ge-1\"");
  auto ctl_unknown = tetherctl(server, {"class", "members", "ge-1"});
  EXPECT_EQ(ctl_unknown.status, 3) << ctl_unknown.output;
  EXPECT_EQ(call_as(server, "", members).status, 401);

  // refusals
  EXPECT_EQ(call_as(server, "", "/v1/admin/classes").status, 401);
  auto made = http_call(server.http(), "POST", "/v1/admin/keys",
                        R"({"name":"m","scopes":["metrics"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto wrong
    = call_as(server, str_at(json_of(made.body), "key"), "/v1/admin/classes");
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_NE(error_message_of(wrong).find("admin"), std::string::npos);
  EXPECT_EQ(call_as(server, str_at(json_of(made.body), "key"), members).status,
            403);
  for (auto q : {"?ids=x", "?ids=1001", "?ids=-1", "?ids=99999"}) {
    auto bad
      = http_call(server.http(), "GET", std::string{"/v1/admin/classes"} + q);
    EXPECT_EQ(bad.status, 400) << q << " " << bad.body;
    EXPECT_NE(error_message_of(bad).find("ids"), std::string::npos) << q;
  }

  // tetherctl: the table and the JSON
  auto table = tetherctl(server, {"classes"});
  EXPECT_EQ(table.status, 0) << table.output;
  EXPECT_EQ(table.output.rfind("CLASS", 0), 0u) << table.output;
  EXPECT_NE(table.output.find(ge + "  disconnect  8"), std::string::npos)
    << table.output;
  auto js = tetherctl(server, {"classes", "--json"});
  ASSERT_EQ(js.status, 0) << js.output;
  EXPECT_EQ(str_at(json_of(js.output).at("classes").as_array().at(0), "name"),
            ge);

  // not cleared without --yes (no terminal to ask on), nor an unknown one
  auto unasked = tetherctl(server, {"class", "clear", ge});
  EXPECT_EQ(unasked.status, 2) << unasked.output;
  EXPECT_NE(unasked.output.find("pass --yes"), std::string::npos)
    << unasked.output;
  EXPECT_EQ(disconnect_group_of(server, "c-3"), ge);
  auto unknown = tetherctl(server, {"class", "clear", "GG9", "--yes"});
  EXPECT_EQ(unknown.status, 3) << unknown.output;
  EXPECT_NE(unknown.output.find("HTTP 404 not_found: no class \"GG9\""),
            std::string::npos)
    << unknown.output;
  EXPECT_EQ(tetherctl(server, {"class", "clear"}).status, 2);

  auto cleared = tetherctl(server, {"class", "clear", ge, "--yes"});
  EXPECT_EQ(cleared.status, 0) << cleared.output;
  EXPECT_EQ(cleared.output, "class " + ge + " cleared (8 terminals)\n");
  EXPECT_EQ(disconnect_group_of(server, "c-3"), "none");
  auto after
    = json_of(http_call(server.http(), "GET", "/v1/terminals/c-5").body);
  EXPECT_TRUE(after.at("quality_classes").at("disconnect").is_null()) << after;
  EXPECT_EQ(http_call(server.http(), "GET", "/v1/admin/classes").body,
            R"({"classes":[]})");
}
