#include "net/tetherctl/commands.hpp"

#include <functional>
#include <ostream>

#include <boost/json.hpp>

#include "config/topology.hpp"
#include "net/tetherctl/output.hpp"
#include "net/tetherctl/table.hpp"
#include "net/tls/trust_files.hpp"

namespace tether::ctl {

namespace json = boost::json;

// The output helpers (output.hpp), shared with admin_commands.cpp.

/// A field of an object as text: strings as they are, null as "-", other
/// values as JSON.
std::string text_of(const json::value& v, std::string_view key) {
  if (!v.is_object())
    return "-";
  auto* f = v.as_object().if_contains(key);
  if (f == nullptr || f->is_null())
    return "-";
  if (f->is_string())
    return f->as_string().empty() ? "-" : std::string{f->as_string()};
  return json::serialize(*f);
}

bool split_list(const std::string& text, std::vector<std::string>& parts) {
  for (size_t from = 0; from <= text.size();) {
    auto comma = std::min(text.find(',', from), text.size());
    if (comma == from)
      return false;
    parts.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return true;
}

std::string percent_text(const json::value& v, std::string_view key) {
  auto text = text_of(v, key);
  return text == "-" ? text : text + "%";
}

/// A list of strings as "a, b" ("-" when empty).
std::string list_text(const json::value& v, std::string_view key) {
  std::string out;
  if (auto* f = v.is_object() ? v.as_object().if_contains(key) : nullptr;
      f != nullptr && f->is_array())
    for (const auto& x : f->as_array())
      out += (out.empty() ? "" : ", ")
           + (x.is_string() ? std::string{x.as_string()} : json::serialize(x));
  return out.empty() ? "-" : out;
}

const json::array& array_at(const json::value& v, std::string_view key) {
  static const json::array none;
  if (!v.is_object())
    return none;
  auto* f = v.as_object().if_contains(key);
  return f != nullptr && f->is_array() ? f->as_array() : none;
}

/// {"region":["GG1"],"model":["GJ1","GJ2"]} as "region=GG1 model=GJ1|GJ2".
std::string labels_text(const json::value& labels) {
  if (!labels.is_object() || labels.as_object().empty())
    return "-";
  std::string out;
  for (const auto& [k, v] : labels.as_object()) {
    out += (out.empty() ? "" : " ") + std::string{k} + "=";
    if (!v.is_array()) {
      out += v.is_string() ? std::string{v.as_string()} : json::serialize(v);
      continue;
    }
    bool first = true;
    for (const auto& x : v.as_array()) {
      out += (first ? "" : "|")
           + (x.is_string() ? std::string{x.as_string()} : json::serialize(x));
      first = false;
    }
  }
  return out;
}

std::string mib(const json::value& bytes) {
  if (!bytes.is_number())
    return "-";
  auto b = bytes.to_number<double>();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024.0));
  return buf;
}

