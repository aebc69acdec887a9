#include "actors/node/node.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/log.hpp"
#include "actors/terminal_session/terminal_session.hpp"

namespace tether {

uint64_t process_rss_bytes() {
  // /proc reads are served from memory and do not block.
  unsigned long long pages_total = 0, pages_resident = 0;
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%llu %llu", &pages_total, &pages_resident) != 2)
      pages_resident = 0;
    std::fclose(f);
  }
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t process_cpu_ticks() {
  unsigned long long utime = 0, stime = 0;
  if (auto* f = std::fopen("/proc/self/stat", "r")) {
    // Fields 14 and 15 (utime, stime); field 2 may contain spaces but is
    // parenthesised, so skip up to the last ')'.
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    std::fclose(f);
    if (auto* p = std::strrchr(buf, ')'))
      std::sscanf(p + 2,
                  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime);
  }
  return utime + stime;
}

node_status node_state::status() {
  auto now = now_ms();
  auto ticks = process_cpu_ticks();
  if (last_cpu_at_ms != 0 && now > last_cpu_at_ms) {
    auto hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    cpu = (static_cast<double>(ticks - last_cpu_ticks) / hz)
        / (static_cast<double>(now - last_cpu_at_ms) / 1000.0);
  }
  last_cpu_ticks = ticks;
  last_cpu_at_ms = now;
  return node_status{node_id,
                     "active",
                     sessions,
                     cpu,
                     process_rss_bytes(),
                     session_actors.value()};
}

node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self,
                               std::string node_id, control_actor control) {
  self->state.node_id = std::move(node_id);
  self->state.control = std::move(control);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.live.erase(dm.source) > 0 && self->state.sessions > 0)
      --self->state.sessions;
  });
  self->set_exit_handler([self](const caf::exit_msg& em) {
    if (self->state.live.count(em.source) > 0)
      return; // a session ended; the down handler counts it
    self->quit(em.reason);
  });
  return {
    [self](spawn_atom, session_spec& spec) -> terminal_session_actor {
      auto session = self->spawn<terminal_session_impl>(
        std::move(spec), self->state.node_id, self->state.control,
        self->state.session_actors.track());
      // Monitored to count it; linked so that it ends with its node (a
      // node that goes away takes its sessions along, and the balancer
      // starts them again elsewhere); see node_state::live.
      self->monitor(session);
      self->link_to(session);
      self->state.live.emplace(session.address(), session);
      ++self->state.sessions;
      return session;
    },
    [self](status_atom) { return self->state.status(); },
    [self](peer_atom, const peer_directory& dir) {
      // The control process was reached (again, after a restart): new
      // sessions report to it, and the running ones re-announce themselves.
      auto& st = self->state;
      if (!dir.control)
        return;
      st.control = dir.control;
      logger("node")->info("{}: control reachable (process {}); {} sessions "
                           "re-announce themselves",
                           st.node_id, dir.process, st.live.size());
      for (auto& [addr, session] : st.live)
        self->send(session, peer_atom::value, dir);
    },
  };
}

} // namespace tether
