#include "actors/policy/api.hpp"
#include "actors/policy/api_bulk.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "actors/policy/json_text.hpp"
#include "actors/policy/services.hpp"
#include "config/topology.hpp"

namespace json = boost::json;

namespace tether::api {

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'
        || c == ':' || c == '-';
  });
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    auto next = path.find('/', pos);
    if (next == std::string_view::npos)
      next = path.size();
    out.push_back(path.substr(pos, next - pos));
    pos = next;
  }
  return out;
}

route make(route::kind_t kind, std::string_view method, std::string_view wanted,
           std::string_view id = {}) {
  if (method != wanted) {
    route r{route::method_not_allowed, {}, {}, {}};
    r.allow = wanted == "GET" ? "GET, HEAD" : std::string{wanted};
    return r;
  }
  if (!id.empty() && !valid_id(id))
    return {route::bad_id, std::string{id.substr(0, 140)}, {}, {}};
  return {kind, std::string{id}, {}, {}};
}

json::value parse(std::string_view body, std::string& problem) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto v = json::parse(body, ec, {}, opts);
  if (ec == json::error::too_deep)
    problem = nesting_problem(opts.max_depth);
  else if (ec)
    problem = "body is not valid JSON (" + ec.message() + ")";
  else if (!v.is_object())
    problem = "body must be a JSON object";
  return v;
}

/// Reads an optional string field; reports a wrong type.
bool opt_string(const json::object& o, const char* key, std::string& out,
                std::string& problem) {
  auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null())
    return true;
  if (!v->is_string()) {
    problem = std::string{"field \""} + key + "\" must be a string";
    return false;
  }
  out = std::string{v->get_string()};
  if (out.size() > 256) {
    problem
      = std::string{"field \""} + key + "\" must be at most 256 characters";
    return false;
  }
  return true;
}

/// A resource read with GET (or HEAD) and changed with one other method
/// `other`: /v1/terminals/{id} (DELETE retires), /v1/jobs/{id} (DELETE
/// cancels), /v1/admin/clusters/{id} (PUT edits).
route read_or(std::string_view method, std::string_view id, route::kind_t get,
              route::kind_t change, const char* other) {
  if (method == other)
    return make(change, method, other, id);
  auto r = make(get, method, "GET", id);
  if (r.kind == route::method_not_allowed)
    r.allow = std::string{"GET, HEAD, "} + other;
  return r;
}

route terminal_route(std::string_view method, std::string_view id) {
  return read_or(method, id, route::terminal, route::terminal_retire, "DELETE");
}

route job_route(std::string_view method, std::string_view id) {
  return read_or(method, id, route::job, route::job_cancel, "DELETE");
}

route cluster_route(std::string_view method, std::string_view id) {
  return read_or(method, id, route::admin_cluster_get, route::admin_cluster,
                 "PUT");
}

/// /v1/admin/...: clusters, nodes, the label configuration,
/// re-allocation, API keys and terminal revocation.
route admin_route(std::string_view method,
                  const std::vector<std::string_view>& parts) {
  auto n = parts.size();
  if (n == 3 && parts[2] == "clusters")
    return make(route::admin_clusters, method, "GET");
  if (n == 4 && parts[2] == "clusters")
    return cluster_route(method, parts[3]);
  if (n == 3 && parts[2] == "nodes")
    return make(route::admin_nodes, method, "GET");
  if (n == 3 && parts[2] == "label-config") {
    if (method == "PUT")
      return {route::label_config_put, {}, {}, {}};
    auto r = make(route::label_config_get, method, "GET");
    if (r.kind == route::method_not_allowed)
      r.allow = "GET, HEAD, PUT";
    return r;
  }
  if (n == 4 && parts[2] == "nodes")
    return make(route::admin_node, method, "PUT", parts[3]);
  if (n == 3 && parts[2] == "reallocate")
    return make(route::reallocate, method, "POST");
  if (n == 3 && parts[2] == "keys") {
    if (method == "POST")
      return {route::admin_keys_post, {}, {}, {}};
    auto r = make(route::admin_keys_get, method, "GET");
    if (r.kind == route::method_not_allowed)
      r.allow = "GET, HEAD, POST";
    return r;
  }
  if (n == 4 && parts[2] == "keys")
    return make(route::admin_key_delete, method, "DELETE", parts[3]);
  if (n == 3 && parts[2] == "classes")
    return make(route::admin_classes_list, method, "GET");
  if (n == 4 && parts[2] == "classes")
    return make(route::admin_class_delete, method, "DELETE", parts[3]);
  if (n == 5 && parts[2] == "classes" && parts[4] == "members")
    return make(route::admin_class_members, method, "GET", parts[3]);
  if (n == 3 && parts[2] == "events")
    return make(route::admin_events, method, "GET");
  if (n == 5 && parts[2] == "terminals" && parts[4] == "revoke") {
    auto r = make(route::terminal_revoke, method,
                  method == "DELETE" ? "DELETE" : "POST", parts[3]);
    if (r.kind == route::method_not_allowed)
      r.allow = "POST, DELETE";
    return r;
  }
  return {route::not_found, {}, {}, {}};
}

} // namespace

