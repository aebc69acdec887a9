// tether-print-service: one spdlog logger per module ("print", "print.http",
// "print.tether", "print.store"), all cloned from the default logger that main
// configures, so they share its sink, pattern and level and each line says
// which part of the service speaks.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace tether::print {

// The logger of `module` ("http" gives "print.http"; "" gives "print"). Created
// on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& module);

} // namespace tether::print
