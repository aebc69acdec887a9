// toml_reader: the parser's internals shared by the files of tether_config
// (topology.cpp reads the global sections and the clusters, processes.cpp the
// [[processes]]). Not part of the library's interface: only config/*.cpp
// include it, since it brings in toml++.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/topology.hpp"

namespace tether::config::detail {

/// Collects problems with their place ("file:line: path: message").
class reader {
public:
  explicit reader(std::string_view source) : source_(source) {}

  void problem(const toml::node* at, std::string_view path,
               std::string_view msg) {
    errors.list.push_back(format(at, path, msg));
  }

  void warning(const toml::node* at, std::string_view path,
               std::string_view msg) {
    warnings.list.push_back(format(at, path, msg));
  }

  /// Reports keys of `table` that are not in `known`.
  void only_keys(const toml::table& table, std::string_view path,
                 std::initializer_list<std::string_view> known) {
    if (key_log != nullptr)
      log_keys(path, known);
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        problem(&node, join(path, key.str()), "unknown key");
    }
  }

  /// The table `root.key`, or nullptr if absent; reports a non-table.
  const toml::table* section(const toml::table& root, std::string_view key) {
    auto* node = root.get(key);
    if (node == nullptr)
      return nullptr;
    if (auto* t = node->as_table())
      return t;
    problem(node, key, "must be a table ([" + std::string{key} + "])");
    return nullptr;
  }

  /// The table `parent.key` (at `path`.key), or nullptr if absent;
  /// reports a non-table with its full path.
  const toml::table* subsection(const toml::table& parent,
                                std::string_view path, std::string_view key) {
    auto* node = parent.get(key);
    if (node == nullptr)
      return nullptr;
    if (auto* t = node->as_table())
      return t;
    problem(node, join(path, key), "must be a table");
    return nullptr;
  }

  static std::string join(std::string_view path, std::string_view key) {
    if (path.empty())
      return std::string{key};
    return std::string{path} + "." + std::string{key};
  }

  static std::string index(std::string_view path, size_t i) {
    return std::string{path} + "[" + std::to_string(i) + "]";
  }

  void string(const toml::table& t, std::string_view path, std::string_view key,
              std::string& out, bool required = false) {
    auto* node = t.get(key);
    if (node == nullptr) {
      if (required)
        problem(&t, join(path, key), "missing");
      return;
    }
    if (auto v = node->value<std::string>())
      out = *v;
    else
      problem(node, join(path, key), "must be a string");
  }

  /// A true/false setting (is_boolean: value<bool>() would also take 0 and
  /// 1). When it is false and `warn_when_false` is given, that is a warning
  /// with its place (a setting that turns a protection off).
  void flag(const toml::table& t, std::string_view path, std::string_view key,
            bool& out, std::string_view warn_when_false = {}) {
    auto* node = t.get(key);
    if (node == nullptr)
      return;
    if (auto* b = node->as_boolean())
      out = b->get();
    else
      problem(node, join(path, key), "must be true or false");
    if (!out && !warn_when_false.empty())
      warning(node, join(path, key), warn_when_false);
  }

