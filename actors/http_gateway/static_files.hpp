// Static files the gateway serves without a key (the dashboard under /ui/,
// net/ui/): they carry no data, only the page that asks the API with the
// operator's key. The files are compiled in (net/ui/CMakeLists.txt turns
// them into a generated .cpp); the gateway gets the lookup function.
#pragma once

#include <string_view>

namespace tether {

struct static_file {
  std::string_view path; // below /ui/, e.g. "app.js"
  std::string_view content_type;
  std::string_view body;
};

/// The file at `path` (below /ui/; empty means index.html), or null.
using static_file_lookup = const static_file* (*)(std::string_view path);

} // namespace tether
