#include "remote-print/log.hpp"

namespace tether::print {

std::shared_ptr<spdlog::logger> logger(const std::string& module) {
  auto name = module.empty() ? std::string("print") : "print." + module;
  if (auto existing = spdlog::get(name))
    return existing;
  auto created = spdlog::default_logger()->clone(name);
  spdlog::register_logger(created);
  return created;
}

} // namespace tether::print