route match(std::string_view method, std::string_view target) {
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto parts = split_path(path);
  auto n = parts.size();
  if (n == 1 && parts[0] == "healthz")
    return make(route::healthz, method, "GET");
  if (n == 1 && parts[0] == "metrics")
    return make(route::metrics, method, "GET");
  if (n >= 1 && n <= 2 && parts[0] == "ui") {
    // The dashboard's files: the path below /ui/ in `id` (no "..": the
    // files are a fixed set looked up by name, never read from disk).
    auto r = make(route::ui, method, "GET");
    if (r.kind == route::ui && n == 2)
      r.id = std::string{parts[1].substr(0, 128)};
    return r;
  }
  if (n < 2 || parts[0] != "v1")
    return {route::not_found, {}, {}, {}};
  if (parts[1] == "terminals") {
    if (n == 2)
      return make(route::terminals_list, method, "GET");
    if (n == 3 && parts[2] == "register")
      return make(route::register_terminal, method, "POST");
    if (n == 3)
      return terminal_route(method, parts[2]);
    if (n == 4 && parts[3] == "destination")
      return make(route::destination, method, "GET", parts[2]);
    if (n == 4 && parts[3] == "jobs")
      return make(route::push_job, method, "POST", parts[2]);
    if (n == 4 && parts[3] == "attributes")
      return make(route::attributes, method, "PUT", parts[2]);
    if (n == 4 && parts[3] == "history")
      return make(route::history, method, "GET", parts[2]);
  } else if (parts[1] == "users" && n == 5 && parts[3] == "terminals") {
    auto r = make(route::user_link, method, "PUT", parts[4]);
    if (r.kind == route::user_link && !valid_id(parts[2]))
      return {route::bad_id, std::string{parts[2].substr(0, 140)}, {}, {}};
    r.user = std::string{parts[2]};
    return r;
  } else if (parts[1] == "openapi.json" && n == 2) {
    return make(route::openapi, method, "GET");
  } else if (parts[1] == "jobs" && n == 2) {
    return make(route::jobs_list, method, "GET");
  } else if (parts[1] == "jobs" && n == 3 && parts[2] == "bulk") {
    return make(route::bulk_push, method, "POST"); // no job has this id
  } else if (parts[1] == "jobs" && n == 3) {
    return job_route(method, parts[2]);
  } else if (parts[1] == "admin") {
    return admin_route(method, parts);
  }
  return {route::not_found, {}, {}, {}};
}

namespace {

/// One parameter of a list query into `out`; the problem or empty.
std::string list_parameter(const std::string& name, const std::string& value,
                           route::kind_t kind, list_query& out) {
  static const std::vector<std::string> statuses{
    "queued", "delivered", "acked", "done", "failed", "expired", "canceled"};
  bool jobs = kind == route::jobs_list;
  if (name == "limit") {
    if (value.empty() || value.size() > 4
        || value.find_first_not_of("0123456789") != std::string::npos
        || std::stoi(value) < 1 || std::stoi(value) > 1000)
      return "parameter \"limit\" must be a number from 1 to 1000";
    out.limit = static_cast<uint32_t>(std::stoi(value));
  } else if (name == "prefix" && !jobs) {
    if (!value.empty() && !valid_id(value))
      return "parameter \"prefix\" must be at most 128 characters from "
             "[A-Za-z0-9._:-]";
    out.prefix = value;
  } else if (name == "terminal_id" && jobs) {
    if (!valid_id(value))
      return "parameter \"terminal_id\" must be 1-128 characters from "
             "[A-Za-z0-9._:-]";
    out.terminal_id = value;
  } else if (name == "status" && jobs) {
    // `cancelled`, the spelling of earlier releases, is still understood.
    auto status = storage::canonical_status(value);
    if (std::find(statuses.begin(), statuses.end(), status) == statuses.end())
      return "parameter \"status\" must be one of queued, delivered, acked, "
             "done, failed, expired, canceled";
    out.status = status;
  } else {
    return "unknown parameter \"" + name.substr(0, 64) + "\" (known: "
         + (jobs ? "terminal_id, status, limit" : "prefix, limit") + ")";
  }
  return {};
}

} // namespace

