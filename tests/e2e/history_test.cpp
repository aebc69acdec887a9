// Per-call history records against a real tetherd (docs/API.md "History",
// issue 17 item 3): a device's registration, connection, job and
// disconnect read back newest first and page by page; the records survive
// kill -9 once the control's tick has handed them to the store; the
// retention sweep keeps max_per_terminal; refusals.

#include "tests/e2e/e2e.hpp"
#include "tests/support/topology_builder.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

boost::json::value history(const tetherd_process& d, const std::string& id,
                           const std::string& query = {}) {
  auto r
    = http_call(d.http(), "GET", "/v1/terminals/" + id + "/history" + query);
  EXPECT_EQ(r.status, 200) << r.body;
  return json_of(r.body);
}

/// The events of a history page, oldest first.
std::vector<std::string> events_oldest_first(const boost::json::value& page) {
  std::vector<std::string> out;
  if (!page.is_object())
    return out;
  for (const auto& r : page.at("records").as_array())
    out.insert(out.begin(), str_at(r, "event"));
  return out;
}

bool connected(const tetherd_process& d, const std::string& id) {
  auto t = json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body);
  return t.is_object() && t.at("connected").as_bool();
}

/// One device's life: registration, connection, a job acknowledged and
/// done, an attribute change, and a disconnect (seen by the control).
std::string one_life(const tetherd_process& d, const std::string& id) {
  auto ws = connect_device(d, id, "GG1");
  EXPECT_TRUE(ws);
  if (!ws)
    return {};
  EXPECT_FALSE(next_of_type(*ws, "hello").is_null());
  auto r = http_call(d.http(), "POST", "/v1/terminals/" + id + "/jobs",
                     R"({"service":"print"})");
  EXPECT_EQ(r.status, 202) << r.body;
  auto job = str_at(json_of(r.body), "job_id");
  auto frame = next_of_type(*ws, "job");
  EXPECT_EQ(str_at(frame, "job_id"), job);
  ws->send_text(R"({"type":"ack","job_id":")" + job + R"("})");
  ws->send_text(R"({"type":"result","job_id":")" + job
                + R"(","status":"done"})");
  EXPECT_TRUE(eventually(
    [&] {
      auto j = json_of(http_call(d.http(), "GET", "/v1/jobs/" + job).body);
      return str_at(j, "status") == "done";
    },
    5s));
  EXPECT_EQ(http_call(d.http(), "PUT", "/v1/terminals/" + id + "/attributes",
                      R"({"plan":"paid"})")
              .status,
            200);
  ws->close();
  EXPECT_TRUE(eventually([&] { return !connected(d, id); }, 10s));
  return job;
}

const std::vector<std::string> life_events
  = {"register",  "connect",      "job_pushed", "job_delivered",
     "job_acked", "job_finished", "attributes", "disconnect"};

TEST(history, a_devices_life_reads_back_newest_first_page_by_page) {
  tetherd_process server;
  server.start();
  auto job = one_life(server, "HI1");
  auto page = history(server, "HI1");
  ASSERT_EQ(events_oldest_first(page), life_events) << page;
  const auto& recs = page.at("records").as_array();
  EXPECT_TRUE(page.at("next").is_null());
  // Newest first, with the fields of each kind.
  const auto& gone = recs.at(0);
  EXPECT_FALSE(str_at(gone, "reason").empty()) << gone;
  EXPECT_EQ(str_at(gone, "node").rfind("C1-n", 0), 0u) << gone;
  EXPECT_EQ(str_at(gone, "address"), "127.0.0.1") << gone;
  EXPECT_EQ(str_at(recs.at(2), "status"), "done");
  for (size_t i = 2; i <= 5; ++i)
    EXPECT_EQ(str_at(recs.at(i), "job_id"), job) << i;
  EXPECT_EQ(recs.at(1).at("http_status").to_number<int>(), 200);
  EXPECT_EQ(recs.at(7).at("http_status").to_number<int>(), 200);
  for (size_t i = 1; i < recs.size(); ++i)
    EXPECT_GE(str_at(recs.at(i - 1), "at"), str_at(recs.at(i), "at"));
  // Three at a time, following `next`: the same records.
  std::vector<std::string> paged;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto p = history(server, "HI1",
                     "?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_LE(p.at("records").as_array().size(), 3u);
    auto evs = events_oldest_first(p);
    paged.insert(paged.begin(), evs.begin(), evs.end());
    if (p.at("next").is_null())
      break;
    cursor = std::string{p.at("next").as_string()};
  }
  EXPECT_EQ(paged, life_events);
  // since: the records at or after the job's finish.
  auto since = str_at(recs.at(2), "at");
  auto recent = history(server, "HI1", "?since=" + since);
  auto evs = events_oldest_first(recent);
  ASSERT_GE(evs.size(), 3u);
  EXPECT_EQ(evs.front() == "job_finished" || evs.front() == "job_acked", true)
    << evs.front();
  EXPECT_EQ(evs.back(), "disconnect");
}