std::string query_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':')
      out += static_cast<char>(c);
    else
      out += std::string{'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

/// Prints `v` as JSON (for --json) and returns exit_ok.
int print_json(context& cx, const json::value& v) {
  *cx.out << json::serialize(v) << "\n";
  return exit_ok;
}

/// The shape of most commands: one call; on failure its exit code (the
/// reason printed by `call`); with --json the answer as it came; else
/// `for_people` prints it.
int call_and_print(context& cx, const std::string& method,
                   const std::string& target, const std::string& body,
                   const std::function<void(const json::value&)>& for_people) {
  int code = exit_ok;
  auto v = cx.call(method, target, body, code);
  if (!v)
    return code;
  if (cx.json) { // as it came (Boost.JSON would rewrite a payload's numbers)
    *cx.out << cx.body << "\n";
    return exit_ok;
  }
  try {
    for_people(*v);
  } catch (const std::exception& e) { // a field of another type or missing
    cx.out->flush();
    *cx.err << "tetherctl: the server's answer to " << method << " " << target
            << " is not what this tetherctl expects (" << e.what()
            << "); --json prints it as it came\n";
    return exit_unreachable;
  }
  return exit_ok;
}

std::optional<json::value> context::call(const std::string& method,
                                         const std::string& target,
                                         const std::string& body, int& code) {
  auto a = net->send(method, target, body, key.empty() ? "" : "Bearer " + key);
  this->body = a.body;
  if (!a.error.empty()) {
    *err << "tetherctl: " << a.error << "\n";
    code = exit_unreachable;
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = json::parse(a.body, ec);
  if (a.status >= 200 && a.status < 300 && !ec)
    return v;
  if (a.status >= 200 && a.status < 300) {
    *err << "tetherctl: the server's answer to " << method << " " << target
         << " is not JSON\n";
    code = exit_unreachable;
    return std::nullopt;
  }
  auto error = v.is_object() && v.as_object().contains("error")
               ? v.as_object().at("error")
               : json::value{};
  *err << "tetherctl: " << method << " " << target << " refused: HTTP "
       << a.status;
  if (error.is_object())
    *err << " " << text_of(error, "code") << ": " << text_of(error, "message");
  else if (!a.body.empty())
    *err << ": " << a.body.substr(0, 400);
  *err << "\n";
  code = exit_refused;
  return std::nullopt;
}

int cmd_status(context& cx) {
  int code = exit_ok;
  auto health = cx.call("GET", "/healthz", {}, code);
  if (!health)
    return code;
  auto clusters = cx.call("GET", "/v1/admin/clusters", {}, code);
  if (!clusters && code == exit_refused && !cx.json) {
    // A key without scope admin (or none): the health still shows.
    *cx.out << key_values({{"status", text_of(*health, "status")},
                           {"process", text_of(*health, "process")},
                           {"uptime", text_of(*health, "uptime_s") + " s"},
                           {"fleet", "- (GET /v1/admin/clusters needs a key "
                                     "with scope admin)"}});
    return code;
  }
  if (!clusters)
    return code;
  if (cx.json)
    return print_json(cx, json::object{{"health", *health},
                                       {"clusters", clusters->at("clusters")}});
  int64_t nodes = 0, connections = 0, assigned = 0, draining = 0;
  const auto& cs = array_at(*clusters, "clusters");
  for (const auto& c : cs) {
    nodes += static_cast<int64_t>(array_at(c, "nodes").size());
    connections += c.at("connections").to_number<int64_t>();
    assigned += c.at("assigned_terminals").to_number<int64_t>();
    draining += text_of(c, "state") == "draining" ? 1 : 0;
  }
  std::vector<std::pair<std::string, std::string>> rows{
    {"status", text_of(*health, "status")},
    {"process", text_of(*health, "process")},
    {"uptime", text_of(*health, "uptime_s") + " s"},
    {"clusters", std::to_string(cs.size()) + " (" + std::to_string(draining)
                   + " draining)"},
    {"nodes", std::to_string(nodes)},
    {"connections", std::to_string(connections)},
    {"terminals", std::to_string(assigned) + " assigned"}};
  for (const auto& p : array_at(*health, "peers"))
    rows.emplace_back(
      "peer " + text_of(p, "process"),
      text_of(p, "address")
        + (p.at("reachable").as_bool() ? " reachable" : " UNREACHABLE"));
  *cx.out << key_values(rows);
  return text_of(*health, "status") == "ok" ? exit_ok : exit_refused;
}

int cmd_clusters(context& cx) {
  return call_and_print(cx, "GET", "/v1/admin/clusters", {}, [&](auto& v) {
    table t{{"CLUSTER", "STATE", "WEIGHT", "CONNECTIONS", "TERMINALS", "NODES",
             "BALANCERS", "LABELS"}};
    for (const auto& c : array_at(v, "clusters"))
      t.add({text_of(c, "cluster_id"), text_of(c, "state"),
             text_of(c, "weight"), text_of(c, "connections"),
             text_of(c, "assigned_terminals"),
             std::to_string(array_at(c, "nodes").size()),
             std::to_string(array_at(c, "balancers").size()),
             labels_text(c.at("labels"))});
    *cx.out << t.str();
  });
}

int cmd_nodes(context& cx) {
  return call_and_print(cx, "GET", "/v1/admin/nodes", {}, [&](auto& v) {
    table t{
      {"NODE", "CLUSTER", "STATE", "SESSIONS", "CPU", "MEMORY", "PROCESS"}};
    for (const auto& n : array_at(v, "nodes"))
      t.add({text_of(n, "node_id"), text_of(n, "cluster_id"),
             text_of(n, "state"), text_of(n, "sessions"),
             percent_text(n, "cpu"), mib(n.at("memory")),
             text_of(n, "process")});
    *cx.out << t.str();
  });
}

int cmd_cluster(context& cx, const std::string& id) {
  return call_and_print(
    cx, "GET", "/v1/admin/clusters/" + query_escape(id), {}, [&](auto& c) {
      std::vector<std::pair<std::string, std::string>> rows;
      for (const char* k : {"cluster_id", "state", "weight", "connections",
                            "assigned_terminals", "max_connections",
                            "keepalive_s", "keepalive_misses"})
        rows.emplace_back(k, text_of(c, k));
      rows.emplace_back("labels", labels_text(c.at("labels")));
      rows.emplace_back("balancers", list_text(c, "balancers"));
      rows.emplace_back("balancers down", list_text(c, "balancers_down"));
      for (const auto& n : array_at(c, "nodes"))
        rows.emplace_back("node " + text_of(n, "node_id"),
                          text_of(n, "state") + ", " + text_of(n, "sessions")
                            + " sessions, " + percent_text(n, "cpu") + " CPU, "
                            + mib(n.at("memory")));
      *cx.out << key_values(rows);
    });
}

int cmd_jobs_cancel(context& cx, const std::string& job_id) {
  return call_and_print(
    cx, "DELETE", "/v1/jobs/" + query_escape(job_id), {}, [&](auto& v) {
      *cx.out << text_of(v, "job_id") << " " << text_of(v, "status") << "\n";
    });
}

int cmd_terminal_retire(context& cx, const std::string& id) {
  return call_and_print(
    cx, "DELETE", "/v1/terminals/" + query_escape(id), {}, [&](auto& v) {
      *cx.out << "terminal " << text_of(v, "terminal_id")
              << " retired (open jobs canceled: " << text_of(v, "open_jobs")
              << ")\n";
    });
}

int cmd_set_state(context& cx, const std::string& id, const std::string& kind,
                  const std::string& state) {
  int code = exit_ok;
  auto is = kind;
  if (is.empty()) {
    auto v = cx.call("GET", "/v1/admin/clusters", {}, code);
    if (!v)
      return code;
    is = "node"; // not a cluster: the server says whether the node exists
    for (const auto& c : array_at(*v, "clusters"))
      if (text_of(c, "cluster_id") == id)
        is = "cluster";
  }
  auto target = (is == "cluster" ? "/v1/admin/clusters/" : "/v1/admin/nodes/")
              + query_escape(id);
  auto body = json::serialize(json::object{{"state", state}});
  return call_and_print(cx, "PUT", target, body, [&](auto& v) {
    *cx.out << is << " " << id << ": " << text_of(v, "state") << "\n";
  });
}

namespace {

void print_terminal(context& cx, const json::value& v) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const char* k :
       {"terminal_id", "cluster_id", "connected", "node_id", "last_seen",
        "registered_at", "model", "firmware", "region", "open_jobs", "connects",
        "disconnects", "keepalive_failures"})
    rows.emplace_back(k, text_of(v, k));
  rows.emplace_back("label", labels_text(v.at("label")));
  rows.emplace_back("attributes", labels_text(v.at("attributes")));
  rows.emplace_back("users", list_text(v, "users"));
  rows.emplace_back("services", list_text(v, "services"));
  if (const auto* q = v.as_object().if_contains("quality_classes"))
    rows.emplace_back("quality classes",
                      "disconnect " + text_of(*q, "disconnect") + ", failure "
                        + text_of(*q, "failure"));
  const auto& api = v.at("api");
  rows.emplace_back("api calls", text_of(api, "calls") + " (errors "
                                   + text_of(api, "errors") + "; this window "
                                   + text_of(api, "window_calls") + ", errors "
                                   + text_of(api, "window_errors") + ")");
  *cx.out << key_values(rows);
}

} // namespace

