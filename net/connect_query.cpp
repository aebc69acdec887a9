#include "net/connect_query.hpp"

#include "actors/policy/api.hpp"

namespace tether::net {

connect_query parse_connect_query(std::string_view target) {
  connect_query out;
  auto params = api::query_params(target);
  if (!params)
    return out;
  bool has_id = false;
  bool has_token = false;
  for (auto& [key, value] : *params) {
    if (!has_id && key == "terminal_id") {
      out.terminal_id = std::move(value);
      has_id = true;
    } else if (!has_token && key == "token") {
      out.token = std::move(value);
      has_token = true;
    }
  }
  return out;
}

} // namespace tether::net
