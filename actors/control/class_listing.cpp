#include "actors/control/class_listing.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

namespace tether {

namespace {

void add_kind(std::map<std::string, quality_class>& out,
              const std::unordered_map<std::string, int64_t>& formed,
              const std::unordered_map<std::string, std::string>& members,
              const char* kind, int64_t ttl_ms) {
  for (const auto& [name, at] : formed) {
    auto& c = out[name];
    c.name = name;
    c.kind = kind;
    c.formed_ms = at;
    c.expires_ms = ttl_ms > 0 ? at + ttl_ms : 0;
  }
  for (const auto& [terminal, name] : members) {
    auto i = out.find(name);
    if (i == out.end() || i->second.kind != kind)
      continue;
    ++i->second.members;
    i->second.member_ids.push_back(terminal);
  }
}

} // namespace

std::vector<quality_class> list_classes(const disconnect_tracker& tracker,
                                        size_t max_ids) {
  auto ttl = tracker.rules().class_ttl.count();
  std::map<std::string, quality_class> by_name;
  add_kind(by_name, tracker.disconnect_classes(), tracker.disconnect_members(),
           "disconnect", ttl);
  add_kind(by_name, tracker.failure_classes(), tracker.failure_members(),
           "failure", ttl);
  std::vector<quality_class> out;
  out.reserve(by_name.size());
  for (auto& [name, c] : by_name) {
    std::sort(c.member_ids.begin(), c.member_ids.end());
    if (c.member_ids.size() > max_ids)
      c.member_ids.resize(max_ids);
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<quality_class> class_page(const disconnect_tracker& tracker,
                                        const std::string& name,
                                        const std::string& after,
                                        size_t limit) {
  std::optional<quality_class> out;
  auto ttl = tracker.rules().class_ttl.count();
  auto find = [&](const auto& formed, const auto& members, const char* kind) {
    auto f = formed.find(name);
    if (f == formed.end())
      return;
    out.emplace();
    out->name = name;
    out->kind = kind;
    out->formed_ms = f->second;
    out->expires_ms = ttl > 0 ? f->second + ttl : 0;
    for (const auto& [terminal, of] : members) {
      if (of != name)
        continue;
      ++out->members;
      if (after.empty() || terminal > after)
        out->member_ids.push_back(terminal);
    }
  };
  find(tracker.disconnect_classes(), tracker.disconnect_members(),
       "disconnect");
  if (!out)
    find(tracker.failure_classes(), tracker.failure_members(), "failure");
  if (!out)
    return out;
  auto& ids = out->member_ids;
  auto keep = std::min(limit, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<long>(keep),
                    ids.end());
  ids.resize(keep);
  return out;
}

} // namespace tether
