// The dashboard's static files (net/ui/static/), compiled into tetherd:
// the gateway serves them under /ui/ (actors/http_gateway/static_files.hpp).
#pragma once

#include <string_view>

#include "actors/http_gateway/static_files.hpp"

namespace tether::ui {

/// The file at `path` below /ui/ (empty: index.html), or null.
const static_file* find_file(std::string_view path);

} // namespace tether::ui
