// GET /v1/admin/classes (docs/API.md "Quality classes"): the GE/GF classes
// the control holds (control/class_listing.hpp), with their members up to
// a bound, when they formed and when they end by themselves; and one
// class's members a page at a time (GET /v1/admin/classes/{name}/members).
#include <boost/json.hpp>

#include "actors/http_gateway/http_routes.hpp"

namespace tether {

namespace {

namespace json = boost::json;

/// Member ids per class when `ids` is not given, and the most it may ask.
constexpr uint32_t default_ids = 100;
constexpr uint32_t max_ids = 1000;

/// `ids` of the query: a count 0..max_ids (absent: default_ids); else the
/// problem for a 400.
std::string decode_ids(const std::string& target, uint32_t& ids) {
  auto v = api::query_value(target, "ids");
  ids = default_ids;
  if (v.empty())
    return {};
  if (v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos
      || std::stoul(v) > max_ids)
    return "ids: expected a count from 0 to " + std::to_string(max_ids);
  ids = static_cast<uint32_t>(std::stoul(v));
  return {};
}

std::string encode_classes(const std::vector<quality_class>& cs) {
  json::array out;
  for (const auto& c : cs) {
    json::object o{{"name", c.name},
                   {"kind", c.kind},
                   {"members", c.members},
                   {"member_ids", json::value_from(c.member_ids)}};
    for (auto [key, ms] : {std::pair{"formed_at", c.formed_ms},
                           std::pair{"expires_at", c.expires_ms}})
      if (ms > 0)
        o[key] = api::rfc3339(ms);
      else
        o[key] = nullptr; // unknown (formed), never (expires)
    out.push_back(std::move(o));
  }
  return json::serialize(json::object{{"classes", std::move(out)}});
}

/// The query of GET /v1/admin/classes/{name}/members: `limit` 1..max_ids
/// (default default_ids), `cursor` the `next` of the previous page (a
/// member id); else the problem for a 400, naming the parameter.
std::string decode_page(const std::string& target, std::string& cursor,
                        uint32_t& limit) {
  auto params = api::query_params(target);
  if (!params)
    return "query: malformed";
  limit = default_ids;
  for (const auto& [name, v] : *params) {
    if (name == "cursor") {
      if (!api::valid_id(v))
        return "cursor: expected the next of a previous page";
      cursor = v;
    } else if (name == "limit") {
      if (v.empty() || v.size() > 4
          || v.find_first_not_of("0123456789") != std::string::npos
          || std::stoul(v) < 1 || std::stoul(v) > max_ids)
        return "limit: expected a count from 1 to " + std::to_string(max_ids);
      limit = static_cast<uint32_t>(std::stoul(v));
    } else {
      return "unknown query parameter \"" + name + "\"";
    }
  }
  return {};
}

/// One page: at most `limit` ids of the `limit + 1` asked (one more says
/// that a next page exists; `next` is the page's last id, else null).
std::string encode_page(quality_class c, uint32_t limit) {
  json::value next = nullptr;
  if (c.member_ids.size() > limit) {
    c.member_ids.resize(limit);
    next = json::value(c.member_ids.back());
  }
  return json::serialize(
    json::object{{"class", c.name},
                 {"kind", c.kind},
                 {"members", c.members},
                 {"member_ids", json::value_from(c.member_ids)},
                 {"next", std::move(next)}});
}

} // namespace

void class_members(gateway_ptr self, const api::route& r,
                   const http_request& req, const http_responder_ptr& out) {
  std::string cursor;
  uint32_t limit = 0;
  if (auto p = decode_page(req.target, cursor, limit); !p.empty())
    return self->state.fail(out, errc::bad_request, p);
  ask<quality_class>(
    self, out,
    [limit](const quality_class& c) {
      return api::json_response(200, encode_page(c, limit));
    },
    get_atom::value, label_atom::value, r.id, cursor, limit + 1);
}

void list_classes(gateway_ptr self, const api::route&, const http_request& req,
                  const http_responder_ptr& out) {
  uint32_t ids = 0;
  if (auto p = decode_ids(req.target, ids); !p.empty())
    return self->state.fail(out, errc::bad_request, p);
  ask<std::vector<quality_class>>(
    self, out,
    [](const std::vector<quality_class>& cs) {
      return api::json_response(200, encode_classes(cs));
    },
    get_atom::value, label_atom::value, ids);
}

} // namespace tether
