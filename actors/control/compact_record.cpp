#include "actors/control/compact_record.hpp"

#include "actors/policy/placement.hpp"

namespace tether {

compact_record& compact_record::operator=(const terminal_record& r) {
  cluster_id = r.cluster_id;
  model = r.model;
  firmware = r.firmware;
  region = r.region;
  attributes = r.attributes;
  users = r.users;
  services = r.services;
  registered_at_ms = r.registered_at_ms;
  token_generation = r.token_generation;
  revoked = r.revoked;
  registered = true;
  return *this;
}

std::string compact_record::fact(const std::string& item) const {
  return fact_of(region, model, firmware, attributes, item);
}

terminal_record compact_record::expand(const std::string& terminal_id) const {
  terminal_record r;
  r.terminal_id = terminal_id;
  r.cluster_id = cluster_id;
  r.model = model;
  r.firmware = firmware;
  r.region = region;
  r.attributes = attributes;
  r.users = users;
  r.registered_at_ms = registered_at_ms;
  r.token_generation = token_generation;
  r.revoked = revoked;
  r.services = services;
  return r;
}

} // namespace tether
