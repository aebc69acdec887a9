#include "actors/policy/services.hpp"

#include <algorithm>
#include <set>

#include "storage/secrets_dir.hpp"

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
  const auto& list = of(rec);
  return std::find(list.begin(), list.end(), service) != list.end();
}

std::map<std::string, std::string>
new_connections(const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  for (const auto& n : names)
    out[n] = "s" + storage::random_hex(16);
  return out;
}

} // namespace tether::services
