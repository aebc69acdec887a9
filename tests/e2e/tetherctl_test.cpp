// tetherctl against a real tetherd: status, clusters and nodes as tables
// and JSON, a node drained and activated, a job pushed, shown and listed,
// terminals by prefix, keys and the label configuration; and the exit
// codes scripts rely on: 3 with the server's own words for a refused call
// (wrong key, unknown terminal, a bulk push with a refused item), 4 for an
// unreachable server, 2 for bad usage, 1 with the problem named for a broken
// topology file; https:// against a tetherd with [edge_tls] (--ca, the
// certificate checked) and the settings file (--config) under the flags.
#include <fstream>
#include <thread>

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "tests/e2e/e2e.hpp"
#include "tests/support/tls_identity.hpp"
#include "tests/support/topology_builder.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

struct ctl_run {
  int status = -1;
  std::string output; // stdout and stderr
};

/// Runs tetherctl with `args` to its end (at most 30 s).
ctl_run tetherctl(const std::vector<std::string>& args) {
  static int n = 0;
  temp_dir dir;
  std::vector<std::string> argv{TETHERCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  auto log = dir.path() + "/out" + std::to_string(++n) + ".log";
  auto p = child_process::spawn(argv, log);
  ctl_run r;
  if (auto st = p->wait(30s))
    r.status = *st;
  r.output = read_file(log);
  return r;
}

class Tetherctl : public ::testing::Test {
protected:
  void SetUp() override {
    d_.start();
    key_file_ = d_.dir() + "/data/secrets/admin-key";
  }

  /// tetherctl against this tetherd with its admin key.
  ctl_run ctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--server", "http://" + d_.http(), "--key-file", key_file_});
    return tetherctl(args);
  }

  tetherd_process d_{test_topology()};
  std::string key_file_;
};

TEST_F(Tetherctl, StatusClustersAndNodes) {
  auto st = ctl({"status"});
  EXPECT_EQ(st.status, 0) << st.output;
  EXPECT_NE(st.output.find("status"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("ok"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("connections"), std::string::npos) << st.output;

  auto cs = ctl({"clusters"});
  EXPECT_EQ(cs.status, 0) << cs.output;
  EXPECT_EQ(cs.output.rfind("CLUSTER", 0), 0u) << cs.output;
  EXPECT_NE(cs.output.find("C1"), std::string::npos) << cs.output;
  EXPECT_NE(cs.output.find("region=GG1"), std::string::npos) << cs.output;

  auto js = ctl({"clusters", "--json"});
  ASSERT_EQ(js.status, 0) << js.output;
  auto v = json_of(js.output);
  ASSERT_TRUE(v.is_object()) << js.output;
  EXPECT_EQ(v.at("clusters").as_array().size(), 2u);

  auto nodes = ctl({"nodes"});
  EXPECT_EQ(nodes.status, 0) << nodes.output;
  EXPECT_NE(nodes.output.find("C1-n1"), std::string::npos) << nodes.output;
  EXPECT_NE(nodes.output.find("MiB"), std::string::npos) << nodes.output;
}

/// The state of node `id` as `tetherctl nodes --json` shows it.
std::string node_state(const ctl_run& r, const std::string& id) {
  auto v = json_of(r.output);
  if (!v.is_object())
    return {};
  for (const auto& n : v.at("nodes").as_array())
    if (str_at(n, "node_id") == id)
      return str_at(n, "state");
  return {};
}

TEST_F(Tetherctl, DrainAndActivateANodeAndACluster) {
  EXPECT_EQ(node_state(ctl({"nodes", "--json"}), "C1-n2"), "active");
  auto dr = ctl({"drain", "C1-n2"});
  EXPECT_EQ(dr.status, 0) << dr.output;
  EXPECT_EQ(dr.output, "node C1-n2: draining\n");
  EXPECT_EQ(node_state(ctl({"nodes", "--json"}), "C1-n2"), "draining");
  auto ac = ctl({"activate", "C1-n2"});
  EXPECT_EQ(ac.status, 0) << ac.output;
  EXPECT_EQ(node_state(ctl({"nodes", "--json"}), "C1-n2"), "active");

  auto cl = ctl({"drain", "C2"});
  EXPECT_EQ(cl.status, 0) << cl.output;
  EXPECT_EQ(cl.output, "cluster C2: draining\n");
  EXPECT_NE(ctl({"clusters"}).output.find("draining"), std::string::npos);

  auto none = ctl({"drain", "no-such-node"});
  EXPECT_EQ(none.status, 3) << none.output;
  EXPECT_NE(none.output.find("HTTP 404 not_found"), std::string::npos)
    << none.output;
}

TEST_F(Tetherctl, PushShowAndListJobsAndFindTerminals) {
  auto ws = connect_device(d_, "ctl-T1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  auto push = ctl(
    {"--json", "jobs", "push", "ctl-T1", "--payload", R"({"text":"hi"})"});
  ASSERT_EQ(push.status, 0) << push.output;
  auto job_id = str_at(json_of(push.output), "job_id");
  ASSERT_FALSE(job_id.empty()) << push.output;
  auto job = next_of_type(*ws, "job");
  ASSERT_TRUE(job.is_object());
  EXPECT_EQ(str_at(job, "job_id"), job_id);
  ws->send_text(R"({"type":"result","job_id":")" + job_id
                + R"(","status":"done","detail":"printed"})");
  EXPECT_TRUE(eventually(
    [&] {
      return ctl({"jobs", "show", job_id}).output.find("done")
          != std::string::npos;
    },
    10s));
  auto show = ctl({"jobs", "show", job_id});
  EXPECT_NE(show.output.find("printed"), std::string::npos) << show.output;
  EXPECT_NE(show.output.find("delivered_at"), std::string::npos);
  // A payload goes out and comes back as written (Boost.JSON would send
  // 1e400 as Infinity, refused as not JSON, and 0.1 as 1E-1).
  const std::string exact = R"({"n":1e400, "f":0.1})";
  auto exact_push
    = ctl({"--json", "jobs", "push", "ctl-T1", "--payload", exact});
  ASSERT_EQ(exact_push.status, 0) << exact_push.output;
  auto exact_id = str_at(json_of(exact_push.output), "job_id");
  auto exact_show = ctl({"--json", "jobs", "show", exact_id});
  EXPECT_NE(exact_show.output.find(R"("payload":)" + exact), std::string::npos)
    << exact_show.output;

  auto list = ctl({"jobs", "list", "--terminal", "ctl-T1"});
  EXPECT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find(job_id), std::string::npos) << list.output;
  auto none = ctl({"jobs", "list", "--status", "failed", "--json"});
  EXPECT_EQ(json_of(none.output).at("jobs").as_array().size(), 0u)
    << none.output;

  auto found = ctl({"terminals", "ctl-"});
  EXPECT_EQ(found.status, 0) << found.output;
  EXPECT_NE(found.output.find("ctl-T1"), std::string::npos) << found.output;
  EXPECT_EQ(found.output.find("there may be more"), std::string::npos);
  auto page = ctl({"terminals", "ctl-", "--limit", "1"}); // a full page
  EXPECT_EQ(page.status, 0) << page.output;
  EXPECT_NE(page.output.find("the first 1 terminals; there may be more"),
            std::string::npos)
    << page.output;
  auto t = ctl({"terminal", "ctl-T1"});
  EXPECT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("region=GG1"), std::string::npos) << t.output;

  auto missing = ctl({"jobs", "push", "no-such-terminal"});
  EXPECT_EQ(missing.status, 3) << missing.output;
  EXPECT_NE(missing.output.find("HTTP 404 not_found"), std::string::npos)
    << missing.output;
}