std::optional<std::vector<std::pair<std::string, std::string>>>
query_params(std::string_view target) {
  // The whole origin form is parsed: Boost 1.81's parse_query() on a view
  // that is not the end of its buffer lets the last value run past it
  // (seen with Beast's request target).
  std::vector<std::pair<std::string, std::string>> out;
  auto url = boost::urls::parse_origin_form(target);
  if (!url)
    return std::nullopt;
  for (auto p : url->params()) // `+` read as a space
    if (!p.key.empty() || p.has_value)
      out.emplace_back(p.key, p.value);
  return out;
}

std::string query_value(std::string_view target, std::string_view name) {
  auto params = query_params(target);
  if (params)
    for (auto& [key, value] : *params)
      if (key == name)
        return std::move(value);
  return {};
}

std::string decode_list_query(std::string_view target, route::kind_t kind,
                              list_query& out) {
  auto params = query_params(target);
  if (!params)
    return "the query is malformed (a bad %-escape, or a character a URL "
           "query may not hold)";
  for (const auto& [name, value] : *params)
    if (auto p = list_parameter(name, value, kind, out); !p.empty())
      return p;
  return {};
}

namespace {

/// Refuses fields other than `known` (naming the first one).
std::string only_fields(const json::object& o,
                        std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : o)
    if (std::find(known.begin(), known.end(), std::string_view{k})
        == known.end())
      return "field \"" + std::string{k.substr(0, 64)}
           + "\" is not known here (known: " +
             [&] {
               std::string list;
               for (auto name : known)
                 list += (list.empty() ? "" : ", ") + std::string{name};
               return list;
             }()
           + ")";
  return {};
}

/// The register body's optional `services` (absent or null: none declared,
/// the default list applies).
std::string decode_services(const json::object& o,
                            std::vector<std::string>& out) {
  auto* sv = o.if_contains("services");
  if (sv == nullptr || sv->is_null())
    return {};
  if (!sv->is_array())
    return "field \"services\" must be an array of 1-16 service names";
  for (auto& val : sv->get_array()) {
    if (!val.is_string() || out.size() >= services::max_services)
      return "field \"services\" must be an array of 1-16 service names";
    out.emplace_back(val.get_string());
  }
  return services::check(out);
}

} // namespace

std::string decode_register(std::string_view body, terminal_record& out) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (auto p = only_fields(o, {"terminal_id", "model", "firmware", "region",
                               "attributes", "services"});
      !p.empty())
    return p;
  auto* id = o.if_contains("terminal_id");
  if (id == nullptr)
    return "field \"terminal_id\" is required";
  if (!id->is_string() || !valid_id(id->get_string()))
    return "field \"terminal_id\" must be a string of 1-128 characters "
           "from [A-Za-z0-9._:-]";
  out.terminal_id = std::string{id->get_string()};
  if (!opt_string(o, "model", out.model, problem)
      || !opt_string(o, "firmware", out.firmware, problem)
      || !opt_string(o, "region", out.region, problem))
    return problem;
  if (auto* attrs = o.if_contains("attributes");
      attrs != nullptr && !attrs->is_null()) {
    if (!attrs->is_object())
      return "field \"attributes\" must be an object of strings";
    if (attrs->get_object().size() > 64)
      return "field \"attributes\" must have at most 64 entries";
    for (auto& [k, val] : attrs->get_object()) {
      if (!val.is_string() || val.get_string().size() > 256 || k.size() > 64)
        return "field \"attributes." + std::string{k.substr(0, 64)}
             + "\" must be a string of at most 256 characters";
      out.attributes[std::string{k}] = std::string{val.get_string()};
    }
  }
  return decode_services(o, out.services);
}

