#include "actors/control/api_histories.hpp"

#include "actors/policy/placement.hpp"

namespace tether {

void api_histories::load(std::vector<api_history> stored) {
  for (auto& h : stored)
    by_terminal.insert_or_assign(h.terminal_id, compact_history{h});
}

std::optional<api_history>
api_histories::find(const std::string& terminal_id) const {
  auto i = by_terminal.find(terminal_id);
  if (i == by_terminal.end())
    return std::nullopt;
  return i->second.expand(terminal_id);
}

/// The terminal's history, created on first use and marked changed.
compact_history& api_histories::of(const std::string& terminal_id) {
  dirty.insert(terminal_id);
  return by_terminal[terminal_id];
}

void api_histories::count_call(const std::string& terminal_id, bool failed,
                               int64_t now) {
  of(terminal_id).update([&](api_history& h) {
    h.count(failed, now, window_ms);
  });
}

void api_histories::count_failure(const std::string& terminal_id, int64_t now) {
  of(terminal_id).update([&](api_history& h) {
    h.roll(now, window_ms);
    ++h.errors;
    ++h.window_errors;
  });
}

void api_histories::count_done(const std::string& terminal_id, bool print,
                               uint32_t pages, int64_t now) {
  of(terminal_id).update([&](api_history& h) {
    h.count_done(print, pages, now, window_ms);
  });
}

void api_histories::set_connection(const std::string& terminal_id,
                                   uint64_t connects, uint64_t disconnects,
                                   uint64_t keepalive_failures,
                                   int64_t last_seen_ms) {
  of(terminal_id).update([&](api_history& h) {
    h.connects = connects;
    h.disconnects = disconnects;
    h.keepalive_failures = keepalive_failures;
    h.last_seen_ms = last_seen_ms;
  });
}

void api_histories::set_classes(const std::string& terminal_id,
                                const std::string& disconnect_class,
                                const std::string& failure_class) {
  auto& h = of(terminal_id);
  if (!disconnect_class.empty())
    h.set_disconnect_class(disconnect_class);
  if (!failure_class.empty())
    h.set_failure_class(failure_class);
}

void api_histories::clear_classes(const std::string& terminal_id,
                                  bool disconnect, bool failure) {
  auto i = by_terminal.find(terminal_id);
  if (i == by_terminal.end() || (!disconnect && !failure))
    return;
  if (disconnect)
    i->second.set_disconnect_class({});
  if (failure)
    i->second.set_failure_class({});
  dirty.insert(terminal_id);
}

std::vector<api_history> api_histories::take_dirty() {
  std::vector<api_history> out;
  out.reserve(dirty.size());
  for (const auto& id : dirty)
    out.push_back(by_terminal[id].expand(id));
  dirty.clear();
  return out;
}

void api_histories::refresh_user_jobs(
  int64_t now,
  const std::function<std::string(const std::string&)>& first_user_of,
  const std::function<int64_t(const std::string&)>& registered_at) {
  std::vector<first_user> users;
  for (const auto& [id, h] : by_terminal)
    if (auto user = first_user_of(id); !user.empty())
      users.push_back({id, std::move(user), registered_at(id)});
  refresh_user_jobs(now, users);
}

void api_histories::refresh_user_jobs(int64_t now,
                                      const std::vector<first_user>& users) {
  // Only terminals with a history can have been used.
  std::unordered_map<std::string, std::pair<uint64_t, int64_t>> totals;
  for (const auto& u : users) {
    auto h = by_terminal.find(u.terminal_id);
    if (h == by_terminal.end() || h->second.calls() == 0)
      continue;
    auto& [calls, since] = totals[u.user];
    calls += h->second.calls();
    auto at = u.registered_at_ms;
    if (at > 0 && (since == 0 || at < since))
      since = at;
  }
  user_jobs.clear();
  for (const auto& [user, t] : totals)
    if (auto rate = per_day(t.first, t.second, now))
      user_jobs[user] = rate;
}

uint64_t api_histories::jobs_of_user(const std::string& user) const {
  auto u = user_jobs.find(user);
  return u == user_jobs.end() ? 0 : u->second;
}

} // namespace tether
