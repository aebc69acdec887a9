#include "actors/cluster_balancer/cluster_balancer.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/api.hpp"
#include "actors/policy/frames.hpp"
#include "actors/policy/placement.hpp"
#include "actors/system/fan_out.hpp"
#include "actors/system/log.hpp"
#include "actors/terminal_session/terminal_session.hpp"

namespace tether {

std::optional<size_t> cluster_balancer_state::pick_node() const {
  std::vector<uint32_t> weights;
  for (const auto& n : nodes) {
    auto w = cfg.node_weights.find(n.node_id);
    weights.push_back(w == cfg.node_weights.end() ? 1 : w->second);
  }
  return choose_node(status().nodes,
                     parse_node_strategy(cfg.node_strategy)
                       .value_or(node_strategy::fewest_sessions),
                     weights);
}

uint32_t cluster_balancer_state::live_connections() const {
  uint32_t n = 0;
  for (const auto& [id, c] : conns)
    if (c.at == phase::live || c.at == phase::spawning)
      ++n;
  return n;
}

balancer_status cluster_balancer_state::status() const {
  balancer_status st{
    cfg.balancer_id,           cfg.cluster_id, cfg.url, live_connections(), {},
    cfg.ws_connections.value()};
  for (const auto& n : nodes) {
    auto ns = n.last;
    ns.sessions = std::max(ns.sessions, n.own);
    if (n.failed) {
      ns.state = "failed";
      ns.sessions = 0; // they have been moved (or are being moved) away
    } else if (n.draining) {
      ns.state = "draining";
    }
    st.nodes.push_back(std::move(ns));
  }
  return st;
}

void cluster_balancer_state::place(connection& c, std::optional<size_t> n) {
  if (c.node && nodes[*c.node].own > 0)
    --nodes[*c.node].own;
  c.node = n;
  if (n)
    ++nodes[*n].own;
}

std::optional<cluster_balancer_state::connection>
cluster_balancer_state::erase(uint64_t conn) {
  auto i = conns.find(conn);
  if (i == conns.end())
    return std::nullopt;
  place(i->second, std::nullopt);
  auto c = std::move(i->second);
  conns.erase(i);
  if (auto t = by_terminal.find(c.terminal_id);
      t != by_terminal.end() && t->second == conn)
    by_terminal.erase(t);
  return c;
}

namespace {

using self_ptr
  = cluster_balancer_actor::stateful_pointer<cluster_balancer_state>;

void refuse(const ws_link_ptr& link, errc code, const std::string& why) {
  auto resp = api::error_response(code, why);
  link->admitted(resp.status, std::move(resp.body));
}

/// Starts (or restarts) the session of a connection on the best node.
void spawn_session(self_ptr self, uint64_t conn, bool moved = false) {
  auto& st = self->state;
  auto i = st.conns.find(conn);
  if (i == st.conns.end())
    return;
  auto& c = i->second;
  st.place(c, std::nullopt);
  auto node = st.pick_node();
  if (!node) {
    logger("balancer")
      ->warn("{}: no live node for {}", st.cfg.balancer_id, c.terminal_id);
    c.link->close(close_code::try_again, "no node available, try again later");
    st.erase(conn);
    return;
  }
  c.at = cluster_balancer_state::phase::spawning;
  if (moved) {
    // The device may still answer every job of the old session's window
    // (an ack and a result each) while the new session starts.
    c.sent_early = 2 * job_window;
  }
  st.place(c, node);
  session_spec spec{c.terminal_id,
                    st.cfg.cluster_id,
                    conn,
                    caf::actor_cast<cluster_balancer_actor>(self),
                    st.cfg.keepalive_ms,
                    st.cfg.keepalive_misses,
                    st.cfg.redelivery_ms,
                    c.link ? c.link->remote_address() : std::string{},
                    moved};
  self
    ->request(st.nodes[*node].handle, st.cfg.request_timeout, spawn_atom::value,
              std::move(spec))
    .then(
      [self, conn](terminal_session_actor& session) {
        auto& st = self->state;
        auto i = st.conns.find(conn);
        if (i == st.conns.end()) {
          // The socket closed while the session was starting.
          self->send(session, closed_atom::value,
                     std::string{"connection closed"});
          return;
        }
        auto& c = i->second;
        c.session = session;
        c.at = cluster_balancer_state::phase::live;
        self->monitor(session);
        for (auto& text : c.early)
          self->send(session, frame_atom::value, std::move(text));
        for (auto& job : c.early_jobs)
          self->send(session, deliver_atom::value, std::move(job));
        c.early.clear();
        c.early.shrink_to_fit();
        c.sent_early = 0;
        c.early_jobs.clear();
        c.early_jobs.shrink_to_fit();
      },
      [self, conn](caf::error& err) {
        auto& st = self->state;
        logger("balancer")
          ->warn("{}: node did not start a session: {}", st.cfg.balancer_id,
                 caf::to_string(err));
        if (auto c = st.erase(conn))
          c->link->close(close_code::internal_error,
                         "could not start a session");
      });
}

/// Announces this balancer to the cluster manager (again after the
/// control process restarted); no-op while the manager is unknown.
void join(self_ptr self) {
  auto& st = self->state;
  self->send(st.manager, join_atom::value,
             balancer_info{st.cfg.balancer_id, st.cfg.cluster_id, st.cfg.url,
                           caf::actor_cast<cluster_balancer_actor>(self)});
}

} // namespace

cluster_balancer_actor::behavior_type
cluster_balancer(self_ptr self, balancer_settings cfg,
                 cluster_manager_actor manager,
                 std::vector<std::pair<std::string, node_actor>> nodes) {
  auto log = logger("balancer");
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.manager = std::move(manager);
  // A node of another process may not be reachable yet (null handle): it
  // counts as failed until the peers actor hands over its handle.
  for (auto& [id, handle] : nodes) {
    if (handle)
      self->monitor(handle);
    st.nodes.push_back(
      {id, handle, node_status{id, "active", 0, 0, 0}, 0, !handle});
  }
  self->set_down_handler([self, log](const caf::down_msg& dm) {
    auto& st = self->state;
    if (st.manager && st.manager.address() == dm.source) {
      // The control process is gone: admissions answer 503 at once until
      // the peers actor hands over the new manager.
      log->warn("{}: cluster manager is gone: {}", st.cfg.balancer_id,
                caf::to_string(dm.reason));
      st.manager = nullptr;
      return;
    }
    for (auto& n : st.nodes)
      if (n.handle.address() == dm.source && !n.failed) {
        n.failed = true;
        log->warn("{}: node {} is down: {}", st.cfg.balancer_id, n.node_id,
                  caf::to_string(dm.reason));
      }
    if (dm.reason == caf::exit_reason::normal)
      return;
    // A session died abnormally (its node went away): start it again on
    // another node, keeping the device's socket open.
    for (auto& [conn, c] : st.conns)
      if (c.at == cluster_balancer_state::phase::live
          && c.session.address() == dm.source) {
        c.session = nullptr;
        spawn_session(self, conn, true);
        break;
      }
  });
  join(self);
  self->send(self, tick_atom::value);
  return {
    [self](admit_atom, uint64_t conn, const std::string& terminal,
           ws_link_ptr& link) {
      auto& st = self->state;
      cluster_balancer_state::connection c;
      c.terminal_id = terminal;
      c.link = link;
      st.conns[conn] = std::move(c);
      self
        ->request(st.manager, st.cfg.request_timeout, lookup_atom::value,
                  terminal)
        .then(
          [self, conn, terminal](const std::string& cluster) {
            auto& st = self->state;
            auto i = st.conns.find(conn);
            if (i == st.conns.end())
              return;
            if (cluster != st.cfg.cluster_id) {
              refuse(i->second.link, errc::conflict,
                     "terminal " + terminal + " is assigned to cluster "
                       + cluster + ", not " + st.cfg.cluster_id
                       + "; fetch its destination again");
              st.erase(conn);
              return;
            }
            i->second.at = cluster_balancer_state::phase::upgrading;
            i->second.link->admitted(0, {});
          },
          [self, conn](caf::error& err) {
            auto& st = self->state;
            auto i = st.conns.find(conn);
            if (i == st.conns.end())
              return;
            auto v = view(err);
            refuse(i->second.link, v.code, v.message);
            st.erase(conn);
          });
    },
    [self](open_atom, uint64_t conn) {
      auto& st = self->state;
      auto i = st.conns.find(conn);
      if (i == st.conns.end())
        return;
      auto& terminal = i->second.terminal_id;
      if (auto old = st.by_terminal.find(terminal);
          old != st.by_terminal.end() && old->second != conn) {
        if (auto prev = st.erase(old->second)) {
          prev->link->close(close_code::replaced,
                            std::string{close_reason::replaced});
          if (prev->session)
            self->send(prev->session, closed_atom::value,
                       std::string{close_reason::replaced});
        }
      }
      st.by_terminal[terminal] = conn;
      spawn_session(self, conn);
    },
    [self](frame_atom, uint64_t conn, std::string& text) {
      auto& st = self->state;
      auto i = st.conns.find(conn);
      if (i == st.conns.end())
        return;
      auto& c = i->second;
      if (c.at == cluster_balancer_state::phase::live && c.session) {
        self->send(c.session, frame_atom::value, std::move(text));
      } else if (c.early.size() < st.cfg.max_early_frames + c.sent_early) {
        c.early.push_back(std::move(text));
      } else {
        c.link->close(close_code::policy,
                      "too many frames before the session started");
      }
    },
    [self](closed_atom, uint64_t conn) {
      if (auto c = self->state.erase(conn); c && c->session)
        self->send(c->session, closed_atom::value,
                   std::string{"connection closed"});
    },
    [self](to_dev_atom, uint64_t conn, std::string& text) {
      auto& st = self->state;
      if (auto i = st.conns.find(conn); i != st.conns.end()) {
        auto& c = i->second;
        if (c.at != cluster_balancer_state::phase::live)
          c.sent_early += 2; // a job may get an ack and a result
        c.link->send_text(std::move(text));
      }
    },
    [self](close_atom, uint64_t conn, uint16_t code, std::string& reason) {
      auto& st = self->state;
      if (auto i = st.conns.find(conn); i != st.conns.end()) {
        i->second.session = nullptr; // it has ended itself
        i->second.link->close(code, std::move(reason));
      }
    },
    [self](deliver_atom, const job_record& job) {
      auto& st = self->state;
      auto t = st.by_terminal.find(job.terminal_id);
      if (t == st.by_terminal.end())
        return false;
      auto& c = st.conns[t->second];
      if (c.at == cluster_balancer_state::phase::spawning
          && c.early_jobs.size() < st.cfg.max_early_frames) {
        // The session is starting: hand the job over once it exists.
        c.early_jobs.push_back(job);
        return true;
      }
      if (c.at != cluster_balancer_state::phase::live || !c.session)
        return false;
      self->send(c.session, deliver_atom::value, job);
      return true;
    },
    [self](status_atom) { return self->state.status(); },
    [self](peer_atom, peer_directory& dir) {
      auto& st = self->state;
      auto log = logger("balancer");
      // Every directory comes from a new connection: take its handles even
      // when they equal the old ones (a process that was frozen and is back
      // has the same actor ids, but the old proxies are dead).
      if (dir.manager) {
        st.manager = dir.manager;
        self->monitor(st.manager);
        log->info("{}: cluster manager reachable (process {})",
                  st.cfg.balancer_id, dir.process);
        join(self);
      }
      for (auto& n : st.nodes) {
        auto i = dir.nodes.find(n.node_id);
        if (i == dir.nodes.end() || !i->second)
          continue;
        n.handle = i->second;
        n.failed = false;
        n.last = node_status{n.node_id, "active", 0, 0, 0};
        self->monitor(n.handle);
        log->info("{}: node {} reachable (process {})", st.cfg.balancer_id,
                  n.node_id, dir.process);
      }
    },
    [self](put_atom, node_atom, const std::string& node,
           const std::string& state) {
      auto& st = self->state;
      for (size_t i = 0; i < st.nodes.size(); ++i) {
        auto& n = st.nodes[i];
        if (n.node_id != node)
          continue;
        bool starts = state == "draining" && !n.draining;
        n.draining = state == "draining";
        if (!starts)
          continue;
        // Move its sessions to the other nodes, one every 1/drain_per_s
        // seconds; the devices keep their WebSockets.
        auto gap = std::chrono::microseconds{
          1'000'000 / std::max<uint32_t>(1, st.cfg.drain_per_s)};
        uint64_t k = 0;
        for (auto& [conn, c] : st.conns)
          if (c.node == i && c.at == cluster_balancer_state::phase::live)
            self->delayed_send(self, gap * ++k, tick_atom::value, conn);
        if (k > 0)
          logger("balancer")
            ->info("{}: node {} drains: moving {} sessions "
                   "at {}/s",
                   st.cfg.balancer_id, node, k, st.cfg.drain_per_s);
      }
    },
    [self](tick_atom, uint64_t conn) {
      auto& st = self->state;
      auto i = st.conns.find(conn);
      if (i == st.conns.end())
        return;
      auto& c = i->second;
      if (c.at != cluster_balancer_state::phase::live || !c.node
          || !st.nodes[*c.node].draining)
        return; // gone, moving already, or the node was restored
      if (!st.pick_node())
        return; // nowhere to go: it stays
      auto old = std::move(c.session);
      c.session = nullptr;
      // The old session ends normally (no restart from the down handler)
      // and the control keeps the new one (it compares session handles).
      self->send(old, closed_atom::value, std::string{session_moved_reason});
      spawn_session(self, conn, true);
    },
    [self](reassign_atom, const std::string& terminal, uint32_t after_ms) {
      auto& st = self->state;
      auto t = st.by_terminal.find(terminal);
      if (t == st.by_terminal.end())
        return;
      if (auto c = st.conns.find(t->second); c != st.conns.end())
        c->second.link->send_text(frames::reassign(after_ms));
    },
    [self](tick_atom) {
      auto& st = self->state;
      std::vector<node_actor> handles;
      std::vector<size_t> asked; // index into st.nodes of each handle
      for (size_t i = 0; i < st.nodes.size(); ++i)
        if (st.nodes[i].handle && !st.nodes[i].failed) {
          handles.push_back(st.nodes[i].handle);
          asked.push_back(i);
        }
      fan_out<node_status>(
        self, handles, st.cfg.request_timeout,
        [self, asked](std::vector<std::optional<node_status>> results) {
          auto& st = self->state;
          for (size_t i = 0; i < results.size(); ++i)
            if (results[i] && asked[i] < st.nodes.size())
              st.nodes[asked[i]].last = std::move(*results[i]);
          self->delayed_send(self, st.cfg.status_period, tick_atom::value);
        },
        status_atom::value);
    },
  };
}

} // namespace tether
