#include "actors/system/log_json.hpp"

#include <chrono>
#include <ctime>
#include <regex>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace tether {

namespace {

std::string utc_time(spdlog::log_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

/// The id after "terminal " in a message ("" if none).
std::string terminal_of(const std::string& text) {
  static const std::regex named{R"(\bterminal ([A-Za-z0-9._:-]{1,128}))"};
  std::smatch m;
  return std::regex_search(text, m, named) ? m[1].str() : std::string{};
}

} // namespace

void json_log_formatter::format(const spdlog::details::log_msg& msg,
                                spdlog::memory_buf_t& dest) {
  std::string text(msg.payload.data(), msg.payload.size());
  auto level = spdlog::level::to_string_view(msg.level);
  boost::json::object o{
    {"time", utc_time(msg.time)},
    {"level", std::string_view{level.data(), level.size()}},
    {"role", std::string_view{msg.logger_name.data(), msg.logger_name.size()}},
    {"process", process_},
    {"message", text}};
  if (auto id = terminal_of(text); !id.empty())
    o["terminal_id"] = id;
  auto line = boost::json::serialize(o);
  dest.append(line.data(), line.data() + line.size());
  dest.push_back('\n');
}

void use_json_logs(const std::string& process) {
  spdlog::set_formatter(std::make_unique<json_log_formatter>(process));
}

} // namespace tether
