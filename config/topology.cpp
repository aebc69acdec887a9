#include "config/topology.hpp"

#include "config/cidr.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>

#include "config/cidr.hpp"
#include "config/known_keys.hpp"
#include "config/toml_reader.hpp"

namespace tether::config {

using namespace detail;

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
  // docs/LABELS.md: GA..GK.
  static const std::vector<std::string> items{
    "service",              // GA
    "print_frequency",      // GB
    "api_call_frequency",   // GC
    "api_error_frequency",  // GD
    "disconnect_group",     // GE
    "failure_group",        // GF
    "region",               // GG
    "user",                 // GH
    "user_usage_frequency", // GI
    "model",                // GJ
    "firmware",             // GK
  };
  return items;
}

const std::vector<std::string>& cluster_strategy_names() {
  static const std::vector<std::string> names{
    "fewest_connections", "least_load", "weighted", "round_robin",
    "round_robin_per_user"};
  return names;
}

const std::vector<std::string>& node_strategy_names() {
  static const std::vector<std::string> names{"fewest_sessions", "least_load",
                                              "weighted"};
  return names;
}

std::optional<millis> parse_duration(std::string_view text) {
  uint64_t value = 0;
  auto first = text.data();
  auto last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr == first)
    return std::nullopt;
  std::string_view unit{ptr, static_cast<size_t>(last - ptr)};
  uint64_t factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else
    return std::nullopt;
  // Refuse what millis cannot hold rather than wrap around.
  constexpr auto max
    = static_cast<uint64_t>(std::numeric_limits<millis::rep>::max());
  if (value > max / factor)
    return std::nullopt;
  return millis{static_cast<millis::rep>(value * factor)};
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

bool known_item(std::string_view item) {
  const auto& items = known_label_items();
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool one_of(const std::vector<std::string>& names, std::string_view x) {
  return std::find(names.begin(), names.end(), x) != names.end();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += i + 1 == names.size() ? " or " : ", ";
    out += "\"" + names[i] + "\"";
  }
  return out;
}

/// One frequency item's table ([labels.thresholds.<item>]).
void read_frequency(reader& r, const toml::table& t, std::string_view path,
                    frequency_rule& out) {
  r.only_keys(t, path, {"medium", "high"});
  constexpr int64_t max = int64_t{1} << 40;
  r.integer(t, path, "medium", out.medium, 0, max);
  r.integer(t, path, "high", out.high, 1, max);
  if (out.medium != 0 && out.medium >= out.high)
    r.problem(t.get("medium") ? t.get("medium") : &t,
              reader::join(path, "medium"),
              "must be below high (" + std::to_string(out.high) + ")");
}