int cmd_terminal(context& cx, const std::string& id) {
  return call_and_print(cx, "GET", "/v1/terminals/" + query_escape(id), {},
                        [&](auto& v) { print_terminal(cx, v); });
}

int cmd_terminals(context& cx, const std::string& prefix, int limit) {
  auto target = "/v1/terminals?prefix=" + query_escape(prefix)
              + "&limit=" + std::to_string(limit);
  return call_and_print(cx, "GET", target, {}, [&](auto& v) {
    table t{{"TERMINAL", "CLUSTER", "CONNECTED", "NODE"}};
    const auto& rows = array_at(v, "terminals");
    for (const auto& x : rows)
      t.add({text_of(x, "terminal_id"), text_of(x, "cluster_id"),
             text_of(x, "connected"), text_of(x, "node_id")});
    *cx.out << t.str();
    if (rows.size() >= static_cast<size_t>(limit)) // a full page: say so
      *cx.err << "tetherctl: the first " << limit
              << " terminals; there may be more (--limit up to 1000, or a "
                 "longer PREFIX)\n";
  });
}

namespace {

/// A history record's fields other than `at` and `event`, as k=v words.
std::string record_detail(const json::value& r) {
  std::string out;
  for (const auto& [k, v] : r.as_object()) {
    if (k == "at" || k == "event")
      continue;
    if (!out.empty())
      out += ' ';
    out += std::string{k} + '=' + text_of(r, k);
  }
  return out;
}

} // namespace

