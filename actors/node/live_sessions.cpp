#include "actors/node/live_sessions.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace tether {

live_sessions::~live_sessions() {
  for (const auto& e : by_id_)
    caf::anon_send_exit(e.second.session, caf::exit_reason::kill);
}

void live_sessions::add(const terminal_session_actor& session,
                        const caf::actor_addr& balancer) {
  by_id_.emplace(session.id(), held{session, balancer});
}

const live_sessions::held*
live_sessions::entry(const caf::actor_addr& session) const {
  if (!session)
    return nullptr;
  auto i = by_id_.find(session.id());
  if (i == by_id_.end() || i->second.session.address() != session)
    return nullptr;
  return &i->second;
}

bool live_sessions::remove(const caf::actor_addr& session) {
  if (entry(session) == nullptr)
    return false;
  by_id_.erase(session.id());
  return true;
}

bool live_sessions::contains(const caf::actor_addr& session) const {
  return entry(session) != nullptr;
}

const terminal_session_actor*
live_sessions::find(const caf::actor_addr& session) const {
  const auto* e = entry(session);
  return e == nullptr ? nullptr : &e->session;
}

const terminal_session_actor* live_sessions::find(caf::actor_id session) const {
  auto i = by_id_.find(session);
  return i == by_id_.end() ? nullptr : &i->second.session;
}

std::vector<terminal_session_actor>
live_sessions::relaying_through(const caf::actor_addr& balancer) const {
  std::vector<terminal_session_actor> out;
  for (const auto& e : by_id_)
    if (e.second.balancer == balancer)
      out.push_back(e.second.session);
  return out;
}

} // namespace tether
