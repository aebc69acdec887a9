// JSON log lines: one object a line, with time, level, role, process,
// message and the terminal id a message names.
#include "actors/system/log_json.hpp"

#include <sstream>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace tether {
namespace {

TEST(LogJson, OneObjectALine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger log{"gateway", sink};
  log.set_formatter(std::make_unique<json_log_formatter>("C1-b1"));
  log.warn("{} (terminal {}): failed: {}", "POST /v1/terminals/{id}/jobs",
           "T-7", "\"quoted\"\nnext");
  log.info("control reachable");
  std::istringstream lines{out.str()};
  std::string first, second, third;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, third)); // newlines escaped inside
  auto a = boost::json::parse(first).as_object();
  EXPECT_EQ(a.at("level"), "warning");
  EXPECT_EQ(a.at("role"), "gateway");
  EXPECT_EQ(a.at("process"), "C1-b1");
  EXPECT_EQ(a.at("terminal_id"), "T-7");
  EXPECT_EQ(a.at("message"),
            "POST /v1/terminals/{id}/jobs (terminal T-7): failed: "
            "\"quoted\"\nnext");
  auto time = std::string{a.at("time").as_string()};
  EXPECT_EQ(time.size(), 24u) << time; // 2026-12-05T09:15:46.123Z
  EXPECT_EQ(time.back(), 'Z');
  auto b = boost::json::parse(second).as_object();
  EXPECT_EQ(b.at("level"), "info");
  EXPECT_FALSE(b.contains("terminal_id"));
}

} // namespace
} // namespace tether