TEST_F(Tetherctl, KeysLabelConfigAndReallocate) {
  auto created
    = ctl({"--json", "keys", "create", "reader", "--scope", "jobs:read"});
  ASSERT_EQ(created.status, 0) << created.output;
  auto v = json_of(created.output);
  auto key_id = str_at(v, "key_id");
  auto list = ctl({"keys", "list"});
  EXPECT_NE(list.output.find("reader"), std::string::npos) << list.output;
  // A key without the admin scope: refused with the server's words.
  auto weak = tetherctl(
    {"--server", "http://" + d_.http(), "--key", str_at(v, "key"), "clusters"});
  EXPECT_EQ(weak.status, 3) << weak.output;
  EXPECT_NE(weak.output.find("HTTP 403 forbidden"), std::string::npos)
    << weak.output;
  // `status` still shows the health (no key needed) and says what is
  // missing (a tester's finding, session 26: it failed entirely).
  auto status = tetherctl(
    {"--server", "http://" + d_.http(), "--key", str_at(v, "key"), "status"});
  EXPECT_EQ(status.status, 3) << status.output;
  EXPECT_NE(status.output.find("uptime"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("needs a key with scope admin"),
            std::string::npos)
    << status.output;
  EXPECT_EQ(ctl({"keys", "revoke", key_id}).status, 0);

  auto lc = ctl({"label-config", "set", "region"});
  EXPECT_EQ(lc.status, 0) << lc.output;
  EXPECT_EQ(ctl({"label-config", "get"}).output, "region\n");
  auto bad = ctl({"label-config", "set", "no-such-item"});
  EXPECT_EQ(bad.status, 3) << bad.output;
  EXPECT_NE(bad.output.find("HTTP 400 bad_request"), std::string::npos);
  // Found by a new user: `set` with no items (an empty shell variable)
  // cleared the fleet's label items without a word. Now it takes --none.
  auto empty = ctl({"label-config", "set"});
  EXPECT_EQ(empty.status, 2) << empty.output;
  EXPECT_NE(empty.output.find("--none"), std::string::npos) << empty.output;
  EXPECT_EQ(ctl({"label-config", "get"}).output, "region\n") << "unchanged";
  EXPECT_EQ(ctl({"label-config", "set", "region", "--none"}).status, 2);
  auto none = ctl({"label-config", "set", "--none"});
  EXPECT_EQ(none.status, 0) << none.output;
  EXPECT_NE(ctl({"label-config", "get"}).output.find("no label items"),
            std::string::npos);
  EXPECT_EQ(ctl({"label-config", "set", "region"}).status, 0);

  auto re = ctl({"reallocate", "--all"});
  EXPECT_EQ(re.status, 0) << re.output;
  EXPECT_NE(re.output.find("candidates"), std::string::npos) << re.output;
  EXPECT_EQ(ctl({"reallocate"}).status, 2) << "no scope: usage";
}

TEST_F(Tetherctl, AWrongKeyIsRefusedWithTheServersWords) {
  auto r = tetherctl(
    {"--server", "http://" + d_.http(), "--key", "tk_wrong", "status"});
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("HTTP 401 unauthorized"), std::string::npos)
    << r.output;
  auto missing_file = tetherctl({"--server", "http://" + d_.http(),
                                 "--key-file", d_.dir() + "/none", "status"});
  EXPECT_EQ(missing_file.status, 2) << missing_file.output;
  EXPECT_NE(missing_file.output.find("cannot read key file"),
            std::string::npos);
}