int cmd_terminal_history(context& cx, const history_options& o) {
  auto target = "/v1/terminals/" + query_escape(o.terminal_id)
              + "/history?limit=" + std::to_string(o.limit);
  if (!o.since.empty())
    target += "&since=" + query_escape(o.since);
  if (!o.cursor.empty())
    target += "&cursor=" + query_escape(o.cursor);
  return call_and_print(cx, "GET", target, {}, [&](auto& v) {
    table t{{"AT", "EVENT", "DETAIL"}};
    for (const auto& r : array_at(v, "records"))
      t.add({text_of(r, "at"), text_of(r, "event"), record_detail(r)});
    *cx.out << t.str();
    const auto* next = v.as_object().if_contains("next");
    if (next != nullptr && next->is_string())
      *cx.out << "more: tetherctl terminal history " << o.terminal_id
              << " --limit " << o.limit
              << (o.since.empty() ? "" : " --since " + o.since) << " --cursor "
              << next->as_string().c_str() << "\n";
  });
}

int cmd_jobs_push(context& cx, const push_options& o) {
  boost::system::error_code ec;
  auto payload = json::parse(o.payload, ec);
  if (ec || !payload.is_object()) {
    *cx.err << "tetherctl: --payload must be a JSON object\n";
    return exit_usage;
  }
  json::object fields{{"service", o.service}};
  if (o.ttl_s > 0)
    fields["ttl_s"] = o.ttl_s;
  if (!o.callback_url.empty())
    fields["callback_url"] = o.callback_url;
  // The payload as written (checked above): serializing the parsed value
  // would rewrite its numbers (0.1 as 1E-1, 1e400 as Infinity, not JSON).
  auto body = json::serialize(fields);
  body.pop_back(); // '}'
  body += R"(,"payload":)" + o.payload + "}";
  return call_and_print(
    cx, "POST", "/v1/terminals/" + query_escape(o.terminal_id) + "/jobs", body,
    [&](auto& v) {
      *cx.out << text_of(v, "job_id") << " " << text_of(v, "status") << "\n";
    });
}

int cmd_jobs_show(context& cx, const std::string& job_id) {
  return call_and_print(
    cx, "GET", "/v1/jobs/" + query_escape(job_id), {}, [&](auto& v) {
      std::vector<std::pair<std::string, std::string>> rows;
      for (const char* k :
           {"job_id", "terminal_id", "service", "status", "detail",
            "created_at", "delivered_at", "acked_at", "finished_at",
            "updated_at", "deliveries", "ttl_s", "callback_url", "payload"})
        rows.emplace_back(k, text_of(v, k));
      *cx.out << key_values(rows);
    });
}

int cmd_jobs_list(context& cx, const std::string& terminal_id,
                  const std::string& status, int limit) {
  std::string target = "/v1/jobs?limit=" + std::to_string(limit);
  if (!terminal_id.empty())
    target += "&terminal_id=" + query_escape(terminal_id);
  if (!status.empty())
    target += "&status=" + query_escape(status);
  return call_and_print(cx, "GET", target, {}, [&](auto& v) {
    table t{{"JOB", "TERMINAL", "SERVICE", "STATUS", "CREATED", "DELIVERIES"}};
    for (const auto& j : array_at(v, "jobs"))
      t.add({text_of(j, "job_id"), text_of(j, "terminal_id"),
             text_of(j, "service"), text_of(j, "status"),
             text_of(j, "created_at"), text_of(j, "deliveries")});
    *cx.out << t.str();
  });
}

