#include "config/topology.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace tether::config {

std::string endpoint::to_string() const {
  return host + ":" + std::to_string(port);
}

const cluster_config* topology::find_cluster(std::string_view id) const {
  for (const auto& c : clusters)
    if (c.id == id)
      return &c;
  return nullptr;
}

std::string problems::to_string() const {
  std::string out;
  for (const auto& p : list) {
    out += p;
    out += '\n';
  }
  return out;
}

const std::vector<std::string>& known_label_items() {
  // DESIGN.md §4: GA..GK.
  static const std::vector<std::string> items{
    "service",             // GA
    "print_frequency",     // GB
    "api_call_frequency",  // GC
    "api_error_frequency", // GD
    "disconnect_group",    // GE
    "failure_group",       // GF
    "region",              // GG
    "user",                // GH
    "user_usage_frequency",// GI
    "model",               // GJ
    "firmware",            // GK
  };
  return items;
}

std::optional<millis> parse_duration(std::string_view text) {
  uint64_t value = 0;
  auto first = text.data();
  auto last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr == first)
    return std::nullopt;
  std::string_view unit{ptr, static_cast<size_t>(last - ptr)};
  if (unit == "ms")
    return millis{value};
  if (unit == "s")
    return millis{value * 1000};
  if (unit == "m")
    return millis{value * 60'000};
  if (unit == "h")
    return millis{value * 3'600'000};
  return std::nullopt;
}

std::optional<endpoint> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::nullopt;
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size()
      || port > 65535)
    return std::nullopt;
  return endpoint{std::string{host}, static_cast<uint16_t>(port)};
}

namespace {

/// Collects problems with their place ("file:line: path: message").
class reader {
public:
  explicit reader(std::string_view source) : source_(source) {
  }

  void problem(const toml::node* at, std::string_view path,
               std::string_view msg) {
    std::ostringstream out;
    out << source_;
    if (at != nullptr && at->source().begin.line > 0)
      out << ':' << at->source().begin.line;
    out << ": " << path << ": " << msg;
    errors.list.push_back(out.str());
  }

  /// Reports keys of `table` that are not in `known`.
  void only_keys(const toml::table& table, std::string_view path,
                 std::initializer_list<std::string_view> known) {
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        problem(&node, join(path, key.str()), "unknown key");
    }
  }

  static std::string join(std::string_view path, std::string_view key) {
    if (path.empty())
      return std::string{key};
    return std::string{path} + "." + std::string{key};
  }

  void string(const toml::table& t, std::string_view path,
              std::string_view key, std::string& out, bool required = false) {
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

  template <class Int>
  void integer(const toml::table& t, std::string_view path,
               std::string_view key, Int& out, int64_t min, int64_t max) {
    auto* node = t.get(key);
    if (node == nullptr)
      return;
    auto v = node->value<int64_t>();
    if (!v) {
      problem(node, join(path, key), "must be an integer");
      return;
    }
    if (*v < min || *v > max) {
      problem(node, join(path, key),
              "must be between " + std::to_string(min) + " and "
                + std::to_string(max));
      return;
    }
    out = static_cast<Int>(*v);
  }

  void duration(const toml::table& t, std::string_view path,
                std::string_view key, millis& out, millis min) {
    auto* node = t.get(key);
    if (node == nullptr)
      return;
    auto text = node->value<std::string>();
    std::optional<millis> d;
    if (text)
      d = parse_duration(*text);
    if (!d) {
      problem(node, join(path, key),
              "must be a duration such as \"500ms\", \"30s\", \"2m\"");
      return;
    }
    if (*d < min) {
      problem(node, join(path, key),
              "must be at least " + std::to_string(min.count()) + "ms");
      return;
    }
    out = *d;
  }

  void address(const toml::table& t, std::string_view path,
               std::string_view key, endpoint& out, bool required) {
    std::string text;
    string(t, path, key, text, required);
    if (text.empty())
      return;
    if (auto ep = parse_endpoint(text))
      out = *ep;
    else
      problem(t.get(key), join(path, key),
              "must be \"host:port\" (port 0..65535), got \"" + text + "\"");
  }

  void string_list(const toml::node* node, std::string_view path,
                   std::vector<std::string>& out) {
    auto* arr = node ? node->as_array() : nullptr;
    if (arr == nullptr) {
      problem(node, path, "must be an array of strings");
      return;
    }
    out.clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      if (auto v = arr->get(i)->value<std::string>())
        out.push_back(*v);
      else
        problem(arr->get(i), std::string{path} + "[" + std::to_string(i) + "]",
                "must be a string");
    }
  }

  problems errors;

private:
  std::string source_;
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'
           || c == ':' || c == '-';
  });
}

bool known_item(std::string_view item) {
  const auto& items = known_label_items();
  return std::find(items.begin(), items.end(), item) != items.end();
}