/// tetherctl's operator calls (issue 13 item 8): jobs cancel, nodes with
/// their process, clusters ID, terminal retire; tables and --json, and exit
/// 3 with the server's words for each refusal.
TEST_F(Tetherctl, CancelRetireNodesAndOneCluster) {
  auto ws = connect_device(d_, "ctl-R1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  auto push = ctl({"--json", "jobs", "push", "ctl-R1"});
  ASSERT_EQ(push.status, 0) << push.output;
  auto job_id = str_at(json_of(push.output), "job_id");
  ASSERT_TRUE(next_of_type(*ws, "job").is_object());
  auto cancel = ctl({"jobs", "cancel", job_id});
  EXPECT_EQ(cancel.status, 0) << cancel.output;
  EXPECT_EQ(cancel.output, job_id + " canceled\n");
  EXPECT_TRUE(next_of_type(*ws, "cancel").is_object());
  auto twice = ctl({"jobs", "cancel", job_id});
  EXPECT_EQ(twice.status, 3) << twice.output;
  EXPECT_NE(twice.output.find("HTTP 409 conflict"), std::string::npos)
    << twice.output;
  EXPECT_NE(twice.output.find("already canceled"), std::string::npos);

  auto nodes = ctl({"nodes"});
  EXPECT_EQ(nodes.status, 0) << nodes.output;
  EXPECT_NE(nodes.output.find("PROCESS"), std::string::npos) << nodes.output;
  auto nj = json_of(ctl({"nodes", "--json"}).output);
  ASSERT_TRUE(nj.is_object());
  EXPECT_FALSE(str_at(nj.at("nodes").as_array().at(0), "process").empty());

  auto one = ctl({"clusters", "C1"});
  EXPECT_EQ(one.status, 0) << one.output;
  EXPECT_NE(one.output.find("node C1-n1"), std::string::npos) << one.output;
  EXPECT_EQ(
    str_at(json_of(ctl({"clusters", "C1", "--json"}).output), "cluster_id"),
    "C1");
  auto nope = ctl({"clusters", "nope"});
  EXPECT_EQ(nope.status, 3) << nope.output;
  EXPECT_NE(nope.output.find("HTTP 404 not_found"), std::string::npos);

  auto retire = ctl({"terminal", "retire", "ctl-R1"});
  EXPECT_EQ(retire.status, 0) << retire.output;
  EXPECT_NE(retire.output.find("terminal ctl-R1 retired"), std::string::npos)
    << retire.output;
  EXPECT_TRUE(ws->wait_closed(10s));
  EXPECT_EQ(ws->close_code(), 4004);
  auto gone = ctl({"terminal", "retire", "ctl-R1", "--json"});
  EXPECT_EQ(gone.status, 3) << gone.output;
  EXPECT_NE(gone.output.find("HTTP 404 not_found"), std::string::npos);
  EXPECT_EQ(ctl({"terminal"}).status, 2) << "no id: usage";
}

/// The labels of cluster `id` as `tetherctl clusters ID --json` shows them.
std::string labels_of(const ctl_run& r) {
  auto v = json_of(r.output);
  return v.is_object() && v.as_object().contains("labels")
         ? boost::json::serialize(v.at("labels"))
         : std::string{};
}

/// tetherctl cluster set (issue 13): labels merged or replaced, weight and
/// state; usage errors exit 2 and send nothing, the server's refusals exit
/// 3 in its words.
TEST_F(Tetherctl, ClusterSetLabelsWeightAndState) {
  auto set = ctl({"cluster", "set", "C2", "--label", "region=GG2,GG3",
                  "--weight", "3", "--state", "draining"});
  ASSERT_EQ(set.status, 0) << set.output;
  EXPECT_NE(set.output.find("region=GG2|GG3"), std::string::npos) << set.output;
  auto c2 = json_of(ctl({"clusters", "C2", "--json"}).output);
  ASSERT_TRUE(c2.is_object());
  EXPECT_EQ(c2.at("weight").to_number<int>(), 3);
  EXPECT_EQ(str_at(c2, "state"), "draining");
  EXPECT_EQ(labels_of(ctl({"clusters", "C2", "--json"})),
            R"({"model":["*"],"region":["GG2","GG3"]})");

  // merged into what it has; ITEM= removes; --replace-labels replaces
  EXPECT_EQ(ctl({"cluster", "set", "C2", "--label", "model=GJ1"}).status, 0);
  EXPECT_EQ(labels_of(ctl({"clusters", "C2", "--json"})),
            R"({"model":["GJ1"],"region":["GG2","GG3"]})");
  EXPECT_EQ(ctl({"cluster", "set", "C2", "--label", "region="}).status, 0);
  EXPECT_EQ(labels_of(ctl({"clusters", "C2", "--json"})),
            R"({"model":["GJ1"]})");
  auto js = ctl({"cluster", "set", "C2", "--replace-labels", "--label",
                 "region=GG2", "--state", "active", "--json"});
  ASSERT_EQ(js.status, 0) << js.output;
  EXPECT_EQ(str_at(json_of(js.output), "state"), "active");
  EXPECT_EQ(labels_of(js), R"({"region":["GG2"]})");

  for (std::vector<std::string> bad :
       {std::vector<std::string>{"cluster", "set", "C2"},
        {"cluster", "set", "C2", "--label", "noequals"},
        {"cluster", "set", "C2", "--state", "paused"},
        {"cluster", "set", "C2", "--weight", "-2"},
        {"cluster", "set"}}) {
    auto r = ctl(bad);
    EXPECT_EQ(r.status, 2) << bad.back() << ": " << r.output;
  }
  EXPECT_EQ(labels_of(ctl({"clusters", "C2", "--json"})),
            R"({"region":["GG2"]})");

  auto unknown_item = ctl({"cluster", "set", "C2", "--label", "colour=red"});
  EXPECT_EQ(unknown_item.status, 3) << unknown_item.output;
  EXPECT_NE(unknown_item.output.find("HTTP 400 bad_request"), std::string::npos)
    << unknown_item.output;
  EXPECT_NE(unknown_item.output.find("\"labels.colour\" is not a known label "
                                     "item"),
            std::string::npos)
    << unknown_item.output;
  auto nope = ctl({"cluster", "set", "nope", "--label", "region=GG1"});
  EXPECT_EQ(nope.status, 3) << nope.output;
  EXPECT_NE(nope.output.find("HTTP 404 not_found"), std::string::npos)
    << nope.output;
  auto nope_weight = ctl({"cluster", "set", "nope", "--weight", "1"});
  EXPECT_EQ(nope_weight.status, 3) << nope_weight.output;
  EXPECT_NE(nope_weight.output.find("HTTP 404"), std::string::npos)
    << nope_weight.output;
}

TEST_F(Tetherctl, ATerminalsHistoryPageByPage) {
  auto ws = connect_device(d_, "ctl-H1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  auto push = ctl({"jobs", "push", "ctl-H1"});
  ASSERT_EQ(push.status, 0) << push.output;
  ASSERT_TRUE(next_of_type(*ws, "job").is_object());

  auto all = ctl({"terminal", "history", "ctl-H1"});
  EXPECT_EQ(all.status, 0) << all.output;
  EXPECT_EQ(all.output.rfind("AT", 0), 0u) << all.output;
  for (const char* e : {" register ", " connect ", " job_pushed "})
    EXPECT_NE(all.output.find(e), std::string::npos) << e << all.output;
  EXPECT_NE(all.output.find("http_status=200"), std::string::npos)
    << all.output;
  EXPECT_EQ(all.output.find("more:"), std::string::npos) << all.output;

  auto first = ctl({"terminal", "history", "ctl-H1", "--limit", "1"});
  EXPECT_EQ(first.status, 0) << first.output;
  // The hint for the next page keeps the page's --limit (and --since).
  EXPECT_NE(first.output.find("more: tetherctl terminal history ctl-H1 "
                              "--limit 1 --cursor "),
            std::string::npos)
    << first.output;
  auto since = ctl({"terminal", "history", "ctl-H1", "--limit", "1", "--since",
                    "2020-01-01T00:00:00Z"});
  EXPECT_NE(since.output.find("--limit 1 --since 2020-01-01T00:00:00Z "
                              "--cursor "),
            std::string::npos)
    << since.output;
  auto at = first.output.find("--cursor ");
  ASSERT_NE(at, std::string::npos) << first.output;
  auto cursor = first.output.substr(at + 9);
  cursor.erase(cursor.find_last_not_of('\n') + 1);
  auto second = ctl(
    {"terminal", "history", "ctl-H1", "--limit", "1", "--cursor", cursor});
  EXPECT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output, first.output);
  auto page = json_of(ctl({"terminal", "history", "ctl-H1", "--json"}).output);
  ASSERT_TRUE(page.is_object());
  EXPECT_GE(page.at("records").as_array().size(), 3u);

  auto nobody = ctl({"terminal", "history", "ctl-nobody"});
  EXPECT_EQ(nobody.status, 3) << nobody.output;
  EXPECT_NE(nobody.output.find("HTTP 404 not_found"), std::string::npos);
  auto bad = ctl({"terminal", "history", "ctl-H1", "--since", "yesterday"});
  EXPECT_EQ(bad.status, 3) << bad.output;
  EXPECT_NE(bad.output.find("since"), std::string::npos) << bad.output;
  EXPECT_EQ(ctl({"terminal", "history", "ctl-H1", "--limit", "0"}).status, 2);
  // A TTL the server would refuse is a usage error, not dropped.
  for (const char* ttl : {"0", "-5", "2592001"})
    EXPECT_EQ(ctl({"jobs", "push", "ctl-H1", "--ttl", ttl}).status, 2) << ttl;
}

} // namespace

