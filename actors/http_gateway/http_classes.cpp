// GET /v1/admin/classes (docs/API.md "Quality classes"): the GE/GF classes
// the control holds (control/class_listing.hpp), with their members up to
// a bound, when they formed and when they end by themselves.
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

} // namespace

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
