#include "actors/node/live_sessions.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace tether {

live_sessions::~live_sessions() {
  for (const auto& entry : by_address_)
    caf::anon_send_exit(entry.second.session, caf::exit_reason::kill);
}

void live_sessions::add(const terminal_session_actor& session,
                        const caf::actor_addr& balancer) {
  by_address_.emplace(session.address(), held{session, balancer});
}

bool live_sessions::remove(const caf::actor_addr& session) {
  return by_address_.erase(session) > 0;
}

bool live_sessions::contains(const caf::actor_addr& session) const {
  return by_address_.count(session) > 0;
}

const terminal_session_actor*
live_sessions::find(const caf::actor_addr& session) const {
  auto i = by_address_.find(session);
  return i == by_address_.end() ? nullptr : &i->second.session;
}

std::vector<terminal_session_actor>
live_sessions::relaying_through(const caf::actor_addr& balancer) const {
  std::vector<terminal_session_actor> out;
  for (const auto& entry : by_address_)
    if (entry.second.balancer == balancer)
      out.push_back(entry.second.session);
  return out;
}

} // namespace tether
