// Fuzz target: the HTTP API's request decoding (actors/policy/api.hpp).
// The first byte picks the decoder; the rest is the body. For the router
// the rest is "METHOD TARGET".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>

#include "actors/policy/api.hpp"
#include "actors/policy/api_bulk.hpp"

using namespace tether;

namespace {

void route(std::string_view in) {
  auto space = in.find(' ');
  if (space == std::string_view::npos)
    space = in.size();
  auto r = api::match(in.substr(0, space),
                      in.substr(std::min(in.size(), space + 1)));
  (void)r;
}

void decode(uint8_t which, std::string_view body) {
  switch (which % 9) {
  case 0: {
    terminal_record t;
    (void)api::decode_register(body, t);
    break;
  }
  case 1: {
    job_record j;
    errc code{};
    // An accepted payload is the client's own text of a JSON object:
    // it is stored and delivered without being parsed again.
    // And it is the text of the body's own payload (the same value).
    if (api::decode_job(body, 4096, j, code).empty()) {
      boost::system::error_code ec;
      auto v = boost::json::parse(j.payload_json, ec);
      if (ec || !v.is_object())
        __builtin_trap();
      auto whole = boost::json::parse(body, ec);
      const auto* p = ec || !whole.is_object()
                      ? nullptr
                      : whole.as_object().if_contains("payload");
      if (j.payload_json != "{}" && (p == nullptr || *p != v))
        __builtin_trap();
    }
    break;
  }
  case 2: {
    std::map<std::string, std::string> attrs;
    (void)api::decode_attributes(body, attrs);
    break;
  }
  case 3: {
    cluster_change c;
    (void)api::decode_cluster_change(body, c);
    break;
  }
  case 4: {
    std::vector<std::string> items;
    (void)api::decode_label_config(body, items);
    break;
  }
  case 5: {
    std::string state;
    (void)api::decode_node_state(body, state);
    break;
  }
  case 6: {
    std::string cluster;
    std::vector<std::string> ids;
    (void)api::decode_reallocate(body, cluster, ids);
    break;
  }
  case 8: {
    // A bulk push: each accepted item's payload is the client's text of a JSON
    // object.
    std::vector<api::bulk_item> items;
    errc code{};
    if (api::decode_bulk(body, 4096, 1000, items, code).empty())
      for (const auto& item : items) {
        if (!item.problem.empty())
          continue;
        boost::system::error_code ec;
        auto v = boost::json::parse(item.job.payload_json, ec);
        if (ec || !v.is_object() || !api::valid_id(item.job.terminal_id))
          __builtin_trap();
      }
    break;
  }
  default:
    route(body);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  decode(data[0], {reinterpret_cast<const char*>(data) + 1, size - 1});
  return 0;
}