void read_clusters(reader& r, const toml::table& root, topology& topo) {
  auto* node = root.get("clusters");
  if (node == nullptr) {
    r.problem(&root, "clusters", "at least one cluster is required");
    return;
  }
  auto* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    r.problem(node, "clusters", "must be an array of tables ([[clusters]])");
    return;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    auto& t = *arr->get(i)->as_table();
    auto path = "clusters[" + std::to_string(i) + "]";
    r.only_keys(t, path, {"id", "labels", "weight", "balancers", "nodes"});
    cluster_config c;
    r.string(t, path, "id", c.id, true);
    if (!c.id.empty() && !valid_id(c.id))
      r.problem(t.get("id"), path + ".id",
                "must be 1-128 characters of [A-Za-z0-9._:-]");
    r.integer(t, path, "weight", c.weight, 0, 1'000'000);
    if (auto* labels = t.get("labels")) {
      if (auto* lt = labels->as_table()) {
        for (auto&& [key, value] : *lt) {
          auto lpath = path + ".labels." + std::string{key.str()};
          if (!known_item(key.str()))
            r.problem(&value, lpath, "unknown label item");
          std::vector<std::string> values;
          if (auto s = value.value<std::string>())
            values.push_back(*s);
          else
            r.string_list(&value, lpath, values);
          if (values.empty())
            r.problem(&value, lpath, "must name at least one value");
          c.labels[std::string{key.str()}] = std::move(values);
        }
      } else {
        r.problem(labels, path + ".labels", "must be a table");
      }
    }
    if (auto* nodes = t.get("nodes"))
      r.string_list(nodes, path + ".nodes", c.nodes);
    if (c.nodes.empty())
      r.problem(&t, path + ".nodes", "must not be empty");
    for (size_t n = 0; n < c.nodes.size(); ++n)
      if (!valid_id(c.nodes[n]))
        r.problem(&t, path + ".nodes[" + std::to_string(n) + "]",
                  "must be 1-128 characters of [A-Za-z0-9._:-]");
    auto* balancers = t.get("balancers");
    auto* barr = balancers ? balancers->as_array() : nullptr;
    if (barr == nullptr || !barr->is_array_of_tables() || barr->empty()) {
      r.problem(balancers ? balancers : &t, path + ".balancers",
                "must be a non-empty array of tables ([[clusters.balancers]])");
    } else {
      for (size_t b = 0; b < barr->size(); ++b) {
        auto& bt = *barr->get(b)->as_table();
        auto bpath = path + ".balancers[" + std::to_string(b) + "]";
        r.only_keys(bt, bpath, {"id", "listen", "url"});
        balancer_config bc;
        r.string(bt, bpath, "id", bc.id, true);
        r.address(bt, bpath, "listen", bc.listen, true);
        r.string(bt, bpath, "url", bc.public_url);
        if (!bc.public_url.empty() && bc.public_url.rfind("ws://", 0) != 0
            && bc.public_url.rfind("wss://", 0) != 0)
          r.problem(bt.get("url"), bpath + ".url",
                    "must start with ws:// or wss://");
        c.balancers.push_back(std::move(bc));
      }
    }
    topo.clusters.push_back(std::move(c));
  }
}

void check_unique(reader& r, const topology& topo) {
  std::set<std::string> clusters, nodes, balancers;
  std::set<std::pair<std::string, uint16_t>> ports;
  if (topo.http.port != 0)
    ports.emplace(topo.http.host, topo.http.port);
  for (size_t i = 0; i < topo.clusters.size(); ++i) {
    const auto& c = topo.clusters[i];
    auto path = "clusters[" + std::to_string(i) + "]";
    if (!c.id.empty() && !clusters.insert(c.id).second)
      r.problem(nullptr, path + ".id", "duplicate cluster id \"" + c.id + "\"");
    for (const auto& n : c.nodes)
      if (!nodes.insert(n).second)
        r.problem(nullptr, path + ".nodes",
                  "node \"" + n + "\" appears in more than one place");
    for (const auto& b : c.balancers) {
      if (!b.id.empty() && !balancers.insert(b.id).second)
        r.problem(nullptr, path + ".balancers",
                  "duplicate balancer id \"" + b.id + "\"");
      if (b.listen.port != 0
          && !ports.emplace(b.listen.host, b.listen.port).second)
        r.problem(nullptr, path + ".balancers",
                  "listen address " + b.listen.to_string()
                    + " is used twice");
    }
  }
}

} // namespace