std::string decode_attributes(std::string_view body,
                              std::map<std::string, std::string>& out) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (o.size() > 64)
    return "at most 64 attributes may be set at once";
  for (auto& [k, val] : o) {
    if (k.empty() || k.size() > 64)
      return "attribute names must be 1-64 characters";
    if (!val.is_string() || val.get_string().size() > 256)
      return "field \"" + std::string{k}
           + "\" must be a string of at most "
             "256 characters";
    out[std::string{k}] = std::string{val.get_string()};
  }
  return {};
}

std::string nesting_problem(size_t max_depth) {
  return "body is not valid JSON (nested deeper than "
       + std::to_string(max_depth) + " levels, the limit of every body)";
}

std::string decode_job_user(std::string_view body, std::string& user) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  return decode_job_user_object(v.get_object(), user);
}

std::string decode_job_user_object(const json::object& o, std::string& user) {
  auto* u = o.if_contains("user");
  if (u == nullptr || u->is_null())
    return {};
  if (!u->is_string() || !valid_id(u->get_string()))
    return "field \"user\" must be a string of 1-128 characters from "
           "[A-Za-z0-9._:-]";
  user = std::string{u->get_string()};
  return {};
}

std::string decode_job(std::string_view body, size_t max_payload,
                       job_record& out, errc& code) {
  code = errc::bad_request;
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  return decode_job_object(v.get_object(), body, max_payload, out, code);
}

std::string decode_job_object(const json::object& o, std::string_view text,
                              size_t max_payload, job_record& out, errc& code,
                              bool in_bulk) {
  code = errc::bad_request;
  if (auto p = in_bulk ? only_fields(o, {"terminal_id", "service", "payload",
                                         "ttl_s", "callback_url", "user"})
                       : only_fields(o, {"service", "payload", "ttl_s",
                                         "callback_url", "user"});
      !p.empty())
    return p;
  auto* service = o.if_contains("service");
  if (service == nullptr)
    return "field \"service\" is required";
  // Registration's rule (services.hpp): a name no device can declare is a
  // mistake in the request (400), not a terminal that lacks it (409).
  if (!service->is_string() || !services::valid_name(service->get_string()))
    return "field \"service\" must be a service name: 1-32 characters from "
           "[a-z0-9_-]";
  out.service = std::string{service->get_string()};
  auto* payload = o.if_contains("payload");
  if (payload == nullptr || payload->is_null()) {
    out.payload_json = "{}";
  } else if (!payload->is_object()) {
    return "field \"payload\" must be an object";
  } else {
    // As the client wrote it (json_text.hpp): never rewritten.
    auto raw = member_text(text, "payload");
    if (!raw)
      return "field \"payload\" cannot be read";
    if (raw->size() > max_payload) {
      code = errc::payload_too_large;
      return "field \"payload\" is larger than " + std::to_string(max_payload)
           + " bytes";
    }
    if (auto key = repeated_key(*raw))
      return "field \"payload\" gives the key \"" + key->substr(0, 64)
           + "\" twice in one object (it is delivered as written, and "
             "devices differ in which one they read)";
    out.payload_json = std::string{*raw};
  }
  if (auto* ttl = o.if_contains("ttl_s"); ttl != nullptr && !ttl->is_null()) {
    if (!ttl->is_int64() && !ttl->is_uint64())
      return "field \"ttl_s\" must be an integer";
    auto t = ttl->is_int64() ? ttl->get_int64()
                             : static_cast<int64_t>(ttl->get_uint64());
    if (t <= 0 || t > 30LL * 24 * 3600)
      return "field \"ttl_s\" must be between 1 and 2592000";
    out.ttl_s = t;
  }
  if (auto* cb = o.if_contains("callback_url");
      cb != nullptr && !cb->is_null()) {
    if (!cb->is_string())
      return "field \"callback_url\" must be a string";
    std::string url{cb->get_string()};
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed
        || (parsed->scheme_id() != boost::urls::scheme::http
            && parsed->scheme_id() != boost::urls::scheme::https)
        || parsed->host_address().empty() || url.size() > 2048)
      return "field \"callback_url\" must be an http:// or https:// URL "
             "with a host, at most 2048 characters";
    out.callback_url = std::move(url);
  }
  return {};
}

