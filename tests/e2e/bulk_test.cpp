// The bulk push (issue 12 item 4, docs/API.md "POST /v1/jobs/bulk") against
// a real tetherd: a bulk to several connected devices is delivered and done
// like single pushes; a mixed bulk is answered per item with the good ones
// stored; every job of a 200 survives a kill -9 right after it; the
// refusals of the whole request (keys, scope, body, limits, rate).
#include <algorithm>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// `{"jobs":[...]}` with one print job per terminal id, in order.
std::string bulk_of(const std::vector<std::string>& terminals) {
  std::string body = R"({"jobs":[)";
  for (size_t i = 0; i < terminals.size(); ++i)
    body += (i ? "," : "") + std::string{R"({"terminal_id":")"} + terminals[i]
          + R"(","service":"print","payload":{"n":)" + std::to_string(i) + "}}";
  return body + "]}";
}

http_result bulk(const tetherd_process& d, const std::string& body) {
  return http_call(d.http(), "POST", "/v1/jobs/bulk", body, 30s);
}

/// The results of a 200 answer (empty, with a failure, otherwise).
boost::json::array results_of(const http_result& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = json_of(r.body);
  if (!v.is_object() || !v.as_object().contains("results"))
    return {};
  return v.at("results").as_array();
}

std::string job_status(const tetherd_process& d, const std::string& id) {
  auto r = http_call(d.http(), "GET", "/v1/jobs/" + id);
  return r.status == 200 ? str_at(json_of(r.body), "status")
                         : "HTTP " + std::to_string(r.status);
}

void register_all(const tetherd_process& d, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(register_terminal(d, R"({"terminal_id":")" + prefix
                                     + std::to_string(i)
                                     + R"(","region":"GG1"})")
                .status,
              200);
}

TEST(bulk, jobs_to_several_connected_devices_are_delivered_and_done) {
  tetherd_process d(test_topology());
  d.start();
  std::vector<std::unique_ptr<ws_client>> devices;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back("BK-" + std::to_string(i));
    devices.push_back(connect_device(d, ids.back(), "GG1"));
    ASSERT_TRUE(devices.back());
    ASSERT_TRUE(next_of_type(*devices.back(), "hello").is_object());
  }
  // Two jobs for each device, interleaved.
  auto r = bulk(d, bulk_of({ids[0], ids[1], ids[2], ids[0], ids[1], ids[2]}));
  auto results = results_of(r);
  ASSERT_EQ(results.size(), 6u) << r.body;
  EXPECT_EQ(json_of(r.body).at("accepted").to_number<int>(), 6);
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(str_at(results[i], "terminal_id"), ids[i % 3]);
    EXPECT_EQ(results[i].at("status").to_number<int>(), 202);
  }
  // Each device gets its two jobs as ordinary job frames and finishes them.
  for (int dev = 0; dev < 3; ++dev) {
    std::vector<std::string> got;
    for (int k = 0; k < 2; ++k) {
      auto frame = next_of_type(*devices[dev], "job");
      ASSERT_TRUE(frame.is_object()) << ids[dev];
      auto id = str_at(frame, "job_id");
      got.push_back(id);
      devices[dev]->send_text(R"({"type":"ack","job_id":")" + id + R"("})");
      devices[dev]->send_text(R"({"type":"result","job_id":")" + id
                              + R"(","status":"done"})");
    }
    std::vector<std::string> want{str_at(results[dev], "job_id"),
                                  str_at(results[dev + 3], "job_id")};
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << ids[dev];
  }
  for (const auto& res : results) {
    auto id = str_at(res, "job_id");
    EXPECT_TRUE(eventually([&] { return job_status(d, id) == "done"; }, 10s))
      << id << ": " << job_status(d, id);
  }
  // The history of a device records its pushes like single ones.
  auto h = http_call(d.http(), "GET", "/v1/terminals/BK-0/history");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_NE(h.body.find(str_at(results[3], "job_id")), std::string::npos)
    << h.body;
}

