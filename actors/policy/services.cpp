#include "actors/policy/services.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include <openssl/rand.h>

#include "auth/crypto.hpp"

namespace tether::services {

const std::vector<std::string>& default_list() {
  static const std::vector<std::string> list{"print"};
  return list;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
        || c == '-';
  });
}

std::string check(const std::vector<std::string>& names) {
  if (names.empty() || names.size() > max_services)
    return "field \"services\" must be an array of 1-16 service names";
  std::set<std::string_view> seen;
  for (const auto& n : names) {
    if (!valid_name(n))
      return "field \"services\" must hold names of 1-32 characters from "
             "[a-z0-9_-]";
    if (!seen.insert(n).second)
      return "field \"services\" names \"" + n + "\" twice";
  }
  return {};
}

const std::vector<std::string>& of(const storage::terminal_record& rec) {
  return rec.services.empty() ? default_list() : rec.services;
}

bool serves(const storage::terminal_record& rec, const std::string& service) {
  return serves(rec.services, service);
}

bool serves(const std::vector<std::string>& declared,
            const std::string& service) {
  const auto& list = declared.empty() ? default_list() : declared;
  return std::find(list.begin(), list.end(), service) != list.end();
}

connection_key new_connection_key() {
  connection_key key;
  while (key.empty()) {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
      throw std::runtime_error("no random bytes for a connection key");
    std::memcpy(&key.hi, bytes, 8);
    std::memcpy(&key.lo, bytes + 8, 8);
  }
  return key;
}

std::string connection_id(const connection_key& key, std::string_view service) {
  char raw[16];
  std::memcpy(raw, &key.hi, 8);
  std::memcpy(raw + 8, &key.lo, 8);
  auto mac = auth::hmac_sha256(std::string_view{raw, sizeof raw}, service);
  return "s" + auth::to_hex(std::string_view{mac}.substr(0, 16));
}

std::map<std::string, std::string>
connection_ids(const connection_key& key,
               const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  if (key.empty())
    return out;
  for (const auto& n : names)
    out[n] = connection_id(key, n);
  return out;
}

} // namespace tether::services
