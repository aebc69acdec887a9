#include "actors/peers/peers.hpp"

#include <algorithm>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/log.hpp"

namespace tether {

peers_state::peer* peers_state::find(const std::string& process) {
  for (auto& p : peers)
    if (p.target.process == process)
      return &p;
  return nullptr;
}

std::chrono::milliseconds peers_state::backoff(uint32_t failures) {
  auto lo = std::max<int64_t>(1, cfg.reconnect_min.count());
  auto hi = std::max<int64_t>(lo, cfg.reconnect_max.count());
  int64_t d = lo;
  for (uint32_t i = 0; i < failures && d < hi; ++i)
    d *= 2;
  d = std::min(d, hi);
  std::uniform_real_distribution<double> jitter{0.5, 1.0};
  return std::chrono::milliseconds{
    std::max<int64_t>(1, static_cast<int64_t>(d * jitter(rng)))};
}

namespace {

using self_ptr = peers_actor::stateful_pointer<peers_state>;

void schedule(self_ptr self, const std::string& process,
              std::chrono::milliseconds delay) {
  self->delayed_send(self, delay, tick_atom::value, process);
}

/// One failed attempt: remember why, and try again after the backoff.
void failed(self_ptr self, const std::string& process, std::string why) {
  auto* p = self->state.find(process);
  if (p == nullptr)
    return;
  p->connecting = false;
  // Log the first failure of a series and then every tenth, not each one.
  if (p->failures % 10 == 0)
    logger("peers")->info("{}: peer {} ({}) not reachable yet: {}",
                          self->state.cfg.self_name, process, p->status.address,
                          why);
  p->status.last_error = std::move(why);
  auto delay = self->state.backoff(p->failures++);
  schedule(self, process, delay);
}

/// Peer `process` answered with `dir` (dialed) or announced itself
/// (accepted): it is reachable through `proc` until that goes down.
void reached(self_ptr self, const std::string& process, process_actor proc,
             peer_directory dir) {
  auto& st = self->state;
  auto* p = st.find(process);
  if (p == nullptr)
    return;
  if (p->handle && p->handle != proc)
    self->demonitor(p->handle.address());
  p->connecting = false;
  p->failures = 0;
  p->handle = proc;
  p->status.reachable = true;
  p->status.since_ms = now_ms();
  p->status.last_error.clear();
  ++p->status.connects;
  p->dir = dir;
  self->monitor(proc);
  logger("peers")->info("{}: peer {} ({}) is reachable{}", st.cfg.self_name,
                        process, p->status.address,
                        p->target.dial ? "" : " (it dialed)");
  for (auto& s : st.subscribers)
    caf::anon_send(s, peer_atom::value, dir);
}

/// Sends this process's directory to the dialed peer and takes its own.
void exchange(self_ptr self, const std::string& process, process_actor proc) {
  auto& st = self->state;
  self
    ->request(proc, st.cfg.request_timeout, get_atom::value, peer_atom::value,
              st.cfg.self_dir, st.published)
    .then(
      [self, process, proc](peer_directory& dir) {
        if (dir.process != process) {
          failed(self, process,
                 "the process there is \"" + dir.process + "\", not \""
                   + process + "\" (check host and caf_port in the topology)");
          return;
        }
        reached(self, process, proc, std::move(dir));
      },
      [self, process](caf::error& err) {
        failed(self, process, "no directory answer: " + caf::to_string(err));
      });
}

void connect(self_ptr self, const std::string& process) {
  auto& st = self->state;
  auto* p = st.find(process);
  if (p == nullptr || !p->target.dial || !st.published || p->connecting
      || p->status.reachable)
    return;
  p->connecting = true;
  auto mm = self->system().middleman().actor_handle();
  const auto& t = p->target;
  auto host = t.connect_host.empty() ? t.host : t.connect_host;
  auto port = t.connect_port == 0 ? t.port : t.connect_port;
  self
    ->request(mm, st.cfg.request_timeout, caf::connect_atom::value, host, port)
    .then(
      [self, process](const caf::node_id&, caf::strong_actor_ptr& ptr,
                      const std::set<std::string>&) {
        if (!ptr) {
          failed(self, process, "no Tether process is published there");
          return;
        }
        exchange(self, process, caf::actor_cast<process_actor>(ptr));
      },
      [self, process](caf::error& err) {
        failed(self, process, caf::to_string(err));
      });
}

/// A peer dialed this process and sent its directory along.
void announced(self_ptr self, peer_directory& dir, caf::actor& proc) {
  auto& st = self->state;
  auto* p = st.find(dir.process);
  if (p == nullptr || p->target.dial || !proc) {
    logger("peers")->warn("{}: ignored an announcement of \"{}\", which is "
                          "not a process that dials this one",
                          st.cfg.self_name, dir.process);
    return;
  }
  auto name = dir.process;
  reached(self, name, caf::actor_cast<process_actor>(proc), std::move(dir));
}

/// The published actor of peer `p` went away.
void lost(self_ptr self, peers_state::peer& p, const caf::error& reason) {
  auto& st = self->state;
  // A peer stopped on purpose (its SIGTERM) is no failure.
  auto level = reason == caf::exit_reason::user_shutdown ? spdlog::level::info
                                                         : spdlog::level::warn;
  logger("peers")->log(level, "{}: peer {} ({}) is gone: {}", st.cfg.self_name,
                       p.target.process, p.status.address,
                       caf::to_string(reason));
  p.handle = nullptr;
  p.dir.reset();
  p.status.reachable = false;
  p.status.since_ms = now_ms();
  p.status.last_error = "connection lost: " + caf::to_string(reason);
  if (!p.target.dial)
    p.status.last_error += " (waiting for it to dial again)";
  p.failures = 0;
  if (p.target.dial)
    schedule(self, p.target.process, st.backoff(0));
}

} // namespace

peers_actor::behavior_type peers(self_ptr self, peers_settings cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  for (auto& t : st.cfg.targets) {
    peers_state::peer p;
    p.target = t;
    p.status.process = t.process;
    p.status.address = t.host + ":" + std::to_string(t.port);
    p.status.since_ms = now_ms();
    st.peers.push_back(std::move(p));
  }
  self->set_down_handler([self](const caf::down_msg& dm) {
    for (auto& p : self->state.peers)
      if (p.status.reachable && p.handle.address() == dm.source)
        lost(self, p, dm.reason);
  });
  return {
    [self](get_atom, peer_atom) {
      std::vector<peer_status> out;
      for (auto& p : self->state.peers)
        out.push_back(p.status);
      return out;
    },
    [self](join_atom, caf::actor& subscriber) {
      for (auto& p : self->state.peers)
        if (p.dir)
          caf::anon_send(subscriber, peer_atom::value, *p.dir);
      self->state.subscribers.push_back(std::move(subscriber));
    },
    [self](tick_atom, const std::string& process) { connect(self, process); },
    [self](put_atom, caf::actor& published) {
      self->state.published = std::move(published);
      for (auto& p : self->state.peers)
        connect(self, p.target.process);
    },
    [self](put_atom, peer_directory& dir, caf::actor& proc) {
      announced(self, dir, proc);
    },
  };
}

process_actor::behavior_type process_directory(peer_directory dir,
                                               peers_actor peers) {
  return {
    [dir](get_atom, peer_atom) { return dir; },
    [dir, peers](get_atom, peer_atom, peer_directory& theirs,
                 caf::actor& their_proc) {
      if (peers)
        caf::anon_send(peers, put_atom::value, std::move(theirs),
                       std::move(their_proc));
      return dir;
    },
  };
}

} // namespace tether
