// The keys the topology reader accepts, table by table: what docs/CONFIG.md
// is held to (tests/config/config_docs_test.cpp). A header of its own so that
// the rest of the system, which includes topology.hpp, does not see it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace tether::config {

/// The keys the reader accepts in each table it visits while reading
/// `toml_text` (as parse_topology does; problems are ignored): the table's
/// path without indices ("" for the top level, "clusters.balancers",
/// "processes.scheduler") -> its keys. Tables absent from the text are not
/// visited; text that is not TOML gives nothing.
std::map<std::string, std::set<std::string>>
known_topology_keys(std::string_view toml_text);

} // namespace tether::config