TEST_F(Tetherctl, BulkPushFromAFileOrStandardInputWithOneLinePerItem) {
  auto ws = connect_device(d_, "ctl-B1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  temp_dir dir;
  auto file = dir.path() + "/bulk.json";
  write_file(file, R"({"jobs":[
    {"terminal_id":"ctl-B1","service":"print","payload":{"text":"a"}},
    {"terminal_id":"ctl-nobody","service":"print","payload":{}},
    {"terminal_id":"ctl-B1","service":"print","payload":{"text":"b"}}]})");
  auto mixed = ctl({"jobs", "push", "--bulk", file});
  EXPECT_EQ(mixed.status, 3) << "an item was refused\n" << mixed.output;
  EXPECT_EQ(mixed.output.rfind("#", 0), 0u) << mixed.output;
  EXPECT_NE(mixed.output.find("not_found: "), std::string::npos)
    << mixed.output;
  EXPECT_NE(mixed.output.find("ctl-nobody"), std::string::npos);
  EXPECT_NE(mixed.output.find("accepted 2, refused 1"), std::string::npos)
    << mixed.output;
  for (int i = 0; i < 2; ++i) {
    auto job = next_of_type(*ws, "job");
    ASSERT_TRUE(job.is_object()) << "job " << i;
    EXPECT_NE(mixed.output.find(str_at(job, "job_id")), std::string::npos)
      << mixed.output;
  }

  // "-": the body from standard input; all accepted: exit 0, --json raw.
  write_file(file, R"({"jobs":[{"terminal_id":"ctl-B1","service":"print"}]})");
  auto log = dir.path() + "/stdin.log";
  auto p = child_process::spawn(
    {"/bin/sh", "-c",
     std::string{TETHERCTL_PATH} + " --server http://" + d_.http()
       + " --key-file " + key_file_ + " --json jobs push --bulk - < " + file},
    log);
  auto st = p->wait(30s);
  ASSERT_TRUE(st);
  auto out = read_file(log);
  EXPECT_EQ(*st, 0) << out;
  auto v = json_of(out);
  ASSERT_TRUE(v.is_object()) << out;
  EXPECT_EQ(v.at("accepted").as_int64(), 1) << out;
  ASSERT_TRUE(next_of_type(*ws, "job").is_object());

  // A body the server refuses whole: its words, exit 3; usage errors: 2.
  write_file(file, "not json");
  auto bad = ctl({"jobs", "push", "--bulk", file});
  EXPECT_EQ(bad.status, 3) << bad.output;
  EXPECT_NE(bad.output.find("HTTP 400"), std::string::npos) << bad.output;
  EXPECT_EQ(ctl({"jobs", "push", "--bulk", dir.path() + "/missing"}).status, 2);
  EXPECT_EQ(ctl({"jobs", "push"}).status, 2);
  EXPECT_EQ(ctl({"jobs", "push", "ctl-B1", "--bulk", file}).status, 2);
}

