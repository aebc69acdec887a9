// The remote-printing flow of the reference patent, end to end through the
// sample service (examples/remote-print): a user submits a document for a
// device; the service stores it and pushes a job whose payload holds a
// print_url; the simulated device fetches the data and reports done.
#include "tests/e2e/simulator.hpp"

#ifndef PRINT_SERVICE_PATH
#error "PRINT_SERVICE_PATH must name the print service binary"
#endif

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

TEST(remote_print, document_is_fetched_by_the_device_and_done) {
  tetherd_process server;
  server.start();
  auto device = simulator(
    server, {"--id", "printer-1", "--region", "GG1", "--duration-s", "60"},
    server.dir() + "/device.log");
  ASSERT_TRUE(eventually(
    [&] {
      auto v = json_of(
        http_call(server.http(), "GET", "/v1/terminals/printer-1").body);
      return v.is_object() && v.as_object().contains("connected")
          && v.at("connected").as_bool();
    },
    10s));
  auto ready = server.dir() + "/print-ready.json";
  auto service = child_process::spawn(
    {PRINT_SERVICE_PATH, "--listen", "127.0.0.1:0", "--tether",
     "http://" + server.http(), "--data", server.dir() + "/print-data",
     "--ready-file", ready, "--poll-interval-s", "1", "--api-key-file",
     server.dir() + "/data/secrets/admin-key"},
    server.dir() + "/service.log");
  ASSERT_TRUE(eventually([&] { return !read_file(ready).empty(); }, 10s));
  auto svc = str_at(json_of(read_file(ready)), "http");
  ASSERT_FALSE(svc.empty()) << read_file(ready);

  const std::string document = "Hello, printer. This is page one.\n";
  auto r = http_call(
    svc, "POST", "/documents?terminal_id=printer-1&name=hello.txt", document);
  ASSERT_EQ(r.status, 202) << r.body;
  auto doc = str_at(json_of(r.body), "document_id");
  auto job = str_at(json_of(r.body), "job_id");
  ASSERT_FALSE(doc.empty());
  ASSERT_FALSE(job.empty());

  boost::json::value view;
  ASSERT_TRUE(eventually(
    [&] {
      view = json_of(http_call(svc, "GET", "/documents/" + doc).body);
      return str_at(view, "status") == "done";
    },
    15s))
    << boost::json::serialize(view) << "\n"
    << read_file(server.dir() + "/service.log");
  EXPECT_EQ(str_at(view, "detail"),
            "fetched " + std::to_string(document.size()) + " bytes");
  // Tether's own record agrees, and the print data is what was submitted.
  auto tj = json_of(http_call(server.http(), "GET", "/v1/jobs/" + job).body);
  EXPECT_EQ(str_at(tj, "status"), "done");
  auto print_url = str_at(tj.at("payload"), "print_url");
  ASSERT_EQ(print_url.rfind("http://" + svc + "/", 0), 0u) << print_url;
  auto data = http_call(svc, "GET", print_url.substr(7 + svc.size()));
  EXPECT_EQ(data.status, 200);
  EXPECT_EQ(data.body, document);

  // The service's error paths.
  auto unknown = http_call(svc, "POST", "/documents?terminal_id=nobody", "x");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(error_code_of(unknown), "not_found");
  auto empty = http_call(svc, "POST", "/documents?terminal_id=printer-1", "");
  EXPECT_EQ(empty.status, 400);
  auto big = http_call(svc, "POST", "/documents?terminal_id=printer-1",
                       std::string((1 << 20) + 1, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(http_call(svc, "GET", "/healthz").status, 200);
  // A wrong method: 405 with the code Tether uses for it (it said
  // bad_request), and the methods the path takes.
  auto wrong = http_call(svc, "DELETE", "/documents");
  EXPECT_EQ(wrong.status, 405) << wrong.body;
  EXPECT_EQ(error_code_of(wrong), "method_not_allowed") << wrong.body;

  // A job without print data is done, and its detail does not read like a
  // failure (it said only "no print_url").
  auto bare = http_call(server.http(), "POST", "/v1/terminals/printer-1/jobs",
                        R"({"service":"print"})");
  ASSERT_EQ(bare.status, 202) << bare.body;
  auto bare_id = str_at(json_of(bare.body), "job_id");
  boost::json::value bare_job;
  ASSERT_TRUE(eventually(
    [&] {
      bare_job
        = json_of(http_call(server.http(), "GET", "/v1/jobs/" + bare_id).body);
      return str_at(bare_job, "status") == "done";
    },
    15s))
    << boost::json::serialize(bare_job);
  EXPECT_EQ(str_at(bare_job, "detail"),
            "done: nothing to fetch (the payload has no print_url)");
}

} // namespace
