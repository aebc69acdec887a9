// Topology: the one description of a Tether deployment (processes, clusters,
// label configuration, strategies, timers). It is parsed from TOML, validated
// as a whole (every problem reported with its place), and then frozen: the
// rest of the system only reads it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::config {

using millis = std::chrono::milliseconds;

/// "host:port" as written in the file; port 0 asks the OS for a free port.
struct endpoint {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const;
};

/// A label maps an item ("region", "model", ...) to the values a cluster
/// accepts; an item a cluster does not mention does not restrict it.
using cluster_labels = std::map<std::string, std::vector<std::string>>;

struct balancer_config {
  std::string id;            // unique, e.g. "C1-b1"
  endpoint listen;           // WebSocket listener
  std::string public_url;    // advertised URL; empty = derived from listen
};

struct cluster_config {
  std::string id;            // e.g. "C1"
  cluster_labels labels;
  uint32_t weight = 1;
  std::vector<balancer_config> balancers;
  std::vector<std::string> nodes;  // node ids, e.g. "C1-n1"
};

struct timers_config {
  millis keepalive{30'000};      // application ping period
  uint32_t keepalive_misses = 2; // unanswered pings before the session closes
  millis request_timeout{5'000}; // any request between actors
  millis job_redelivery{30'000}; // resend a job not acknowledged by then
  millis retry_after{2'000};     // Retry-After advertised with 503/429
};

struct limits_config {
  std::size_t max_http_body = 1 << 20;     // bytes
  std::size_t max_ws_frame = 64 * 1024;    // bytes
  std::size_t max_ws_queue = 256;          // frames waiting to be written
  std::size_t max_payload = 256 * 1024;    // job payload bytes
};

/// CAF scheduler settings, applied per process.
struct scheduler_config {
  std::string policy = "sharing";  // "sharing" or "stealing"
  uint32_t max_threads = 2;
};

struct topology {
  endpoint http{"127.0.0.1", 8080};
  uint32_t io_threads = 1;
  std::vector<std::string> label_items{"region", "model"};
  std::string cluster_strategy = "fewest_connections";
  std::string node_strategy = "fewest_sessions";
  std::vector<cluster_config> clusters;
  timers_config timers;
  limits_config limits;
  scheduler_config scheduler;

  const cluster_config* find_cluster(std::string_view id) const;
};

/// Every problem found in a topology, each with its place.
struct problems {
  std::vector<std::string> list;
  std::string to_string() const;
};

/// Parses and validates. On failure, returns every problem at once.
struct parse_result {
  std::optional<topology> value;
  problems errors;
};

parse_result parse_topology(std::string_view toml_text,
                            std::string_view source_name);
parse_result load_topology_file(const std::string& path);

/// The built-in all-in-one topology: gateway on 127.0.0.1:8080, clusters C1
/// and C2 with different labels, one balancer and two nodes each.
std::string_view default_topology_toml();

/// Known label item names (PROTOCOL/DESIGN §4).
const std::vector<std::string>& known_label_items();

/// Parses "1500ms", "3s", "2m", "1h" into milliseconds.
std::optional<millis> parse_duration(std::string_view text);

/// Parses "host:port".
std::optional<endpoint> parse_endpoint(std::string_view text);

} // namespace tether::config