/// [labels.thresholds]: windows and thresholds of the computed items.
void read_thresholds(reader& r, const toml::table& t, label_rules& out) {
  const std::string path = "labels.thresholds";
  r.only_keys(t, path,
              {"window", "print_frequency", "api_call_frequency",
               "api_error_frequency", "user_usage_frequency",
               "disconnect_group", "failure_group"});
  r.duration(t, path, "window", out.window, millis{1'000});
  std::pair<const char*, frequency_rule*> freq[]
    = {{"print_frequency", &out.print_frequency},
       {"api_call_frequency", &out.api_call_frequency},
       {"api_error_frequency", &out.api_error_frequency},
       {"user_usage_frequency", &out.user_usage_frequency}};
  for (auto& [key, rule] : freq)
    if (auto* ft = r.subsection(t, path, key); ft != nullptr)
      read_frequency(r, *ft, path + "." + key, *rule);
  if (auto* ge = t.get("disconnect_group")) {
    auto p = path + ".disconnect_group";
    if (auto* gt = ge->as_table()) {
      r.only_keys(*gt, p, {"min_addresses", "min_terminals", "window"});
      // min_terminals: the older name, read first so min_addresses wins.
      r.integer(*gt, p, "min_terminals", out.disconnect_group.min_addresses, 1,
                10'000'000);
      r.integer(*gt, p, "min_addresses", out.disconnect_group.min_addresses, 1,
                10'000'000);
      r.duration(*gt, p, "window", out.disconnect_group.window, millis{1'000});
    } else {
      r.problem(ge, p, "must be a table");
    }
  }
  if (auto* gf = t.get("failure_group")) {
    auto p = path + ".failure_group";
    if (auto* gt = gf->as_table()) {
      auto& rule = out.failure_group;
      r.only_keys(*gt, p, {"group_by", "share", "min_terminals", "window"});
      r.string(*gt, p, "group_by", rule.group_by);
      if (rule.group_by.empty() || rule.group_by == "failure_group")
        r.problem(gt->get("group_by"), p + ".group_by",
                  "must name region, model, firmware or an attribute");
      if (auto* sh = gt->get("share")) {
        auto v = sh->value<double>();
        if (!v || !(*v > 0.0 && *v < 1.0))
          r.problem(sh, p + ".share",
                    "must be a number between 0 and 1 (exclusive), such as "
                    "0.3");
        else
          rule.share = *v;
      }
      r.integer(*gt, p, "min_terminals", rule.min_terminals, 1, 10'000'000);
      r.duration(*gt, p, "window", rule.window, millis{1'000});
    } else {
      r.problem(gf, p, "must be a table");
    }
  }
}

/// Reads a cluster's `labels = { item = value or [values] }`.
void read_cluster_labels(reader& r, const toml::node& labels,
                         const std::string& path, cluster_config& c) {
  auto* lt = labels.as_table();
  if (lt == nullptr) {
    r.problem(&labels, path + ".labels", "must be a table");
    return;
  }
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
}

/// Reads a cluster's `node_weights = { node = weight }` (nodes of it only).
void read_node_weights(reader& r, const toml::table& nw,
                       const std::string& path, cluster_config& c) {
  for (auto&& [key, value] : nw) {
    std::string id{key.str()};
    auto wpath = path + ".node_weights." + id;
    if (std::find(c.nodes.begin(), c.nodes.end(), id) == c.nodes.end()) {
      r.problem(&value, wpath, "is not a node of this cluster");
      continue;
    }
    uint32_t w = 1;
    if (r.integer(nw, path + ".node_weights", id, w, 0, 1'000'000))
      c.node_weights[id] = w;
  }
}

/// Reads a cluster's `node_capacity = { node = capacity }` (nodes of it
/// only, at least 1).
void read_node_capacity(reader& r, const toml::table& nc,
                        const std::string& path, cluster_config& c) {
  for (auto&& [key, value] : nc) {
    std::string id{key.str()};
    if (std::find(c.nodes.begin(), c.nodes.end(), id) == c.nodes.end()) {
      r.problem(&value, path + ".node_capacity." + id,
                "is not a node of this cluster");
      continue;
    }
    uint32_t k = 1;
    if (r.integer(nc, path + ".node_capacity", id, k, 1, 1'000'000))
      c.node_capacity[id] = k;
  }
}

/// Reads a cluster's `caps = { attribute = { value = max } }`.
void read_caps(reader& r, const toml::table& caps, const std::string& path,
               cluster_config& c) {
  for (auto&& [attr, values] : caps) {
    auto apath = path + ".caps." + std::string{attr.str()};
    auto* vt = values.as_table();
    if (vt == nullptr || vt->empty()) {
      r.problem(&values, apath, "must be a table of value = maximum");
      continue;
    }
    for (auto&& [value, max] : *vt) {
      uint32_t m = 0;
      if (r.integer(*vt, apath, value.str(), m, 0, 100'000'000))
        c.caps[std::string{attr.str()}][std::string{value.str()}] = m;
    }
  }
}

/// A balancer's own cert_file and key_file (loaded at start, where its
/// listener is made; here only that they come together).
void read_balancer_tls(reader& r, const toml::table& bt,
                       const std::string& bpath, balancer_config& bc) {
  r.string(bt, bpath, "cert_file", bc.cert_file);
  r.string(bt, bpath, "key_file", bc.key_file);
  if (bc.cert_file.empty() != bc.key_file.empty())
    r.problem(&bt, bpath + (bc.cert_file.empty() ? ".cert_file" : ".key_file"),
              "must be set together with "
                + std::string{bc.cert_file.empty() ? "key_file" : "cert_file"});
}

/// Reads a cluster's [[clusters.balancers]] (at least one).
void read_balancers(reader& r, const toml::table& t, const std::string& path,
                    cluster_config& c, cluster_places& at) {
  auto* balancers = t.get("balancers");
  auto* barr = balancers ? balancers->as_array() : nullptr;
  if (barr == nullptr || !barr->is_array_of_tables() || barr->empty()) {
    r.problem(balancers ? balancers : &t, path + ".balancers",
              "must be a non-empty array of tables ([[clusters.balancers]])");
    return;
  }
  for (size_t b = 0; b < barr->size(); ++b) {
    auto& bt = *barr->get(b)->as_table();
    auto bpath = reader::index(path + ".balancers", b);
    r.only_keys(bt, bpath, {"id", "listen", "url", "cert_file", "key_file"});
    balancer_config bc;
    r.string(bt, bpath, "id", bc.id, true);
    r.address(bt, bpath, "listen", bc.listen, true);
    r.string(bt, bpath, "url", bc.public_url);
    read_balancer_tls(r, bt, bpath, bc);
    if (!bc.public_url.empty() && bc.public_url.rfind("ws://", 0) != 0
        && bc.public_url.rfind("wss://", 0) != 0)
      r.problem(bt.get("url"), bpath + ".url",
                "must start with ws:// or wss://");
    c.balancers.push_back(std::move(bc));
    at.balancers.push_back(&bt);
    at.balancer_ids.push_back(bt.get("id") ? bt.get("id") : &bt);
    at.listens.push_back(bt.get("listen") ? bt.get("listen") : &bt);
  }
}

/// Reads a cluster's quality class: keepalive_s, keepalive_misses (absent:
/// [timers]') and max_sessions_per_node (absent or 0: no cap).
void read_quality_class(reader& r, const toml::table& t,
                        const std::string& path, cluster_config& c) {
  r.integer(t, path, "keepalive_s", c.keepalive_s, 1, 86'400);
  r.integer(t, path, "keepalive_misses", c.keepalive_misses, 1, 100);
  r.integer(t, path, "max_sessions_per_node", c.max_sessions_per_node, 0,
            100'000'000);
}

/// Reads one [[clusters]] table (the `i`th) into `c`, and where its parts
/// were written into `at`.
void read_cluster(reader& r, const toml::table& t, size_t i, cluster_config& c,
                  cluster_places& at) {
  auto path = reader::index("clusters", i);
  r.only_keys(t, path,
              {"id", "labels", "weight", "enabled", "balancers", "nodes",
               "node_weights", "max_connections", "caps", "node_capacity",
               "elastic", "keepalive_s", "keepalive_misses",
               "max_sessions_per_node"});
  at.table = &t;
  at.id = t.get("id") ? t.get("id") : &t;
  at.nodes_key = t.get("nodes") ? t.get("nodes") : &t;
  r.string(t, path, "id", c.id, true);
  if (!c.id.empty() && !valid_id(c.id))
    r.problem(t.get("id"), path + ".id", id_rule);
  r.integer(t, path, "weight", c.weight, 0, 1'000'000);
  r.flag(t, path, "enabled", c.enabled); // 1 and 0 are not flags
  if (auto* labels = t.get("labels"))
    read_cluster_labels(r, *labels, path, c);
  if (auto* nodes = t.get("nodes"))
    r.string_list(nodes, path + ".nodes", c.nodes, &at.nodes);
  if (c.nodes.empty())
    r.problem(&t, path + ".nodes", "must not be empty");
  for (size_t n = 0; n < c.nodes.size(); ++n)
    if (!valid_id(c.nodes[n]))
      r.problem(at.nodes[n], reader::index(path + ".nodes", n), id_rule);
  if (auto* nw = r.subsection(t, path, "node_weights"))
    read_node_weights(r, *nw, path, c);
  r.integer(t, path, "max_connections", c.max_connections, 0, 100'000'000);
  if (auto* caps = r.subsection(t, path, "caps"))
    read_caps(r, *caps, path, c);
  if (auto* nc = r.subsection(t, path, "node_capacity"))
    read_node_capacity(r, *nc, path, c);
  if (auto* el = r.subsection(t, path, "elastic"))
    read_cluster_elastic(r, *el, path, c);
  read_quality_class(r, t, path, c);
  read_balancers(r, t, path, c, at);
}

/// Reads [[clusters]] into topo.clusters and, in `places`, where each part
/// was written.
void read_clusters(reader& r, const toml::table& root, topology& topo,
                   std::vector<cluster_places>& places) {
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
    cluster_config c;
    cluster_places at;
    read_cluster(r, *arr->get(i)->as_table(), i, c, at);
    topo.clusters.push_back(std::move(c));
    places.push_back(std::move(at));
  }
}

/// Cluster, node and balancer ids are unique across the file. (Addresses are
/// checked with the processes, which also claim ports.)
void check_unique_ids(reader& r, const topology& topo,
                      const std::vector<cluster_places>& places) {
  std::map<std::string, size_t> clusters, nodes, balancers; // id -> cluster
  for (size_t i = 0; i < topo.clusters.size(); ++i) {
    const auto& c = topo.clusters[i];
    const auto& at = places[i];
    auto path = reader::index("clusters", i);
    if (!c.id.empty() && !clusters.emplace(c.id, i).second)
      r.problem(at.id, path + ".id", "duplicate cluster id \"" + c.id + "\"");
    for (size_t n = 0; n < c.nodes.size(); ++n)
      if (!nodes.emplace(c.nodes[n], i).second)
        r.problem(at.nodes[n], path + ".nodes",
                  "node \"" + c.nodes[n] + "\" appears in more than one place");
    for (size_t b = 0; b < c.balancers.size(); ++b) {
      const auto& id = c.balancers[b].id;
      if (!id.empty() && !balancers.emplace(id, i).second)
        r.problem(at.balancer_ids[b], path + ".balancers",
                  "duplicate balancer id \"" + id + "\"");
    }
  }
}

void read_timers(reader& r, const toml::table& t, timers_config& timers) {
  r.only_keys(t, "timers",
              {"keepalive", "keepalive_misses", "request_timeout",
               "job_redelivery", "retry_after", "heartbeat", "failure_timeout",
               "reconnect_min", "reconnect_max", "job_retention"});
  r.duration(t, "timers", "keepalive", timers.keepalive, millis{100});
  r.integer(t, "timers", "keepalive_misses", timers.keepalive_misses, 1, 100);
  r.duration(t, "timers", "request_timeout", timers.request_timeout,
             millis{10});
  r.duration(t, "timers", "job_redelivery", timers.job_redelivery, millis{100});
  r.duration(t, "timers", "retry_after", timers.retry_after, millis{1000});
  r.duration(t, "timers", "job_retention", timers.job_retention, millis{0});
  // Each pair is compared only when neither value was refused, so one
  // mistake is reported once.
  auto usable = [&t](std::string_view key, bool read) {
    return read || t.get(key) == nullptr;
  };
  bool hb = r.duration(t, "timers", "heartbeat", timers.heartbeat, millis{10});
  bool ft = r.duration(t, "timers", "failure_timeout", timers.failure_timeout,
                       millis{10});
  if (usable("heartbeat", hb) && usable("failure_timeout", ft)
      && timers.heartbeat >= timers.failure_timeout) {
    auto* at = t.get("failure_timeout") ? t.get("failure_timeout")
                                        : t.get("heartbeat");
    r.problem(at, "timers.failure_timeout",
              "must be longer than timers.heartbeat ("
                + std::to_string(timers.failure_timeout.count())
                + "ms <= " + std::to_string(timers.heartbeat.count()) + "ms)");
  }
  bool rmin = r.duration(t, "timers", "reconnect_min", timers.reconnect_min,
                         millis{10});
  bool rmax = r.duration(t, "timers", "reconnect_max", timers.reconnect_max,
                         millis{10});
  if (usable("reconnect_min", rmin) && usable("reconnect_max", rmax)
      && timers.reconnect_min > timers.reconnect_max) {
    auto* at = t.get("reconnect_max") ? t.get("reconnect_max")
                                      : t.get("reconnect_min");
    r.problem(at, "timers.reconnect_max",
              "must not be shorter than timers.reconnect_min ("
                + std::to_string(timers.reconnect_max.count()) + "ms < "
                + std::to_string(timers.reconnect_min.count()) + "ms)");
  }
}

/// [history]: retention (at least 1 s), max_per_terminal and
/// sweep_per_tick (at least 1).
void read_history(reader& r, const toml::table& t, history_config& out) {
  r.only_keys(t, "history",
              {"retention", "max_per_terminal", "sweep_per_tick"});
  r.duration(t, "history", "retention", out.retention, millis{1'000});
  r.integer(t, "history", "max_per_terminal", out.max_per_terminal, 1,
            10'000'000);
  r.integer(t, "history", "sweep_per_tick", out.sweep_per_tick, 1, 10'000'000);
}

/// [reallocation] rebalance_ratio (0: off, else at least 1.1, so that a
/// balanced cluster never starts a round) and rebalance_period.
void read_rebalance(reader& r, const toml::table& t, reallocation_config& out) {
  if (auto* node = t.get("rebalance_ratio")) {
    auto v = node->value<double>();
    if (!v || !(*v == 0 || (*v >= 1.1 && *v <= 1000)))
      r.problem(node, "reallocation.rebalance_ratio",
                "must be 0 (off) or a number from 1.1 to 1000");
    else
      out.rebalance_ratio = *v;
  }
  r.duration(t, "reallocation", "rebalance_period", out.rebalance_period,
             millis{100});
}

/// [drain] job_wait: how long a drain waits for a session's open jobs.
void read_drain(reader& r, const toml::table& t, drain_config& out) {
  r.only_keys(t, "drain", {"job_wait"});
  r.duration(t, "drain", "job_wait", out.job_wait, millis{0});
}

void read_reallocation(reader& r, const toml::table& t,
                       reallocation_config& out) {
  r.only_keys(
    t, "reallocation",
    {"window", "max_rate", "period", "rebalance_ratio", "rebalance_period"});
  read_rebalance(r, t, out);
  r.duration(t, "reallocation", "window", out.window, millis{0});
  r.integer(t, "reallocation", "max_rate", out.max_rate, 1, 100'000);
  if (r.duration(t, "reallocation", "period", out.period, millis{0})
      && out.period.count() != 0 && out.period < millis{1000})
    r.problem(t.get("period"), "reallocation.period",
              "must be 0 (off) or at least 1000ms");
}

/// [callbacks] allow_cidrs: a list of CIDR ranges (may be empty).
void read_allow_cidrs(reader& r, const toml::table& t, callbacks_config& out) {
  auto* node = t.get("allow_cidrs");
  if (node == nullptr)
    return;
  std::vector<std::string> list;
  std::vector<const toml::node*> at;
  r.string_list(node, "callbacks.allow_cidrs", list, &at);
  for (size_t i = 0; i < list.size(); ++i)
    if (!parse_cidr(list[i]))
      r.problem(at[i], reader::index("callbacks.allow_cidrs", i),
                "\"" + list[i]
                  + "\" is not an address range such as \"10.0.0.0/8\" or "
                    "\"::1/128\"");
  out.allow_cidrs = std::move(list);
}

void read_callbacks(reader& r, const toml::table& t, callbacks_config& out) {
  r.only_keys(t, "callbacks", {"ca_file", "verify", "allow_cidrs"});
  read_allow_cidrs(r, t, out);
  r.flag(t, "callbacks", "verify", out.verify,
         "false: https callbacks accept any certificate for any host "
         "(for tests only, never in production)");
  r.string(t, "callbacks", "ca_file", out.ca_file);
  if (auto* at = t.get("ca_file"); at != nullptr && at->is_string()) {
    // Checked here so that a wrong path stops the start with its place,
    // rather than failing every https callback later. The poster loads it
    // with OpenSSL at start, which also refuses a malformed certificate.
    std::error_code ec;
    std::ifstream in;
    if (out.ca_file.empty())
      r.problem(at, "callbacks.ca_file", "must not be empty");
    else if (!std::filesystem::is_regular_file(out.ca_file, ec))
      r.problem(at, "callbacks.ca_file",
                "\"" + out.ca_file + "\" is not a file");
    else if (in.open(out.ca_file); !in)
      r.problem(at, "callbacks.ca_file",
                "\"" + out.ca_file + "\" cannot be read");
    else if (std::string text{std::istreambuf_iterator<char>{in}, {}};
             text.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      r.problem(at, "callbacks.ca_file",
                "\"" + out.ca_file
                  + "\" holds no PEM certificate "
                    "(-----BEGIN CERTIFICATE-----)");
  }
}

/// [edge_tls]: the files are checked (and loaded) at start, where the
/// listeners are made; here only what belongs together.
void read_edge_tls(reader& r, const toml::table& t, edge_tls_config& out) {
  r.only_keys(t, "edge_tls",
              {"cert_file", "key_file", "client_ca_file", "crl_file",
               "crl_reload_s", "insecure"});
  r.string(t, "edge_tls", "cert_file", out.cert_file);
  r.string(t, "edge_tls", "key_file", out.key_file);
  r.string(t, "edge_tls", "client_ca_file", out.client_ca_file);
  r.string(t, "edge_tls", "crl_file", out.crl_file);
  r.integer(t, "edge_tls", "crl_reload_s", out.crl_reload_s, 0, 86'400);
  r.flag(t, "edge_tls", "insecure", out.insecure);
  if (out.insecure)
    r.warning(t.get("insecure"), "edge_tls.insecure",
              "is deprecated: write insecure = true at the top of the file "
              "(it covers the edge listeners and the process links)");
  if (out.cert_file.empty() != out.key_file.empty())
    r.problem(
      &t, out.cert_file.empty() ? "edge_tls.cert_file" : "edge_tls.key_file",
      "must be set together with edge_tls."
        + std::string{out.cert_file.empty() ? "key_file" : "cert_file"});
  if (!out.client_ca_file.empty() && out.cert_file.empty())
    r.problem(&t, "edge_tls.client_ca_file",
              "needs edge_tls.cert_file and edge_tls.key_file");
  if (!out.crl_file.empty() && out.client_ca_file.empty())
    r.problem(&t, "edge_tls.crl_file",
              "needs edge_tls.client_ca_file (the CA that issued the CRLs)");
}

/// [auth] api_keys and audit_log (service and operator keys).
void read_auth_keys(reader& r, const toml::table& t, auth_config& out) {
  r.flag(t, "auth", "api_keys", out.api_keys,
         "false: every HTTP call is open to anyone who reaches the port, "
         "admin calls included (never on a shared network)");
  r.string(t, "auth", "audit_log", out.audit_log);
  if (auto* at = t.get("audit_log");
      at && at->is_string() && out.audit_log.empty())
    r.problem(at, "auth.audit_log", "must not be empty");
}

void read_auth(reader& r, const toml::table& t, auth_config& out) {
  r.only_keys(
    t, "auth",
    {"api_keys", "audit_log", "devices", "token_ttl", "secrets_from"});
  read_auth_keys(r, t, out);
  r.flag(t, "auth", "devices", out.devices,
         "false: anyone can register any terminal id and take over its "
         "connection (for tests only, never in production)");
  r.duration(t, "auth", "token_ttl", out.token_ttl, millis{1000});
  r.string(t, "auth", "secrets_from", out.secrets_from);
}

void read_enrollment_groups(reader& r, const toml::table& root,
                            auth_config& out) {
  auto* node = root.get("enrollment_groups");
  if (node == nullptr)
    return;
  auto* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    r.problem(node, "enrollment_groups",
              "must be an array of tables ([[enrollment_groups]])");
    return;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    auto& t = *arr->get(i)->as_table();
    auto path = reader::index("enrollment_groups", i);
    r.only_keys(t, path, {"id", "key_file", "enabled"});
    enrollment_group_config g;
    r.string(t, path, "id", g.id, true);
    r.string(t, path, "key_file", g.key_file, true);
    r.flag(t, path, "enabled", g.enabled);
    out.enrollment_groups.push_back(std::move(g));
  }
}

} // namespace

namespace detail {

void read_scheduler(reader& r, const toml::table& t, std::string_view path,
                    scheduler_config& out) {
  r.only_keys(t, path, {"policy", "max_threads"});
  r.string(t, path, "policy", out.policy);
  if (out.policy != "sharing" && out.policy != "stealing")
    r.problem(t.get("policy"), reader::join(path, "policy"),
              "must be \"sharing\" or \"stealing\"");
  r.integer(t, path, "max_threads", out.max_threads, 1, 256);
}

} // namespace detail

namespace {

/// Reads [labels.strategies]: a cluster strategy per label item.
void read_item_strategies(reader& r, const toml::table& strategies,
                          topology& topo) {
  for (auto&& [key, value] : strategies) {
    auto path = "labels.strategies." + std::string{key.str()};
    if (!known_item(key.str())) {
      r.problem(&value, path, "unknown label item");
      continue;
    }
    auto v = value.value<std::string>();
    if (!v || !one_of(cluster_strategy_names(), *v)) {
      r.problem(&value, path,
                "must be one of " + quoted_list(cluster_strategy_names()));
      continue;
    }
    topo.item_strategies[std::string{key.str()}] = *v;
  }
}

/// Reads one rule of [labels.regions] map.
void read_region_rule(reader& r, const toml::node& node,
                      const std::string& path, region_config& out) {
  auto* t = node.as_table();
  if (t == nullptr) {
    r.problem(&node, path, "must be a table { id_prefix or cidr, region }");
    return;
  }
  r.only_keys(*t, path, {"id_prefix", "cidr", "region"});
  region_rule rule;
  r.string(*t, path, "id_prefix", rule.id_prefix);
  r.string(*t, path, "cidr", rule.cidr);
  r.string(*t, path, "region", rule.region);
  if (rule.region.empty())
    r.problem(t->get("region") ? t->get("region") : t, path + ".region",
              "must name a region");
  if (rule.id_prefix.empty() == rule.cidr.empty())
    r.problem(t, path, "must set exactly one of id_prefix and cidr");
  else if (!rule.cidr.empty() && !parse_cidr(rule.cidr))
    r.problem(t->get("cidr"), path + ".cidr",
              "must be an address range such as \"10.1.0.0/16\"");
  out.map.push_back(std::move(rule));
}

/// Reads [labels.regions]: GG from id prefixes and address ranges.
void read_regions(reader& r, const toml::table& t, region_config& out) {
  const std::string path = "labels.regions";
  r.only_keys(t, path, {"map", "device_claim"});
  r.flag(t, path, "device_claim", out.device_claim);
  if (auto* map = t.get("map")) {
    if (auto* list = map->as_array()) {
      for (size_t i = 0; i < list->size(); ++i)
        read_region_rule(r, *list->get(i), reader::index(path + ".map", i),
                         out);
    } else {
      r.problem(map, path + ".map", "must be an array of tables");
    }
  }
}

/// Reads [labels] matching and null_label_models.
void read_matching(reader& r, const toml::table& labels, topology& topo) {
  r.string(labels, "labels", "matching", topo.label_matching);
  if (topo.label_matching != "strict" && topo.label_matching != "lenient")
    r.problem(labels.get("matching"), "labels.matching",
              "must be \"strict\" or \"lenient\"");
  if (auto* models = labels.get("null_label_models"))
    r.string_list(models, "labels.null_label_models",
                  topo.label_thresholds.null_label_models);
}

/// Reads [labels]: the label items, the strategies and the thresholds.
void read_labels(reader& r, const toml::table& labels, topology& topo) {
  r.only_keys(labels, "labels",
              {"items", "cluster_strategy", "node_strategy", "strategies",
               "thresholds", "matching", "null_label_models", "regions"});
  read_matching(r, labels, topo);
  if (auto* regions = r.subsection(labels, "labels", "regions"))
    read_regions(r, *regions, topo.label_thresholds.regions);
  if (auto* items = labels.get("items")) {
    std::vector<const toml::node*> at;
    r.string_list(items, "labels.items", topo.label_items, &at);
    for (size_t i = 0; i < topo.label_items.size(); ++i)
      if (!known_item(topo.label_items[i]))
        r.problem(at[i], reader::index("labels.items", i),
                  "unknown label item \"" + topo.label_items[i] + "\"");
  }
  r.string(labels, "labels", "cluster_strategy", topo.cluster_strategy);
  if (!one_of(cluster_strategy_names(), topo.cluster_strategy))
    r.problem(labels.get("cluster_strategy"), "labels.cluster_strategy",
              "must be one of " + quoted_list(cluster_strategy_names()));
  r.string(labels, "labels", "node_strategy", topo.node_strategy);
  if (!one_of(node_strategy_names(), topo.node_strategy))
    r.problem(labels.get("node_strategy"), "labels.node_strategy",
              "must be one of " + quoted_list(node_strategy_names()));
  if (auto* strategies = r.subsection(labels, "labels", "strategies"))
    read_item_strategies(r, *strategies, topo);
  if (auto* th = r.subsection(labels, "labels", "thresholds"))
    read_thresholds(r, *th, topo.label_thresholds);
}

/// A rate per second: a positive number (integer or not).
void rate(reader& r, const toml::table& t, std::string_view key, double& out) {
  auto* node = t.get(key);
  if (node == nullptr)
    return;
  auto v = node->value<double>();
  if (!v || !(*v > 0) || *v > 1e6)
    r.problem(node, reader::join("limits", key),
              "must be a number of events per second, above 0 and at most "
              "1000000");
  else
    out = *v;
}

/// Reads the abuse limits of [limits] (docs/SECURITY.md).
void read_abuse_limits(reader& r, const toml::table& t, limits_config& l) {
  r.integer(t, "limits", "ws_max_pending", l.ws_max_pending, 1, 1'000'000);
  r.integer(t, "limits", "ws_max_connections", l.ws_max_connections, 1,
            10'000'000);
  rate(r, t, "ws_accept_rate", l.ws_accept_rate);
  r.integer(t, "limits", "ws_accept_burst", l.ws_accept_burst, 1, 1'000'000);
  r.integer(t, "limits", "flap_limit", l.flap_limit, 1, 1'000'000);
  r.duration(t, "limits", "flap_ban", l.flap_ban, millis{1000});
  r.duration(t, "limits", "http_header_timeout", l.http_header_timeout,
             millis{100});
  r.integer(t, "limits", "http_max_connections", l.http_max_connections, 1,
            10'000'000);
  r.integer(t, "limits", "http_max_waiting", l.http_max_waiting, 1, 1'000'000);
  rate(r, t, "register_rate", l.register_rate);
  r.integer(t, "limits", "register_burst", l.register_burst, 1, 1'000'000);
  rate(r, t, "push_rate", l.push_rate);
  r.integer(t, "limits", "push_burst", l.push_burst, 1, 1'000'000);
  r.integer(t, "limits", "bulk_max_jobs", l.bulk_max_jobs, 1, 100'000);
  r.integer(t, "limits", "max_event_streams", l.max_event_streams, 1, 10'000);
  r.integer(t, "limits", "event_replay", l.event_replay, 0, 100'000);
  r.integer(t, "limits", "max_terminals", l.max_terminals, 1, 1'000'000'000);
  rate(r, t, "ws_total_accept_rate", l.ws_total_accept_rate);
  r.integer(t, "limits", "ws_total_accept_burst", l.ws_total_accept_burst, 1,
            10'000'000);
  r.duration(t, "limits", "ws_stream_rest", l.ws_stream_rest, millis{10});
}

/// Reads [limits].
void read_limits(reader& r, const toml::table& t, limits_config& limits) {
  r.only_keys(t, "limits",
              {"max_http_body",
               "max_ws_frame",
               "max_ws_queue",
               "max_payload",
               "max_queue",
               "ws_max_pending",
               "ws_max_connections",
               "ws_accept_rate",
               "ws_accept_burst",
               "flap_limit",
               "flap_ban",
               "http_header_timeout",
               "http_max_connections",
               "http_max_waiting",
               "register_rate",
               "register_burst",
               "push_rate",
               "push_burst",
               "bulk_max_jobs",
               "max_event_streams",
               "event_replay",
               "max_terminals",
               "ws_total_accept_rate",
               "ws_total_accept_burst",
               "ws_stream_rest",
               "final_jobs_in_memory",
               "store_memtable_mb",
               "store_block_cache_mb"});
  r.integer(t, "limits", "max_http_body", limits.max_http_body, 1024, 64 << 20);
  r.integer(t, "limits", "max_ws_frame", limits.max_ws_frame, 256, 16 << 20);
  r.integer(t, "limits", "max_ws_queue", limits.max_ws_queue, 1, 1 << 20);
  r.integer(t, "limits", "max_payload", limits.max_payload, 16, 16 << 20);
  r.integer(t, "limits", "max_queue", limits.max_queue, 1, 1'000'000);
  r.integer(t, "limits", "final_jobs_in_memory", limits.final_jobs_in_memory, 1,
            100'000'000);
  r.integer(t, "limits", "store_memtable_mb", limits.store_memtable_mb, 1,
            65'536);
  r.integer(t, "limits", "store_block_cache_mb", limits.store_block_cache_mb, 1,
            65'536);
  read_abuse_limits(r, t, limits);
}

/// [process_tls]: both keys, non-empty (the files are checked at start).
void read_process_tls(reader& r, const toml::table& t,
                      process_tls_config& out) {
  r.only_keys(t, "process_tls", {"ca", "certs"});
  r.string(t, "process_tls", "ca", out.ca, true);
  r.string(t, "process_tls", "certs", out.certs, true);
  for (const char* key : {"ca", "certs"})
    if (auto* at = t.get(key);
        at && at->is_string() && at->value<std::string>()->empty())
      r.problem(at, std::string{"process_tls."} + key, "must not be empty");
}

/// Under strict matching a terminal with a value for a label item matches
/// only the clusters that name it: an item of [labels] items that no
/// enabled cluster names would keep every such terminal from registering.
/// A warning, not an error: a fleet whose devices never give the item, or
/// an admin change of the labels stored over the file, still works.
void check_label_coverage(reader& r, const toml::table& root,
                          const topology& topo) {
  if (topo.label_matching != "strict")
    return;
  const toml::array* listed = nullptr;
  if (auto* labels = root.get("labels"); labels && labels->as_table())
    if (auto* items = labels->as_table()->get("items"))
      listed = items->as_array();
  for (size_t i = 0; i < topo.label_items.size(); ++i) {
    const auto& item = topo.label_items[i];
    if (!known_item(item)
        || std::any_of(topo.clusters.begin(), topo.clusters.end(),
                       [&](const cluster_config& c) {
                         return c.enabled && c.labels.count(item) > 0;
                       }))
      continue;
    const toml::node* at = listed != nullptr && i < listed->size()
                           ? listed->get(i)
                           : root.get("labels");
    r.warning(at,
              listed != nullptr ? reader::index("labels.items", i)
                                : std::string{"labels.items (the default)"},
              "no enabled cluster names the label item \"" + item
                + "\": with [labels] matching = \"strict\" a terminal "
                  "with a value for it would match no cluster and could "
                  "not register; add it to a cluster's labels (item = [\"*\"] "
                  "accepts every value), take it out of [labels] items, or "
                  "set matching = \"lenient\"");
  }
}

/// Reads every section of the document into `topo`.
void read_document(reader& r, const toml::table& root, topology& topo) {
  r.only_keys(root, "",
              {"gateway", "labels", "timers", "limits", "reallocation",
               "callbacks", "scheduler", "clusters", "processes", "auth",
               "enrollment_groups", "edge_tls", "process_tls", "insecure",
               "autoscale", "history", "placement", "drain"});
  if (auto* t = r.section(root, "process_tls"))
    read_process_tls(r, *t, topo.process_tls);
  r.flag(root, "", "insecure", topo.insecure);
  if (topo.insecure)
    r.warning(root.get("insecure"), "insecure",
              "true: the gateway and the balancers may serve plaintext off "
              "loopback, and processes on several machines may talk "
              "without process TLS (anyone on the path reads keys and "
              "tokens; anyone who reaches a CAF port gets the handles of "
              "its actors)");
  if (auto* gw = r.section(root, "gateway")) {
    r.only_keys(*gw, "gateway", {"http", "io_threads"});
    r.address(*gw, "gateway", "http", topo.http, false);
    r.integer(*gw, "gateway", "io_threads", topo.io_threads, 1, 64);
  }
  if (auto* labels = r.section(root, "labels"))
    read_labels(r, *labels, topo);
  if (auto* t = r.section(root, "timers"))
    read_timers(r, *t, topo.timers);
  if (auto* t = r.section(root, "limits"))
    read_limits(r, *t, topo.limits);
  if (auto* t = r.section(root, "reallocation"))
    read_reallocation(r, *t, topo.reallocation);
  if (auto* t = r.section(root, "history"))
    read_history(r, *t, topo.history);
  if (auto* t = r.section(root, "drain"))
    read_drain(r, *t, topo.drain);
  if (auto* t = r.section(root, "placement")) {
    r.only_keys(*t, "placement", {"class_ttl"});
    r.duration(*t, "placement", "class_ttl", topo.label_thresholds.class_ttl,
               millis{0});
  }
  if (auto* t = r.section(root, "autoscale"))
    read_autoscale(r, *t, topo.autoscale);
  if (auto* t = r.section(root, "callbacks"))
    read_callbacks(r, *t, topo.callbacks);
  if (auto* t = r.section(root, "scheduler"))
    read_scheduler(r, *t, "scheduler", topo.scheduler);
  if (auto* t = r.section(root, "auth"))
    read_auth(r, *t, topo.auth);
  read_enrollment_groups(r, root, topo.auth);
  if (auto* t = r.section(root, "edge_tls"))
    read_edge_tls(r, *t, topo.edge_tls);
  // One opt-out for the whole file: the top-level `insecure` covers the
  // edge listeners too; [edge_tls] insecure (older files) still works for
  // the edge alone.
  if (topo.insecure)
    topo.edge_tls.insecure = true;
  std::vector<cluster_places> places;
  read_clusters(r, root, topo, places);
  check_label_coverage(r, root, topo);
  check_unique_ids(r, topo, places);
  read_processes(r, root, topo, places);
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
  read_document(r, root, topo);
  result.errors = std::move(r.errors);
  result.warnings = std::move(r.warnings);
  if (result.errors.list.empty())
    result.value = std::move(topo);
  return result;
}

std::map<std::string, std::set<std::string>>
known_topology_keys(std::string_view text) {
  std::map<std::string, std::set<std::string>> keys;
  reader r{"<keys>"};
  r.key_log = &keys;
  try {
    auto root = toml::parse(text, std::string_view{"<keys>"});
    topology topo;
    read_document(r, root, topo);
  } catch (const toml::parse_error&) {
    keys.clear();
  }
  return keys;
}

parse_result load_topology_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    parse_result result;
    result.errors.list.push_back(path
                                 + ": is a directory, not a topology file");
    return result;
  }
  std::ifstream in{path};
  if (!in) {
    parse_result result;
    result.errors.list.push_back(path + ": cannot open file ("
                                 + std::strerror(errno) + ")");
    return result;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_topology(buf.str(), path);
}

namespace {

bool loopback_host(const std::string& host) {
  if (host == "localhost")
    return true;
  auto ip = parse_ip(host);
  if (!ip)
    return false;
  if (ip->v6)
    return *ip == *parse_ip("::1");
  return ip->bytes[0] == 127;
}

} // namespace

bool processes_on_loopback(const topology& topo) {
  for (const auto& p : topo.processes)
    if (!loopback_host(p.host))
      return false;
  return true;
}

millis keepalive_of(const topology& topo, const cluster_config& c) {
  return c.keepalive_s != 0 ? millis{int64_t{c.keepalive_s} * 1000}
                            : topo.timers.keepalive;
}

uint32_t keepalive_misses_of(const topology& topo, const cluster_config& c) {
  return c.keepalive_misses != 0 ? c.keepalive_misses
                                 : topo.timers.keepalive_misses;
}

std::vector<std::string> callback_allow_list(const topology& topo) {
  if (topo.callbacks.allow_cidrs)
    return *topo.callbacks.allow_cidrs;
  bool loopback = loopback_host(topo.http.host);
  for (const auto& p : topo.processes)
    loopback = loopback && loopback_host(p.host)
            && (!p.http || loopback_host(p.http->host));
  for (const auto& c : topo.clusters)
    for (const auto& b : c.balancers)
      loopback = loopback && loopback_host(b.listen.host);
  if (!loopback)
    return {};
  return {"127.0.0.0/8", "::1/128"};
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
job_retention = "168h"     # finished jobs are deleted this long after they finished ("0s": kept)

[history]
retention = "720h"         # per-call history records (GET /v1/terminals/{id}/history) are kept this long
max_per_terminal = 1000    # and at most this many per terminal (the newest)

# Every listener is on loopback, so [callbacks] allow_cidrs defaults to
# loopback (127.0.0.0/8, ::1): callbacks may reach services on this host,
# never this gateway itself. See docs/SECURITY.md.

[[clusters]]
id = "C1"
labels = { region = ["GG1"], model = ["GJ1", "GJ2"] }
nodes = ["C1-n1", "C1-n2"]
  [[clusters.balancers]]
  id = "C1-b1"
  listen = "127.0.0.1:9101"

[[clusters]]
id = "C2"
labels = { region = ["GG2"], model = "*" }   # "*": every model
nodes = ["C2-n1", "C2-n2"]
  [[clusters.balancers]]
  id = "C2-b1"
  listen = "127.0.0.1:9201"
)toml";
  return text;
}

} // namespace tether::config
