#include "net/tetherctl/ctl_config.hpp"

#include <cstdlib>

#include <toml++/toml.h>

namespace tether::ctl {

std::string read_ctl_config(const std::string& path, ctl_file_settings& out) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return path + ":" + std::to_string(e.source().begin.line) + ": "
         + std::string{e.description()};
  }
  std::string problems;
  for (const auto& [k, v] : t) {
    std::string key{k.str()};
    std::string* field = key == "server"   ? &out.server
                       : key == "key"      ? &out.key
                       : key == "key_file" ? &out.key_file
                       : key == "ca"       ? &out.ca
                                           : nullptr;
    auto line = std::to_string(v.source().begin.line);
    if (field == nullptr)
      problems += path + ":" + line + ": unknown setting \"" + key
                + "\" (known: server, key, key_file, ca)\n";
    else if (!v.is_string())
      problems += path + ":" + line + ": " + key + " must be a string\n";
    else
      *field = **v.as_string();
  }
  if (!problems.empty())
    problems.pop_back();
  return problems;
}

std::string default_ctl_config_path() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x)
    return std::string{x} + "/tether/tetherctl.toml";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h)
    return std::string{h} + "/.config/tether/tetherctl.toml";
  return {};
}

} // namespace tether::ctl
