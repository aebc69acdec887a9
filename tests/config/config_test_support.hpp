// What topology_test and processes_test share: finding a problem by its
// place, writing `[section]` tables of a test document, and the "one
// accepted and one rejected value per rule" case with its check.
#pragma once

#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "config/topology.hpp"

namespace tether::config::test_support {

using fields = std::map<std::string, std::string>; // key -> raw TOML value

/// True if some entry of `list` is "<source>:<line>: <path>:
/// <...message...>"; `line` 0 accepts any line number (but still requires
/// one).
inline bool has_problem_in(const problems& list, std::string_view source,
                           const std::string& path, const std::string& message,
                           int line = 0) {
  auto head = std::string{source} + ":";
  for (const auto& p : list.list) {
    if (p.rfind(head, 0) != 0)
      continue;
    auto rest = p.substr(head.size());
    size_t digits = 0;
    while (digits < rest.size()
           && std::isdigit(static_cast<unsigned char>(rest[digits])))
      ++digits;
    if (digits == 0)
      continue;
    if (line != 0 && std::stoi(rest.substr(0, digits)) != line)
      continue;
    auto tail = rest.substr(digits);
    if (tail.rfind(": " + path + ": ", 0) != 0)
      continue;
    if (tail.find(message) != std::string::npos)
      return true;
  }
  return false;
}

/// The name test documents are read under (problems start
/// "<source>:<line>"); each test program defines it.
extern const char* const source;

inline parse_result parse(const std::string& text) {
  return parse_topology(text, source);
}

/// True if some problem is "<source>:<line>: <path>: <...message...>";
/// `line` 0 accepts any line number (but still requires one).
inline bool has_problem(const parse_result& r, const std::string& path,
                        const std::string& message, int line = 0) {
  return has_problem_in(r.errors, source, path, message, line);
}

/// The problems and warnings as one string, for failure messages.
inline std::string dump(const parse_result& r) {
  return "problems:\n" + r.errors.to_string() + "warnings:\n"
       + r.warnings.to_string();
}

/// Sets `key` to `value` in `f`; an empty value removes the key.
inline void set_field(fields& f, const std::string& key,
                      const std::string& value) {
  if (value.empty())
    f.erase(key);
  else
    f[key] = value;
}

/// `key = value` lines, each after `indent`.
inline std::string fields_toml(const fields& f,
                               const std::string& indent = "") {
  std::string out;
  for (const auto& [k, v] : f)
    out += indent + k + " = " + v + "\n";
  return out;
}

/// One `[name]` table per section.
inline std::string sections_toml(const std::map<std::string, fields>& s) {
  std::string out;
  for (const auto& [name, kv] : s)
    out += "[" + name + "]\n" + fields_toml(kv);
  return out;
}

/// One value of one key, accepted or rejected.
struct rule_case {
  std::string where; // which part of the test document (see its `set`)
  std::string key;
  std::string value; // raw TOML; empty = key absent
  bool accepted;
  std::string path;    // where the problem is reported
  std::string message; // part of the problem's text
  std::function<bool(const topology&)> applied = nullptr; // accepted only
  size_t problems = 1; // rejected: how many problems the mistake yields
};

inline std::string describe(const rule_case& c) {
  return c.where + "." + c.key + " = "
       + (c.value.empty() ? "<absent>" : c.value);
}

/// Expects `r` (the test document with case `c`) to be accepted and
/// applied, or rejected with the one problem at its place.
inline void expect_outcome(const rule_case& c, const parse_result& r) {
  if (c.accepted) {
    ASSERT_TRUE(r.value) << dump(r);
    EXPECT_TRUE(r.errors.list.empty()) << dump(r);
    if (c.applied) {
      EXPECT_TRUE(c.applied(*r.value));
    }
  } else {
    EXPECT_FALSE(r.value);
    EXPECT_TRUE(has_problem(r, c.path, c.message)) << dump(r);
    EXPECT_EQ(r.errors.list.size(), c.problems) << dump(r);
  }
}

/// expect_outcome for every case, on the test document `document(c)`.
inline void
expect_outcomes(const std::vector<rule_case>& cases,
                const std::function<std::string(const rule_case&)>& document) {
  for (const auto& c : cases) {
    SCOPED_TRACE(describe(c));
    expect_outcome(c, parse(document(c)));
  }
}

} // namespace tether::config::test_support
