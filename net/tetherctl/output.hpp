// tetherctl's output helpers (commands.cpp), shared by its command files:
// fields of the API's JSON as table cells, and the one-call-then-print
// shape of most commands.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "net/tetherctl/commands.hpp"

namespace tether::ctl {

/// A field of an object as text: strings as they are, null as "-", other
/// values as JSON.
std::string text_of(const boost::json::value& v, std::string_view key);
/// A percent field as "25%" ("-" when absent or null: a down node's load).
std::string percent_text(const boost::json::value& v, std::string_view key);
/// A list of strings as "a, b" ("-" when empty).
std::string list_text(const boost::json::value& v, std::string_view key);
/// The array at `key` (an empty one when absent).
const boost::json::array& array_at(const boost::json::value& v,
                                   std::string_view key);
/// {"region":["GG1"],"model":["GJ1","GJ2"]} as "region=GG1 model=GJ1|GJ2".
std::string labels_text(const boost::json::value& labels);
std::string mib(const boost::json::value& bytes);
/// Percent-escapes all but [A-Za-z0-9-._:].
std::string query_escape(const std::string& s);
/// Prints `v` as JSON (for --json) and returns exit_ok.
int print_json(context& cx, const boost::json::value& v);
/// One call; on failure its exit code (the reason printed by `call`); with
/// --json the answer as it came; else `for_people` prints it.
int call_and_print(
  context& cx, const std::string& method, const std::string& target,
  const std::string& body,
  const std::function<void(const boost::json::value&)>& for_people);

} // namespace tether::ctl
