// No data loss (issue 5): kill -9 the process holding the job store while
// more than 1,000 jobs are being pushed to connected and offline devices;
// after a restart every job that was answered 202 is found and is
// eventually done.
#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<child_process> fleet(const tetherd_process& server,
                                     const std::string& prefix, int count,
                                     const std::string& log) {
  return simulator(server,
                   {"--count", std::to_string(count), "--id-prefix", prefix,
                    "--region", "GG1", "--duration-s", "120",
                    "--backoff-min-ms", "100", "--backoff-max-ms", "1000",
                    "--stats-interval-s", "0", "--log-level", "warn"},
                   log);
}

TEST(crash, every_accepted_job_survives_kill_9_and_is_done) {
  // Fixed ports: the restart after kill -9 needs the same ones.
  auto started = tetherd_process::start_on_fixed_ports();
  auto& server = *started;
  constexpr int devices = 20;
  // Half the devices are connected through the simulator, half are
  // registered but offline until after the crash.
  auto online = fleet(server, "on-", devices, server.dir() + "/on.log");
  for (int i = 0; i < devices; ++i)
    ASSERT_EQ(register_terminal(server, R"({"terminal_id":"off-)"
                                          + std::to_string(i)
                                          + R"(","region":"GG1"})")
                .status,
              200);
  ASSERT_TRUE(eventually(
    [&] {
      auto v
        = json_of(http_call(server.http(), "GET", "/v1/admin/clusters").body);
      return v.is_object()
          && v.at("clusters").at(0).at("connections").to_number<int>()
               == devices;
    },
    20s));

  // Four pushers, each bounded to 400 jobs; the process is killed after
  // 1,000 were accepted, while they are still pushing.
  std::mutex mtx;
  std::vector<std::string> accepted;
  std::atomic<int> refused{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pushers;
  for (int p = 0; p < 4; ++p)
    pushers.emplace_back([&, p] {
      for (int k = 0; k < 400 && !stop; ++k) {
        auto n = (p * 400 + k) % (2 * devices);
        auto terminal = (n % 2 ? "on-" : "off-") + std::to_string(n / 2);
        auto r = http_call(server.http(), "POST",
                           "/v1/terminals/" + terminal + "/jobs",
                           R"({"service":"print","payload":{"k":)"
                             + std::to_string(p * 400 + k) + "}}",
                           2s);
        if (r.status == 202) {
          std::lock_guard<std::mutex> guard{mtx};
          accepted.push_back(str_at(json_of(r.body), "job_id"));
        } else {
          ++refused;
        }
      }
    });
  ASSERT_TRUE(eventually(
    [&] {
      std::lock_guard<std::mutex> guard{mtx};
      return accepted.size() >= 1000;
    },
    60s));
  server.kill9();
  stop = true;
  for (auto& t : pushers)
    t.join();
  auto total = accepted.size();
  ASSERT_GE(total, 1000u);

  server.restart(); // same ports: retried while one is held for a moment
  auto offline = fleet(server, "off-", devices, server.dir() + "/off.log");
  // Every accepted job is found, and each is eventually done (the online
  // fleet reconnects by itself; the offline one connects now).
  std::vector<std::string> pending = accepted;
  bool all_done = eventually(
    [&] {
      std::vector<std::string> still;
      for (auto& id : pending) {
        auto r = http_call(server.http(), "GET", "/v1/jobs/" + id);
        EXPECT_EQ(r.status, 200) << id << " lost: " << r.body;
        if (r.status != 200)
          continue;
        if (str_at(json_of(r.body), "status") != "done")
          still.push_back(id);
      }
      pending = std::move(still);
      return pending.empty();
    },
    90s);
  EXPECT_TRUE(all_done) << pending.size() << " of " << total
                        << " accepted jobs not done, e.g. "
                        << (pending.empty() ? "" : pending.front());
  std::cout << "[ measured ] " << total << " jobs accepted before kill -9, "
            << refused << " requests refused or cut off; all found after "
            << "restart" << std::endl;
}

} // namespace