TEST(TetherctlAlone, UnreachableServerIsExitFour) {
  auto port = std::to_string(free_port());
  auto r = tetherctl(
    {"--server", "http://127.0.0.1:" + port, "--key", "k", "clusters"});
  EXPECT_EQ(r.status, 4) << r.output;
  EXPECT_NE(r.output.find("cannot connect to 127.0.0.1:" + port),
            std::string::npos)
    << r.output;
}

TEST(TetherctlAlone, AnAnswerOfAnUnexpectedShapeIsNamedNotACrash) {
  // One HTTP exchange: 200 with JSON where a string should be a number.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor server(
    io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = std::to_string(server.local_endpoint().port());
  std::thread answer([&] {
    boost::system::error_code ec;
    auto socket = server.accept(ec);
    if (ec)
      return;
    char buf[4096];
    socket.read_some(boost::asio::buffer(buf), ec); // the request
    std::string body = R"({"clusters":[{"cluster_id":5}]})";
    std::string text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Content-Length: "
                     + std::to_string(body.size())
                     + "\r\nConnection: close\r\n\r\n" + body;
    boost::asio::write(socket, boost::asio::buffer(text), ec);
  });
  auto r = tetherctl(
    {"--server", "http://127.0.0.1:" + port, "--key", "k", "clusters"});
  answer.join();
  EXPECT_EQ(r.status, 4) << r.output;
  EXPECT_NE(r.output.find("the server's answer to GET /v1/admin/clusters is "
                          "not what this tetherctl expects"),
            std::string::npos)
    << r.output;
}

