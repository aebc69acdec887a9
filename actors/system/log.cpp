#include "actors/system/log.hpp"

#include <chrono>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tether {

std::shared_ptr<spdlog::logger> logger(const std::string& module) {
  if (auto existing = spdlog::get(module))
    return existing;
  try {
    auto made = spdlog::stderr_color_mt(module);
    made->set_level(spdlog::get_level());
    return made;
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered it in the meantime.
    return spdlog::get(module);
  }
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace tether
