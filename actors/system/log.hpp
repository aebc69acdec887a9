// One spdlog logger per module ("control", "balancer", ...). Lines name the
// actor or terminal they are about.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace tether {

/// Returns the logger of a module, creating it on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& module);

/// Milliseconds since the Unix epoch.
int64_t now_ms();

} // namespace tether