parse_result parse_topology(std::string_view text,
                            std::string_view source_name) {
  parse_result result;
  reader r{source_name};
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << source_name << ':' << e.source().begin.line << ": "
        << e.description();
    result.errors.list.push_back(out.str());
    return result;
  }
  topology topo;
  r.only_keys(root, "", {"gateway", "labels", "timers", "limits",
                         "scheduler", "clusters"});
  if (auto* gw = root["gateway"].as_table()) {
    r.only_keys(*gw, "gateway", {"http", "io_threads"});
    r.address(*gw, "gateway", "http", topo.http, false);
    r.integer(*gw, "gateway", "io_threads", topo.io_threads, 1, 64);
  }
  if (auto* labels = root["labels"].as_table()) {
    r.only_keys(*labels, "labels",
                {"items", "cluster_strategy", "node_strategy"});
    if (auto* items = labels->get("items")) {
      r.string_list(items, "labels.items", topo.label_items);
      for (size_t i = 0; i < topo.label_items.size(); ++i)
        if (!known_item(topo.label_items[i]))
          r.problem(items, "labels.items[" + std::to_string(i) + "]",
                    "unknown label item \"" + topo.label_items[i] + "\"");
    }
    r.string(*labels, "labels", "cluster_strategy", topo.cluster_strategy);
    if (topo.cluster_strategy != "fewest_connections"
        && topo.cluster_strategy != "round_robin")
      r.problem(labels->get("cluster_strategy"), "labels.cluster_strategy",
                "must be \"fewest_connections\" or \"round_robin\"");
    r.string(*labels, "labels", "node_strategy", topo.node_strategy);
    if (topo.node_strategy != "fewest_sessions")
      r.problem(labels->get("node_strategy"), "labels.node_strategy",
                "must be \"fewest_sessions\"");
  }
  if (auto* t = root["timers"].as_table()) {
    r.only_keys(*t, "timers", {"keepalive", "keepalive_misses",
                               "request_timeout", "job_redelivery",
                               "retry_after"});
    r.duration(*t, "timers", "keepalive", topo.timers.keepalive, millis{100});
    r.integer(*t, "timers", "keepalive_misses", topo.timers.keepalive_misses,
              1, 100);
    r.duration(*t, "timers", "request_timeout", topo.timers.request_timeout,
               millis{10});
    r.duration(*t, "timers", "job_redelivery", topo.timers.job_redelivery,
               millis{100});
    r.duration(*t, "timers", "retry_after", topo.timers.retry_after,
               millis{1000});
  }
  if (auto* t = root["limits"].as_table()) {
    r.only_keys(*t, "limits", {"max_http_body", "max_ws_frame",
                               "max_ws_queue", "max_payload"});
    r.integer(*t, "limits", "max_http_body", topo.limits.max_http_body, 1024,
              64 << 20);
    r.integer(*t, "limits", "max_ws_frame", topo.limits.max_ws_frame, 256,
              16 << 20);
    r.integer(*t, "limits", "max_ws_queue", topo.limits.max_ws_queue, 1,
              1 << 20);
    r.integer(*t, "limits", "max_payload", topo.limits.max_payload, 16,
              16 << 20);
  }
  if (auto* t = root["scheduler"].as_table()) {
    r.only_keys(*t, "scheduler", {"policy", "max_threads"});
    r.string(*t, "scheduler", "policy", topo.scheduler.policy);
    if (topo.scheduler.policy != "sharing"
        && topo.scheduler.policy != "stealing")
      r.problem(t->get("policy"), "scheduler.policy",
                "must be \"sharing\" or \"stealing\"");
    r.integer(*t, "scheduler", "max_threads", topo.scheduler.max_threads, 1,
              256);
  }
  read_clusters(r, root, topo);
  check_unique(r, topo);
  result.errors = std::move(r.errors);
  if (result.errors.list.empty())
    result.value = std::move(topo);
  return result;
}

parse_result load_topology_file(const std::string& path) {
  std::ifstream in{path};
  if (!in) {
    parse_result result;
    result.errors.list.push_back(path + ": cannot open file");
    return result;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_topology(buf.str(), path);
}

std::string_view default_topology_toml() {
  // The all-in-one deployment `tetherd` runs without arguments.
  static constexpr std::string_view text = R"toml(
[gateway]
http = "127.0.0.1:8080"

[labels]
items = ["region", "model"]
cluster_strategy = "fewest_connections"

[timers]
keepalive = "30s"
keepalive_misses = 2

[[clusters]]
id = "C1"
labels = { region = ["GG1"], model = ["GJ1", "GJ2"] }
nodes = ["C1-n1", "C1-n2"]
  [[clusters.balancers]]
  id = "C1-b1"
  listen = "127.0.0.1:9101"

[[clusters]]
id = "C2"
labels = { region = ["GG2"] }
nodes = ["C2-n1", "C2-n2"]
  [[clusters.balancers]]
  id = "C2-b1"
  listen = "127.0.0.1:9201"
)toml";
  return text;
}

} // namespace tether::config