  /// An integer, or a float with a whole value in range (toml++'s own
  /// value<int64_t>() casts a float such as 1e24 before checking its range:
  /// undefined behaviour, found by tests/fuzz).
  static std::optional<int64_t> as_int64(const toml::node& node) {
    if (auto* i = node.as_integer())
      return i->get();
    auto* f = node.as_floating_point();
    if (f == nullptr)
      return std::nullopt;
    double d = f->get();
    // 2^63 is exactly representable; every double below it converts.
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        || d != std::trunc(d))
      return std::nullopt;
    return static_cast<int64_t>(d);
  }

  /// False if the key is absent or its value was refused.
  template <class Int>
  bool integer(const toml::table& t, std::string_view path,
               std::string_view key, Int& out, int64_t min, int64_t max) {
    auto* node = t.get(key);
    if (node == nullptr)
      return false;
    auto v = as_int64(*node);
    if (!v) {
      problem(node, join(path, key), "must be an integer");
      return false;
    }
    if (*v < min || *v > max) {
      problem(node, join(path, key),
              "must be between " + std::to_string(min) + " and "
                + std::to_string(max));
      return false;
    }
    out = static_cast<Int>(*v);
    return true;
  }

  /// False if the key is absent or its value was refused.
  bool duration(const toml::table& t, std::string_view path,
                std::string_view key, millis& out, millis min) {
    auto* node = t.get(key);
    if (node == nullptr)
      return false;
    auto text = node->value<std::string>();
    std::optional<millis> d;
    if (text)
      d = parse_duration(*text);
    if (!d) {
      problem(node, join(path, key),
              "must be a duration such as \"500ms\", \"30s\", \"2m\"");
      return false;
    }
    if (*d < min) {
      problem(node, join(path, key),
              "must be at least " + std::to_string(min.count()) + "ms");
      return false;
    }
    out = *d;
    return true;
  }

  /// False if the key is absent or its value was refused.
  bool address(const toml::table& t, std::string_view path,
               std::string_view key, endpoint& out, bool required) {
    std::string text;
    string(t, path, key, text, required);
    if (text.empty())
      return false;
    if (auto ep = parse_endpoint(text)) {
      out = *ep;
      return true;
    }
    problem(t.get(key), join(path, key),
            "must be \"host:port\" (port 0..65535), got \"" + text + "\"");
    return false;
  }

  /// Reads an array of strings; `at`, if given, receives each element's
  /// node (for the place of later problems), one per element of `out`.
  void string_list(const toml::node* node, std::string_view path,
                   std::vector<std::string>& out,
                   std::vector<const toml::node*>* at = nullptr) {
    auto* arr = node ? node->as_array() : nullptr;
    if (arr == nullptr) {
      problem(node, path, "must be an array of strings");
      return;
    }
    out.clear();
    if (at != nullptr)
      at->clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      if (auto v = arr->get(i)->value<std::string>()) {
        out.push_back(*v);
        if (at != nullptr)
          at->push_back(arr->get(i));
      } else {
        problem(arr->get(i), index(path, i), "must be a string");
      }
    }
  }

  problems errors;
  problems warnings;
  /// When set, each only_keys() adds its known keys here under the table's
  /// path without indices ("clusters[1].balancers[0]" ->
  /// "clusters.balancers"; "" for the top level): known_topology_keys().
  std::map<std::string, std::set<std::string>>* key_log = nullptr;

private:
  void log_keys(std::string_view path,
                std::initializer_list<std::string_view> known) {
    std::string table;
    bool in_index = false;
    for (char c : path) {
      if (c == '[')
        in_index = true;
      else if (c == ']')
        in_index = false;
      else if (!in_index)
        table += c;
    }
    auto& keys = (*key_log)[table];
    for (auto key : known)
      keys.emplace(key);
  }

  std::string format(const toml::node* at, std::string_view path,
                     std::string_view msg) const {
    std::ostringstream out;
    out << source_;
    if (at != nullptr && at->source().begin.line > 0)
      out << ':' << at->source().begin.line;
    out << ": " << path << ": " << msg;
    return out.str();
  }

  std::string source_;
};

inline constexpr std::string_view id_rule
  = "must be 1-128 characters of [A-Za-z0-9._:-]";

inline bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'
        || c == ':' || c == '-';
  });
}

/// Where the parts of the clusters were written, parallel to
/// topology::clusters, so that checks made after reading can name a line.
/// The pointers live as long as the parsed toml::table.
struct cluster_places {
  const toml::node* table = nullptr;
  const toml::node* id = nullptr;              // the id value, or the table
  const toml::node* nodes_key = nullptr;       // the nodes value, or the table
  std::vector<const toml::node*> nodes;        // one per cluster_config::nodes
  std::vector<const toml::node*> balancers;    // one table per balancer
  std::vector<const toml::node*> balancer_ids; // the id value, or table
  std::vector<const toml::node*> listens;      // the listen value, or table
};

/// Reads a [scheduler] table (global or per process) over `out`.
void read_scheduler(reader& r, const toml::table& t, std::string_view path,
                    scheduler_config& out);

/// Reads [[processes]] (or synthesizes the all-in-one process), then checks
/// them against the clusters. Called after the clusters have been read.
void read_processes(reader& r, const toml::table& root, topology& topo,
                    const std::vector<cluster_places>& clusters);

/// Reads a cluster's `elastic = { standby, scale_out, scale_in }` into `c`
/// (config/elastic.cpp).
void read_cluster_elastic(reader& r, const toml::table& t,
                          const std::string& path, cluster_config& c);

/// Reads [autoscale] (config/elastic.cpp).
void read_autoscale(reader& r, const toml::table& t, autoscale_config& out);

} // namespace tether::config::detail