int cmd_reallocate(context& cx, bool all, const std::string& cluster_id,
                   const std::vector<std::string>& terminals_given) {
  // "--terminals a,,b" names an empty id: said, not dropped.
  std::vector<std::string> terminal_ids;
  for (const auto& given : terminals_given)
    if (!split_list(given, terminal_ids)) {
      *cx.err << "tetherctl: --terminals " << given
              << ": an empty terminal id (expected ID[,ID...])\n";
      return exit_usage;
    }
  if (int(all) + int(!cluster_id.empty()) + int(!terminal_ids.empty()) != 1) {
    *cx.err << "tetherctl: reallocate needs exactly one of --all, --cluster "
               "ID, --terminals ID,...\n";
    return exit_usage;
  }
  json::object body;
  if (!cluster_id.empty())
    body["cluster_id"] = cluster_id;
  if (!terminal_ids.empty())
    body["terminal_ids"] = json::value_from(terminal_ids);
  return call_and_print(
    cx, "POST", "/v1/admin/reallocate", json::serialize(body), [&](auto& v) {
      *cx.out << key_values({{"candidates", text_of(v, "candidates")},
                             {"moving", text_of(v, "moving")},
                             {"connected", text_of(v, "connected")},
                             {"pending", text_of(v, "pending")}});
    });
}

namespace {

void print_items(context& cx, const json::value& v) {
  auto& items = array_at(v, "items");
  if (items.empty())
    *cx.out << "(no label items: every active cluster is a candidate)\n";
  for (const auto& i : items)
    *cx.out << (i.is_string() ? std::string{i.as_string()} : "?") << "\n";
}

} // namespace

int cmd_label_config_get(context& cx) {
  return call_and_print(cx, "GET", "/v1/admin/label-config", {},
                        [&](auto& v) { print_items(cx, v); });
}

int cmd_label_config_set(context& cx, const std::vector<std::string>& items,
                         bool none) {
  if (items.empty() == !none) {
    *cx.err << (none ? "tetherctl: label-config set takes label items or "
                       "--none, not both\n"
                     : "tetherctl: label-config set needs the label items "
                       "(e.g. region model), or --none for none (every "
                       "active cluster is then a candidate)\n");
    return exit_usage;
  }
  auto body = json::serialize(json::object{{"items", json::value_from(items)}});
  return call_and_print(cx, "PUT", "/v1/admin/label-config", body,
                        [&](auto& v) { print_items(cx, v); });
}

int cmd_keys_list(context& cx) {
  return call_and_print(cx, "GET", "/v1/admin/keys", {}, [&](auto& v) {
    table t{{"KEY", "NAME", "SCOPES", "CREATED"}};
    for (const auto& k : array_at(v, "keys")) {
      std::string scopes;
      for (const auto& s : array_at(k, "scopes"))
        scopes += (scopes.empty() ? "" : ",")
                + (s.is_string() ? std::string{s.as_string()} : "?");
      t.add({text_of(k, "key_id"), text_of(k, "name"), scopes,
             text_of(k, "created_at")});
    }
    *cx.out << t.str();
  });
}

int cmd_keys_create(context& cx, const std::string& name,
                    const std::vector<std::string>& scopes) {
  auto body = json::serialize(
    json::object{{"name", name}, {"scopes", json::value_from(scopes)}});
  return call_and_print(cx, "POST", "/v1/admin/keys", body, [&](auto& v) {
    *cx.out << key_values({{"key_id", text_of(v, "key_id")},
                           {"name", text_of(v, "name")},
                           {"key", text_of(v, "key")}})
            << "(the key is shown only this once)\n";
  });
}

int cmd_keys_revoke(context& cx, const std::string& key_id) {
  return call_and_print(
    cx, "DELETE", "/v1/admin/keys/" + query_escape(key_id), {},
    [&](auto&) { *cx.out << "key " << key_id << ": revoked\n"; });
}

int cmd_check_config(context& cx, const std::string& path) {
  auto parsed = config::load_topology_file(path);
  for (const auto& w : parsed.warnings.list)
    *cx.err << "warning: " << w << "\n";
  if (!parsed.value) {
    *cx.err << parsed.errors.to_string();
    return exit_problems;
  }
  // The client CAs and their CRLs are read as tetherd reads them.
  std::vector<std::string> warnings;
  auto problems = net::tls::check_trust_files(parsed.value->edge_tls, warnings);
  for (const auto& w : warnings)
    *cx.err << "warning: " << w << "\n";
  for (const auto& p : problems)
    *cx.err << path << ": " << p << "\n";
  if (!problems.empty())
    return exit_problems;
  *cx.out << path << ": ok\n";
  return exit_ok;
}

} // namespace tether::ctl