TEST(history, records_survive_kill_9_after_a_tick) {
  tetherd_process server;
  server.start();
  one_life(server, "HK1");
  // The disconnect was recorded before it showed; wait until the tick has
  // handed it to the store, whose write puts it in the WAL (what kill -9
  // keeps). No read of the history before the kill: a read would hand the
  // records over itself.
  ASSERT_TRUE(eventually(
    [&] {
      return all_bytes_under(server.dir() + "/data/db")
               .find(R"({"e":"disconnect")")
          != std::string::npos;
    },
    10s));
  server.kill9();
  server.start();
  EXPECT_EQ(events_oldest_first(history(server, "HK1")), life_events);
  // The restarted server goes on recording.
  auto ws = connect_device(server, "HK1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_FALSE(next_of_type(*ws, "hello").is_null());
  std::vector<std::string> evs;
  ASSERT_TRUE(eventually(
    [&] {
      evs = events_oldest_first(history(server, "HK1"));
      return evs.size() == life_events.size() + 2;
    },
    5s))
    << evs.size();
  EXPECT_EQ(evs[evs.size() - 2], "register");
  EXPECT_EQ(evs.back(), "connect");
}

TEST(history, retiring_a_terminal_deletes_its_records_only) {
  tetherd_process server;
  server.start();
  one_life(server, "HD1");
  one_life(server, "HD2");
  // Both lives stored (a read hands the pending records over).
  ASSERT_EQ(events_oldest_first(history(server, "HD1")), life_events);
  ASSERT_EQ(http_call(server.http(), "DELETE", "/v1/terminals/HD1").status,
            200);
  // Registered again, HD1 starts afresh: its old records are gone.
  auto reg = register_terminal(server, R"({"terminal_id":"HD1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(events_oldest_first(history(server, "HD1")),
            std::vector<std::string>{"register"});
  EXPECT_EQ(events_oldest_first(history(server, "HD2")), life_events);
}

TEST(history, the_sweep_keeps_the_newest_max_per_terminal) {
  tetherd_process server{topology_builder{}
                           .timers("keepalive = \"30s\"")
                           .section("history", "max_per_terminal = 3")
                           .toml()};
  server.start();
  one_life(server, "HM1"); // 8 records
  ASSERT_TRUE(eventually(
    [&] { return history(server, "HM1").at("records").as_array().size() == 3; },
    10s));
  auto evs = events_oldest_first(history(server, "HM1"));
  EXPECT_EQ(evs, (std::vector<std::string>{"job_finished", "attributes",
                                           "disconnect"}));
}

TEST(history, refusals_name_the_problem) {
  tetherd_process server;
  server.start();
  auto reg = register_terminal(server, R"({"terminal_id":"HR1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto unknown = http_call(server.http(), "GET", "/v1/terminals/nope/history");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code_of(unknown), "not_found");
  auto bad_since = http_call(server.http(), "GET",
                             "/v1/terminals/HR1/history?since=yesterday");
  EXPECT_EQ(bad_since.status, 400);
  EXPECT_NE(error_message_of(bad_since).find("\"since\""), std::string::npos);
  auto bad_limit
    = http_call(server.http(), "GET", "/v1/terminals/HR1/history?limit=0");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_NE(error_message_of(bad_limit).find("\"limit\""), std::string::npos);
  auto bad_cursor
    = http_call(server.http(), "GET", "/v1/terminals/HR1/history?cursor=oops");
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_NE(error_message_of(bad_cursor).find("cursor"), std::string::npos);
  auto post = http_call(server.http(), "POST", "/v1/terminals/HR1/history");
  EXPECT_EQ(post.status, 405);
  // Without a key, and with a key that lacks the scope.
  EXPECT_EQ(
    http_call_auth(server.http(), "", "GET", "/v1/terminals/HR1/history")
      .status,
    401);
  auto key = http_call(server.http(), "POST", "/v1/admin/keys",
                       R"({"name":"m","scopes":["metrics"]})");
  ASSERT_EQ(key.status, 201) << key.body;
  auto no_scope = http_call_auth(server.http(),
                                 "Bearer " + str_at(json_of(key.body), "key"),
                                 "GET", "/v1/terminals/HR1/history");
  EXPECT_EQ(no_scope.status, 403);
  // Refused calls are not recorded; the registration is.
  EXPECT_EQ(events_oldest_first(history(server, "HR1")),
            (std::vector<std::string>{"register"}));
}

} // namespace