namespace {

bool known_item(std::string_view item) {
  const auto& items = config::known_label_items();
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::string decode_state(const json::value* v, std::string& out) {
  if (v == nullptr || !v->is_string()
      || (v->get_string() != "active" && v->get_string() != "draining"))
    return "field \"state\" must be \"active\" or \"draining\"";
  out = std::string{v->get_string()};
  return {};
}

} // namespace

std::string decode_cluster_change(std::string_view body, cluster_change& out) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (auto p = only_fields(o, {"labels", "state", "weight"}); !p.empty())
    return p;
  if (auto* labels = o.if_contains("labels")) {
    if (!labels->is_object())
      return "field \"labels\" must be an object of label item -> value or "
             "list of values";
    if (labels->get_object().size() > 32)
      return "field \"labels\" must have at most 32 items";
    out.has_labels = true;
    for (auto& [item, value] : labels->get_object()) {
      auto field = "field \"labels." + std::string{item.substr(0, 64)} + "\"";
      if (!known_item(item))
        return field + " is not a known label item";
      std::vector<std::string> values;
      if (value.is_string()) {
        values.emplace_back(value.get_string());
      } else if (value.is_array()) {
        for (auto& x : value.get_array()) {
          if (!x.is_string())
            return field + " must be a string or a list of strings";
          values.emplace_back(x.get_string());
        }
      } else {
        return field + " must be a string or a list of strings";
      }
      if (values.empty() || values.size() > 1000)
        return field + " must name 1-1000 values";
      for (const auto& x : values)
        if (x.empty() || x.size() > 256)
          return field + " values must be 1-256 characters";
      out.labels[std::string{item}] = std::move(values);
    }
  }
  if (auto* state = o.if_contains("state"))
    if (auto p = decode_state(state, out.state); !p.empty())
      return p;
  if (auto* weight = o.if_contains("weight")) {
    if (!weight->is_int64() && !weight->is_uint64())
      return "field \"weight\" must be an integer between 0 and 1000000";
    auto w = weight->is_int64()
             ? weight->get_int64()
             : (weight->get_uint64() > 1'000'000
                  ? int64_t{-1}
                  : static_cast<int64_t>(weight->get_uint64()));
    if (w < 0 || w > 1'000'000)
      return "field \"weight\" must be an integer between 0 and 1000000";
    out.weight = w;
  }
  return {};
}

std::string decode_label_config(std::string_view body,
                                std::vector<std::string>& items) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (auto p = only_fields(o, {"items"}); !p.empty())
    return p;
  auto* list = o.if_contains("items");
  if (list == nullptr)
    return "field \"items\" is required";
  if (!list->is_array())
    return "field \"items\" must be a list of label items";
  auto& a = list->get_array();
  for (size_t i = 0; i < a.size(); ++i) {
    auto field = "field \"items[" + std::to_string(i) + "]\"";
    if (!a[i].is_string())
      return field + " must be a string";
    std::string item{a[i].get_string()};
    if (!known_item(item))
      return field + ": unknown label item \"" + item.substr(0, 64) + "\"";
    if (std::find(items.begin(), items.end(), item) != items.end())
      return field + ": \"" + item + "\" appears twice";
    items.push_back(std::move(item));
  }
  return {};
}

std::string decode_node_state(std::string_view body, std::string& state) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (auto p = only_fields(o, {"state"}); !p.empty())
    return p;
  return decode_state(o.if_contains("state"), state);
}

namespace {

/// An integer field between lo and hi into `out`, or the problem.
std::string decode_integer(const json::value& v, const char* field, int64_t lo,
                           int64_t hi, int64_t& out) {
  auto problem = "field \"" + std::string{field}
               + "\" must be an integer between " + std::to_string(lo) + " and "
               + std::to_string(hi);
  if (v.is_int64())
    out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(hi))
    out = static_cast<int64_t>(v.get_uint64());
  else
    return problem;
  return out < lo || out > hi ? problem : std::string{};
}

} // namespace

