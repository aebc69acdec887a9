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

void connect(self_ptr self, const std::string& process) {
  auto& st = self->state;
  auto* p = st.find(process);
  if (p == nullptr || p->connecting || p->status.reachable)
    return;
  p->connecting = true;
  auto mm = self->system().middleman().actor_handle();
  auto host = p->target.host;
  auto port = p->target.port;
  self
    ->request(mm, st.cfg.request_timeout, caf::connect_atom::value, host, port)
    .then(
      [self, process](const caf::node_id&, caf::strong_actor_ptr& ptr,
                      const std::set<std::string>&) {
        if (!ptr) {
          failed(self, process, "no Tether process is published there");
          return;
        }
        auto proc = caf::actor_cast<process_actor>(ptr);
        self
          ->request(proc, self->state.cfg.request_timeout, get_atom::value,
                    peer_atom::value)
          .then(
            [self, process, proc](peer_directory& dir) {
              auto& st = self->state;
              auto* p = st.find(process);
              if (p == nullptr)
                return;
              if (dir.process != process) {
                failed(self, process,
                       "the process there is \"" + dir.process + "\", not \""
                         + process
                         + "\" (check host and caf_port in the topology)");
                return;
              }
              p->connecting = false;
              p->failures = 0;
              p->handle = proc;
              p->status.reachable = true;
              p->status.since_ms = now_ms();
              p->status.last_error.clear();
              ++p->status.connects;
              p->dir = dir;
              self->monitor(proc);
              logger("peers")->info("{}: peer {} ({}) is reachable",
                                    st.cfg.self_name, process,
                                    p->status.address);
              for (auto& s : st.subscribers)
                caf::anon_send(s, peer_atom::value, dir);
            },
            [self, process](caf::error& err) {
              failed(self, process,
                     "no directory answer: " + caf::to_string(err));
            });
      },
      [self, process](caf::error& err) {
        failed(self, process, caf::to_string(err));
      });
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
    auto& st = self->state;
    for (auto& p : st.peers) {
      if (!p.status.reachable || p.handle.address() != dm.source)
        continue;
      logger("peers")->warn("{}: peer {} ({}) is gone: {}", st.cfg.self_name,
                            p.target.process, p.status.address,
                            caf::to_string(dm.reason));
      p.handle = nullptr;
      p.dir.reset();
      p.status.reachable = false;
      p.status.since_ms = now_ms();
      p.status.last_error = "connection lost: " + caf::to_string(dm.reason);
      p.failures = 0;
      schedule(self, p.target.process, st.backoff(0));
    }
  });
  for (auto& p : st.peers)
    connect(self, p.target.process);
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
  };
}

process_actor::behavior_type process_directory(peer_directory dir) {
  return {
    [dir](get_atom, peer_atom) { return dir; },
  };
}

} // namespace tether