TEST(TetherctlAlone, AServerThatNeverAnswersIsExitFourWithinTheTimeout) {
  // A listener that never accepts: the kernel completes the TCP handshake,
  // nothing more comes (HTTP, or TLS for https).
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(
    io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = std::to_string(silent.local_endpoint().port());
  for (std::string scheme : {"http", "https"}) {
    SCOPED_TRACE(scheme);
    auto r = tetherctl({"--server", scheme + "://127.0.0.1:" + port, "--key",
                        "k", "--timeout", "1", "clusters"});
    EXPECT_EQ(r.status, 4) << r.output;
    EXPECT_NE(r.output.find("no answer within 1000 ms"), std::string::npos)
      << r.output;
  }
}

TEST(TetherctlAlone, AKeyFileOthersCanReadIsWarnedAbout) {
  temp_dir dir;
  auto key = dir.path() + "/key";
  write_file(key, "k\n");
  auto port = std::to_string(free_port());
  auto run = [&] {
    return tetherctl(
      {"--server", "http://127.0.0.1:" + port, "--key-file", key, "clusters"});
  };
  ::chmod(key.c_str(), 0644);
  auto open = run();
  EXPECT_NE(open.output.find("readable by others (mode 644): chmod 600"),
            std::string::npos)
    << open.output;
  ::chmod(key.c_str(), 0600);
  auto closed = run();
  EXPECT_EQ(closed.output.find("readable by others"), std::string::npos)
    << closed.output;
  EXPECT_EQ(closed.status, 4) << closed.output; // and on to the server
}

// Tester findings (session 26): these were sent on, or dropped silently.
TEST(TetherctlAlone, MalformedArgumentsAreNamedBeforeAnyRequest) {
  temp_dir dir;
  auto empty_key = dir.path() + "/empty-key";
  write_file(empty_key, "");
  ::chmod(empty_key.c_str(), 0600);
  auto port = std::to_string(free_port()); // nothing listens: exit 4 if sent
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<bad> cases{
    {{"cluster", "set", "C1", "--label", "region=GG1,,GG2"},
     "--label region=GG1,,GG2: an empty value"},
    {{"cluster", "set", "C1", "--label", "region=GG1,"}, "an empty value"},
    {{"cluster", "set", "C1", "--label", "region=GG1", "--label", "region=GG2"},
     "--label region is given twice"},
    {{"cluster", "set", "C1", "--weight", "1.5"}, "not an integer: 1.5"},
    {{"reallocate", "--terminals", "a,,b"},
     "--terminals a,,b: an empty terminal id"},
    {{"--key-file", empty_key, "clusters"}, "is empty"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"--server", "http://127.0.0.1:" + port};
    if (c.args.front() != "--key-file")
      args.insert(args.end(), {"--key", "k"});
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = tetherctl(args);
    SCOPED_TRACE(c.says);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << r.output;
  }
}

TEST(TetherctlAlone, UsageErrorsAreExitTwo) {
  EXPECT_EQ(tetherctl({}).status, 2);
  EXPECT_EQ(tetherctl({"no-such-command"}).status, 2);
  EXPECT_EQ(tetherctl({"--server", "ftp://x", "status"}).status, 2);
  auto help = tetherctl({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("EXIT STATUS"), std::string::npos);
  EXPECT_NE(help.output.find("--ca"), std::string::npos);
  EXPECT_NE(help.output.find("tetherctl.toml"), std::string::npos);
  auto version = tetherctl({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.output.rfind("tetherctl 0.", 0), 0u) << version.output;
}

TEST(TetherctlAlone, AnUnknownOrMissingCommandIsNamedWithTheCommandsThere) {
  auto has = [](const ctl_run& r, const std::string& text) {
    return r.output.find(text) != std::string::npos;
  };
  auto bogus = tetherctl({"bogus-cmd"});
  EXPECT_EQ(bogus.status, 2);
  EXPECT_TRUE(has(bogus, "tetherctl: unknown command \"bogus-cmd\""))
    << bogus.output;
  EXPECT_TRUE(has(bogus, "status, clusters")) << bogus.output;
  auto sub = tetherctl({"jobs", "pussh"});
  EXPECT_EQ(sub.status, 2);
  EXPECT_TRUE(has(sub, "tetherctl jobs: unknown command \"pussh\""))
    << sub.output;
  EXPECT_TRUE(has(sub, "(one of: push, show, cancel, list)")) << sub.output;
  auto none = tetherctl({"jobs"});
  EXPECT_EQ(none.status, 2);
  EXPECT_TRUE(has(none, "tetherctl jobs: a command is required"))
    << none.output;
  auto option = tetherctl({"--bogus"});
  EXPECT_EQ(option.status, 2);
  EXPECT_TRUE(has(option, "unknown option \"--bogus\"")) << option.output;
  // Errors other than a missing command keep CLI11's words.
  auto push = tetherctl({"jobs", "push"});
  EXPECT_EQ(push.status, 2);
  EXPECT_TRUE(has(push, "TERMINAL or --bulk FILE is required")) << push.output;
}

TEST(TetherctlAlone, CheckConfigNamesTheProblem) {
  temp_dir dir;
  auto bad = dir.path() + "/bad.toml";
  write_file(bad, "[[clusters]]\nid = \"C1\"\nnodes = []\n");
  auto r = tetherctl({"check-config", bad});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("nodes"), std::string::npos) << r.output;
  auto good = dir.path() + "/good.toml";
  write_file(good, test_topology());
  auto ok = tetherctl({"check-config", good});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find(": ok"), std::string::npos) << ok.output;
}

// The routes the dashboard and tetherctl added (docs/API.md): the static
// files need no key, the lists need one with the scope, and bad query
// parameters are named.
TEST_F(Tetherctl, DashboardFilesAndListRoutesOverHttp) {
  auto index = http_call_auth(d_.http(), "", "GET", "/ui/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<title>Tether dashboard</title>"),
            std::string::npos);
  EXPECT_EQ(index.headers["Content-Type"], "text/html; charset=utf-8");
  auto js = http_call_auth(d_.http(), "", "GET", "/ui/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(http_call_auth(d_.http(), "", "GET", "/ui/nope.js").status, 404);
  EXPECT_EQ(http_call_auth(d_.http(), "", "GET", "/ui").status, 200);

  // The API's description (docs/openapi.json, compiled in): no key needed.
  auto spec = http_call_auth(d_.http(), "", "GET", "/v1/openapi.json");
  EXPECT_EQ(spec.status, 200);
  EXPECT_EQ(spec.headers["Content-Type"], "application/json");
  auto doc = json_of(spec.body);
  ASSERT_TRUE(doc.is_object()) << spec.body.substr(0, 200);
  EXPECT_EQ(str_at(doc, "openapi"), "3.0.3");
  EXPECT_TRUE(doc.at("paths").as_object().contains("/v1/openapi.json"));
  EXPECT_EQ(http_call_auth(d_.http(), "", "POST", "/v1/openapi.json").status,
            405);

  auto anon = http_call_auth(d_.http(), "", "GET", "/v1/terminals");
  EXPECT_EQ(anon.status, 401);
  auto metrics_key
    = str_at(json_of(http_call(d_.http(), "POST", "/v1/admin/keys",
                               R"({"name":"m","scopes":["metrics"]})")
                       .body),
             "key");
  auto weak
    = http_call_auth(d_.http(), "Bearer " + metrics_key, "GET", "/v1/jobs");
  EXPECT_EQ(weak.status, 403) << weak.body;
  auto bad = http_call(d_.http(), "GET", "/v1/jobs?bogus=1");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(error_message_of(bad).find("\"bogus\""), std::string::npos)
    << bad.body;
  auto empty = http_call(d_.http(), "GET", "/v1/terminals?prefix=none-");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, R"({"terminals":[]})");
}