std::string decode_node_change(std::string_view body, node_change& out) {
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (auto p = only_fields(o, {"state", "capacity", "weight"}); !p.empty())
    return p;
  if (o.empty())
    return "body must set at least one of \"state\", \"capacity\", "
           "\"weight\"";
  if (auto* state = o.if_contains("state"))
    if (auto p = decode_state(state, out.state); !p.empty())
      return p;
  if (auto* k = o.if_contains("capacity"))
    if (auto p = decode_integer(*k, "capacity", 1, 1'000'000, out.capacity);
        !p.empty())
      return p;
  if (auto* w = o.if_contains("weight"))
    if (auto p = decode_integer(*w, "weight", 0, 1'000'000, out.weight);
        !p.empty())
      return p;
  return {};
}

std::string decode_reallocate(std::string_view body, std::string& cluster_id,
                              std::vector<std::string>& terminal_ids) {
  auto blank = std::all_of(body.begin(), body.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c));
  });
  if (blank)
    return "body is empty: send {} to re-allocate every terminal, or "
           "{\"cluster_id\":..} or {\"terminal_ids\":[..]}";
  std::string problem;
  auto v = parse(body, problem);
  if (!problem.empty())
    return problem;
  auto& o = v.get_object();
  if (auto p = only_fields(o, {"cluster_id", "terminal_ids"}); !p.empty())
    return p;
  auto* cluster = o.if_contains("cluster_id");
  auto* ids = o.if_contains("terminal_ids");
  if (cluster != nullptr && ids != nullptr)
    return "fields \"cluster_id\" and \"terminal_ids\" exclude each other";
  if (cluster != nullptr) {
    if (!cluster->is_string() || !valid_id(cluster->get_string()))
      return "field \"cluster_id\" must be a string of 1-128 characters "
             "from [A-Za-z0-9._:-]";
    cluster_id = std::string{cluster->get_string()};
  }
  if (ids != nullptr) {
    if (!ids->is_array() || ids->get_array().empty())
      return "field \"terminal_ids\" must be a non-empty list of terminal "
             "ids";
    auto& a = ids->get_array();
    if (a.size() > 100'000)
      return "field \"terminal_ids\" must list at most 100000 ids";
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string() || !valid_id(a[i].get_string()))
        return "field \"terminal_ids[" + std::to_string(i)
             + "]\" must be a string of 1-128 characters from "
               "[A-Za-z0-9._:-]";
      terminal_ids.emplace_back(a[i].get_string());
    }
  }
  return {};
}

std::string rfc3339(int64_t unix_ms) {
  if (unix_ms <= 0)
    return {};
  std::time_t secs = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64]; // room for any int value (-Wformat-truncation)
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

namespace {

json::value time_or_null(int64_t ms) {
  if (ms <= 0)
    return nullptr;
  return json::value(rfc3339(ms));
}

/// Where a job's callback stands: "waiting" for the job to finish,
/// "pending" (being posted), "accepted" or "given_up" with the POSTs made.
json::object callback_progress(const job_record& j) {
  std::string status = j.callback_outcome;
  if (status.empty())
    status = storage::is_final_status(j.status) ? "pending" : "waiting";
  return {{"status", std::move(status)}, {"attempts", j.callback_attempts}};
}

json::object destination_object(const destination& d) {
  return {{"terminal_id", d.terminal_id},
          {"cluster_id", d.cluster_id},
          {"cluster_urls", json::value_from(d.cluster_urls)},
          {"token", d.token},
          {"keepalive_s", d.keepalive_s}};
}

} // namespace

std::string encode(const destination& d) {
  return json::serialize(destination_object(d));
}

std::string encode(const job_record& j) {
  json::object head{{"job_id", j.job_id},
                    {"terminal_id", j.terminal_id},
                    {"service", j.service},
                    {"status", j.status},
                    {"detail", j.detail}};
  json::object tail{{"created_at", time_or_null(j.created_at_ms)},
                    {"updated_at", time_or_null(j.updated_at_ms)},
                    {"delivered_at", time_or_null(j.delivered_at_ms)},
                    {"acked_at", time_or_null(j.acked_at_ms)},
                    {"finished_at", time_or_null(j.finished_at_ms)},
                    {"deliveries", j.deliveries}};
  if (j.ttl_s > 0)
    tail["ttl_s"] = j.ttl_s;
  if (!j.callback_url.empty()) {
    tail["callback_url"] = j.callback_url;
    tail["callback"] = callback_progress(j);
  }
  // The payload between them as the client wrote it (json_text.hpp).
  auto out = json::serialize(head);
  out.pop_back(); // '}'
  out += R"(,"payload":)";
  out += j.payload_json.empty() ? std::string_view{"{}"} : j.payload_json;
  out += ',';
  out.append(json::serialize(tail), 1); // without its '{'
  return out;
}