TEST(bulk, mixed_items_are_answered_per_item_and_the_good_ones_stored) {
  tetherd_process d(test_topology());
  d.start();
  register_all(d, "BM-", 2);
  auto r = bulk(d, R"({"jobs":[
    {"terminal_id":"BM-0","service":"print","payload":{"a":1}},
    {"terminal_id":"BM-nobody","service":"print"},
    {"terminal_id":"BM-1","service":"print","payload":"not an object"},
    {"terminal_id":"BM-1"},
    {"service":"print"},
    {"terminal_id":"BM-1","service":"print","callback_url":"http://169.254.169.254/cb"},
    {"terminal_id":"BM-1","service":"print","ttl_s":60}]})");
  auto results = results_of(r);
  ASSERT_EQ(results.size(), 7u) << r.body;
  auto v = json_of(r.body);
  EXPECT_EQ(v.at("accepted").to_number<int>(), 2);
  EXPECT_EQ(v.at("refused").to_number<int>(), 5);
  auto status_of = [&](size_t i) {
    return results[i].at("status").to_number<int>();
  };
  auto code_of = [&](size_t i) {
    return str_at(results[i].at("error"), "code");
  };
  auto message_of = [&](size_t i) {
    return str_at(results[i].at("error"), "message");
  };
  EXPECT_EQ(status_of(0), 202);
  EXPECT_EQ(status_of(1), 404);
  EXPECT_EQ(code_of(1), "not_found");
  EXPECT_NE(message_of(1).find("BM-nobody"), std::string::npos);
  EXPECT_EQ(status_of(2), 400);
  EXPECT_NE(message_of(2).find("\"payload\""), std::string::npos);
  EXPECT_EQ(status_of(3), 400);
  EXPECT_NE(message_of(3).find("\"service\" is required"), std::string::npos);
  EXPECT_EQ(status_of(4), 400);
  EXPECT_NE(message_of(4).find("\"terminal_id\""), std::string::npos);
  EXPECT_EQ(status_of(5), 400) << "a metadata address is refused at push";
  EXPECT_NE(message_of(5).find("callback_url"), std::string::npos)
    << message_of(5);
  EXPECT_EQ(status_of(6), 202);
  EXPECT_EQ(job_status(d, str_at(results[0], "job_id")), "queued");
  EXPECT_EQ(job_status(d, str_at(results[6], "job_id")), "queued");
  // Only the two are stored: the terminals' job lists hold nothing else.
  auto listed = [&](const std::string& t) {
    auto l = http_call(d.http(), "GET", "/v1/jobs?terminal_id=" + t);
    EXPECT_EQ(l.status, 200) << l.body;
    return json_of(l.body).at("jobs").as_array().size();
  };
  EXPECT_EQ(listed("BM-0"), 1u);
  EXPECT_EQ(listed("BM-1"), 1u);
}

TEST(bulk, every_job_of_a_200_survives_a_kill_9_right_after_it) {
  auto started = tetherd_process::start_on_fixed_ports();
  auto& d = *started;
  register_all(d, "BC-", 10);
  std::vector<std::string> terminals;
  for (int i = 0; i < 300; ++i)
    terminals.push_back("BC-" + std::to_string(i % 10));
  auto r = bulk(d, bulk_of(terminals));
  d.kill9(); // at once: the answer said every job was stored (synced)
  auto results = results_of(r);
  ASSERT_EQ(results.size(), 300u) << r.body;
  d.restart();
  size_t found = 0;
  for (const auto& res : results) {
    auto id = str_at(res, "job_id");
    auto status = job_status(d, id);
    EXPECT_EQ(status, "queued") << id;
    found += status == "queued";
  }
  EXPECT_EQ(found, 300u);
}

TEST(bulk, whole_request_refusals) {
  tetherd_process d(test_topology()
                    + "\n[limits]\npush_rate = 0.5\npush_burst = 8\n"
                      "bulk_max_jobs = 9\n");
  d.start();
  register_all(d, "BR-", 1);
  auto admin = "Bearer " + d.admin_key();
  auto key = [&](const std::string& scopes) {
    auto k = http_call_auth(d.http(), admin, "POST", "/v1/admin/keys",
                            R"({"name":"bulk","scopes":)" + scopes + "}");
    EXPECT_EQ(k.status, 201) << k.body;
    return "Bearer " + str_at(json_of(k.body), "key");
  };
  auto writer = key(R"(["jobs:write","jobs:read"])");
  auto reader = key(R"(["jobs:read"])");
  auto call = [&](const std::string& auth, const std::string& body) {
    return http_call_auth(d.http(), auth, "POST", "/v1/jobs/bulk", body);
  };
  auto one = bulk_of({"BR-0"});
  auto none = call("", one);
  EXPECT_EQ(none.status, 401) << none.body;
  auto forbidden = call(reader, one);
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(error_code_of(forbidden), "forbidden");
  auto malformed = call(writer, R"({"jobs":[)");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(error_message_of(malformed).find("not valid JSON"),
            std::string::npos);
  auto empty = call(writer, R"({"jobs":[]})");
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(error_message_of(empty).find("\"jobs\" is empty"),
            std::string::npos);
  std::vector<std::string> ten(10, "BR-0");
  auto over = call(writer, bulk_of(ten));
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_NE(error_message_of(over).find("bulk_max_jobs"), std::string::npos)
    << over.body;
  std::vector<std::string> nine(9, "BR-0");
  auto over_burst = call(writer, bulk_of(nine));
  EXPECT_EQ(over_burst.status, 413) << over_burst.body;
  EXPECT_NE(error_message_of(over_burst).find("push_burst"), std::string::npos)
    << over_burst.body;
  // The rate counts each job: 6 of the 8 tokens, then 6 more are refused
  // as a whole (nothing stored).
  std::vector<std::string> six(6, "BR-0");
  auto first = call(writer, bulk_of(six));
  ASSERT_EQ(first.status, 200) << first.body;
  auto second = call(writer, bulk_of(six));
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(error_code_of(second), "too_many_requests");
  EXPECT_GE(std::atoi(second.headers["Retry-After"].c_str()), 1);
  auto l = http_call(d.http(), "GET", "/v1/jobs?terminal_id=BR-0");
  ASSERT_EQ(l.status, 200) << l.body;
  EXPECT_EQ(json_of(l.body).at("jobs").as_array().size(), 6u)
    << "the refused bulk stored nothing";
  // A single push still has the two tokens left.
  auto single
    = http_call_auth(d.http(), writer, "POST", "/v1/terminals/BR-0/jobs",
                     R"({"service":"print"})");
  EXPECT_EQ(single.status, 202) << single.body;
}

} // namespace