namespace {

/// A tetherd with [edge_tls] (a self-signed certificate for 127.0.0.1) and
/// what tetherctl needs to reach it.
struct tls_server {
  temp_dir dir;
  tls_identity id = make_self_signed("127.0.0.1", "IP:127.0.0.1");
  std::string cert = dir.path() + "/cert.pem";
  std::string key = dir.path() + "/key.pem";
  std::unique_ptr<tetherd_process> d;
  std::string url, key_file;

  tls_server() {
    write_file(cert, id.cert_pem);
    write_file(key, id.key_pem);
    d = std::make_unique<tetherd_process>(
      topology_builder{}
        .section("edge_tls",
                 "cert_file = \"" + cert + "\"\nkey_file = \"" + key + "\"\n")
        .toml());
    d->start();
    url = "https://" + d->http();
    key_file = d->dir() + "/data/secrets/admin-key";
  }
};

} // namespace

// https:// with the CA from --ca; refused (exit 4, the TLS reason said)
// without it, with another CA, or for a host name the certificate does not
// name; an unreadable CA file is a usage error (2).
TEST(TetherctlTls, HttpsVerifiesTheServerAgainstTheGivenCa) {
  tls_server s;
  auto ok = tetherctl(
    {"--server", s.url, "--ca", s.cert, "--key-file", s.key_file, "clusters"});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(ok.output.rfind("CLUSTER", 0), 0u) << ok.output;

  auto untrusted = tetherctl(
    {"--server", s.url, "--key-file", s.key_file, "--timeout", "5", "status"});
  EXPECT_EQ(untrusted.status, 4) << untrusted.output;
  EXPECT_NE(untrusted.output.find("TLS handshake"), std::string::npos)
    << untrusted.output;
  EXPECT_NE(untrusted.output.find("certificate verify failed"),
            std::string::npos)
    << untrusted.output;

  temp_dir other;
  auto other_ca = other.path() + "/other.pem";
  write_file(other_ca, make_self_signed("127.0.0.1", "IP:127.0.0.1").cert_pem);
  auto wrong = tetherctl(
    {"--server", s.url, "--ca", other_ca, "--key-file", s.key_file, "status"});
  EXPECT_EQ(wrong.status, 4) << wrong.output;

  auto port = s.d->http().substr(s.d->http().rfind(':') + 1);
  auto by_name = tetherctl({"--server", "https://localhost:" + port, "--ca",
                            s.cert, "--key-file", s.key_file, "status"});
  EXPECT_EQ(by_name.status, 4) << by_name.output;
  EXPECT_NE(by_name.output.find("TLS handshake"), std::string::npos)
    << by_name.output;

  auto no_ca = tetherctl({"--server", s.url, "--ca", other.path() + "/none",
                          "--key-file", s.key_file, "status"});
  EXPECT_EQ(no_ca.status, 2) << no_ca.output;
  EXPECT_NE(no_ca.output.find("cannot read CA file"), std::string::npos)
    << no_ca.output;
}