std::string encode_job_accepted(const job_record& j) {
  return json::serialize(
    json::object{{"job_id", j.job_id}, {"status", j.status}});
}

std::string encode(const terminal_status& t) {
  json::object api{{"calls", t.api.calls},
                   {"errors", t.api.errors},
                   {"window_start", time_or_null(t.api.window_start_ms)},
                   {"window_calls", t.api.window_calls},
                   {"window_errors", t.api.window_errors},
                   {"previous_window_calls", t.api.previous_calls},
                   {"previous_window_errors", t.api.previous_errors},
                   {"pages", t.api.pages}};
  json::object o{{"terminal_id", t.record.terminal_id},
                 {"cluster_id", t.record.cluster_id},
                 {"connected", t.connected},
                 {"node_id", t.connected ? json::value(t.node_id) : nullptr},
                 {"last_seen", time_or_null(t.last_seen_ms)},
                 {"model", t.record.model},
                 {"firmware", t.record.firmware},
                 {"region", t.record.region},
                 {"attributes", json::value_from(t.record.attributes)},
                 {"users", json::value_from(t.record.users)},
                 {"open_jobs", t.open_jobs},
                 {"label", json::value_from(t.label.items)},
                 {"api", std::move(api)},
                 {"registered_at", time_or_null(t.record.registered_at_ms)},
                 {"connects", t.connects},
                 {"disconnects", t.disconnects},
                 {"keepalive_failures", t.keepalive_failures},
                 {"revoked", t.record.revoked},
                 {"token_generation", t.record.token_generation},
                 {"services", json::value_from(services::of(t.record))}};
  if (t.connected)
    o["service_connections"] = json::value_from(t.service_connections);
  else
    o["service_connections"] = nullptr;
  // its GE/GF classes (GET /v1/admin/classes), null: none; the GF class
  // is stored as "value@<unix seconds formed>" (placement.hpp:
  // stored_failure_class)
  auto failure = t.api.failure_class;
  if (auto at = failure.rfind('@');
      at != std::string::npos && at + 1 < failure.size()
      && failure.find_first_not_of("0123456789", at + 1) == std::string::npos)
    failure.resize(at);
  auto or_null = [](const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
  };
  o["quality_classes"]
    = json::object{{"disconnect", or_null(t.api.disconnect_class)},
                   {"failure", or_null(failure)}};
  return json::serialize(o);
}

std::string encode_terminal_list(const std::vector<terminal_status>& ts) {
  std::string out = R"({"terminals":[)";
  for (size_t i = 0; i < ts.size(); ++i)
    out += (i == 0 ? "" : ",") + encode(ts[i]);
  return out + "]}";
}

std::string encode_job_list(const std::vector<job_record>& jobs) {
  std::string out = R"({"jobs":[)";
  for (size_t i = 0; i < jobs.size(); ++i)
    out += (i == 0 ? "" : ",") + encode(jobs[i]);
  return out + "]}";
}

std::string encode(const health& h) {
  json::object out{
    {"status", h.status}, {"process", h.process}, {"uptime_s", h.uptime_s}};
  if (h.clusters)
    out["clusters"] = *h.clusters;
  if (!h.problem.empty())
    out["problem"] = h.problem;
  json::array peers;
  for (const auto& p : h.peers) {
    json::object o{{"process", p.process},
                   {"address", p.address},
                   {"reachable", p.reachable},
                   {"since_ms", p.since_ms},
                   {"since", time_or_null(p.since_ms)},
                   {"connects", p.connects}};
    if (!p.reachable && !p.last_error.empty())
      o["last_error"] = p.last_error;
    peers.push_back(std::move(o));
  }
  out["peers"] = std::move(peers);
  return json::serialize(out);
}

