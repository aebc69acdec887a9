// tetherctl's settings file (TOML): server, key, key_file, ca. Looked up at
// --config FILE, else $TETHER_CONFIG, else
// $XDG_CONFIG_HOME/tether/tetherctl.toml (~/.config/tether/tetherctl.toml).
// Flags override the environment, which overrides the file (main.cpp).
#pragma once

#include <string>

namespace tether::ctl {

struct ctl_file_settings {
  std::string server, key, key_file, ca;
};

/// Reads `path` into `out`: an empty string, or the problems (an unknown
/// key, a value that is not a string, a TOML error with its line).
std::string read_ctl_config(const std::string& path, ctl_file_settings& out);

/// Where the file is looked for when neither --config nor TETHER_CONFIG
/// names one (empty when neither XDG_CONFIG_HOME nor HOME is set).
std::string default_ctl_config_path();

} // namespace tether::ctl