// The settings file gives server, key_file and ca; a flag wins over it; a
// file with an unknown setting or a wrong type is refused (2) naming the
// line; a --config that does not exist is refused.
TEST(TetherctlTls, SettingsFileAndFlagsOverIt) {
  tls_server s;
  temp_dir dir;
  auto cfg = dir.path() + "/tetherctl.toml";
  write_file(cfg, "server = \"" + s.url + "\"\nkey_file = \"" + s.key_file
                    + "\"\nca = \"" + s.cert + "\"\n");
  auto ok = tetherctl({"--config", cfg, "clusters", "--json"});
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_TRUE(json_of(ok.output).is_object()) << ok.output;

  auto wrong_server = dir.path() + "/wrong.toml";
  write_file(wrong_server, "server = \"https://127.0.0.1:1\"\nkey_file = \""
                             + s.key_file + "\"\nca = \"" + s.cert + "\"\n");
  auto flag
    = tetherctl({"--config", wrong_server, "--server", s.url, "status"});
  EXPECT_EQ(flag.status, 0) << flag.output;
  auto from_file = tetherctl({"--config", wrong_server, "status"});
  EXPECT_EQ(from_file.status, 4) << from_file.output;

  auto bad = dir.path() + "/bad.toml";
  write_file(bad, "server = \"" + s.url + "\"\nsevrer = \"x\"\nca = 5\n");
  auto refused = tetherctl({"--config", bad, "status"});
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find(bad + ":2: unknown setting \"sevrer\""),
            std::string::npos)
    << refused.output;
  EXPECT_NE(refused.output.find(bad + ":3: ca must be a string"),
            std::string::npos)
    << refused.output;

  auto missing = tetherctl({"--config", dir.path() + "/none.toml", "status"});
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("cannot read settings file"), std::string::npos)
    << missing.output;
}