namespace {

/// A share from 0 to 1 as a percent with one decimal.
double percent(double share) {
  return std::round(share * 1000) / 10;
}

/// A node's load as the API shows it: `cpu` percent of one core and
/// `memory` resident bytes of its process, and utilisation in percent; all
/// null when not known (node_status::load_known).
void add_load(json::object& o, const node_status& n) {
  if (!n.load_known()) {
    for (const char* k : {"cpu", "memory", "cpu_pct", "memory_pct",
                          "host_cpu_pct", "host_memory_pct"})
      o[k] = nullptr;
    return;
  }
  o["cpu"] = std::lround(n.cpu * 100); // percent of one core, an integer
  o["memory"] = n.memory;
  o["cpu_pct"] = percent(n.cpu_util);
  o["memory_pct"] = percent(n.memory_util);
  o["host_cpu_pct"] = percent(n.host_cpu_util);
  o["host_memory_pct"] = percent(n.host_memory_util);
}

json::object cluster_object(const cluster_status& c) {
  json::array nodes;
  for (const auto& n : c.nodes) {
    json::object o{
      {"node_id", n.node_id}, {"state", n.state}, {"sessions", n.sessions}};
    add_load(o, n);
    o["capacity"] = n.capacity;
    o["weight"] = n.weight;
    nodes.push_back(std::move(o));
  }
  json::object caps; // tier caps: each with its live connections
  for (const auto& [tier, max] : c.tier_caps) {
    auto n = c.tier_connections.find(tier);
    caps[tier] = json::object{
      {"max", max},
      {"connections", n == c.tier_connections.end() ? 0u : n->second}};
  }
  json::object o{{"cluster_id", c.cluster_id},
                 {"labels", json::value_from(c.labels)},
                 {"state", c.state},
                 {"weight", c.weight},
                 {"balancers", json::value_from(c.balancers)},
                 {"connections", c.connections},
                 {"assigned_terminals", c.assigned},
                 {"nodes", std::move(nodes)},
                 {"balancers_down", json::value_from(c.balancers_down)},
                 {"max_connections", c.max_connections},
                 {"tier_caps", std::move(caps)}};
  // quality class
  o["keepalive_s"] = c.keepalive_s;
  o["keepalive_misses"] = c.keepalive_misses;
  o["max_sessions_per_node"] = c.max_sessions_per_node;
  return o;
}

} // namespace

std::string encode(const std::vector<cluster_status>& cs) {
  json::array clusters;
  for (const auto& c : cs)
    clusters.push_back(cluster_object(c));
  return json::serialize(json::object{{"clusters", std::move(clusters)}});
}

std::string encode(const cluster_status& c) {
  return json::serialize(cluster_object(c));
}

std::string
encode_node_list(const std::vector<cluster_status>& cs,
                 const std::map<std::string, std::string>& process_of,
                 const std::string& default_process) {
  json::array nodes;
  for (const auto& c : cs)
    for (const auto& n : c.nodes) {
      auto p = process_of.find(n.node_id);
      json::object o{
        {"node_id", n.node_id},
        {"cluster_id", c.cluster_id},
        {"state", n.state == "failed" ? std::string{"down"} : n.state},
        {"sessions", n.sessions}};
      add_load(o, n);
      o["capacity"] = n.capacity;
      o["weight"] = n.weight;
      o["process"] = p == process_of.end() ? default_process : p->second;
      nodes.push_back(std::move(o));
    }
  return json::serialize(json::object{{"nodes", std::move(nodes)}});
}

std::string encode(const node_status& n) {
  return json::serialize(json::object{{"node_id", n.node_id},
                                      {"state", n.state},
                                      {"capacity", n.capacity},
                                      {"weight", n.weight}});
}

std::string encode(const realloc_summary& r) {
  return json::serialize(json::object{{"status", "accepted"},
                                      {"candidates", r.candidates},
                                      {"moving", r.moving},
                                      {"connected", r.connected},
                                      {"pending", r.pending}});
}

std::string encode_label_config(const std::vector<std::string>& items) {
  return json::serialize(json::object{{"items", json::value_from(items)}});
}

std::string encode_class_cleared(const std::string& name, uint64_t terminals) {
  return json::serialize(
    json::object{{"class", name}, {"cleared", true}, {"terminals", terminals}});
}

http_response json_response(uint16_t status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response error_response(errc code, std::string_view message,
                             uint32_t retry_after_s) {
  auto r = json_response(http_status(code),
                         json::serialize(json::object{
                           {"error", json::object{{"code", code_name(code)},
                                                  {"message", message}}}}));
  if (code == errc::unavailable || code == errc::too_many_requests)
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

} // namespace tether::api
