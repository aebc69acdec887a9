#include "actors/cluster_balancer/cluster_balancer.hpp"

#include <algorithm>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/api.hpp"
#include "actors/policy/frames.hpp"
#include "actors/policy/services.hpp"
#include "actors/system/audit.hpp"
#include "actors/system/fan_out.hpp"
#include "actors/system/log.hpp"
#include "actors/terminal_session/terminal_session.hpp"

namespace tether {

namespace {

/// `n` in base 36 (a compact start time in connection ids).
std::string base36(int64_t n) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  auto u = static_cast<uint64_t>(n);
  do {
    out.insert(out.begin(), digits[u % 36]);
    u /= 36;
  } while (u != 0);
  return out;
}

} // namespace

// -- cluster_balancer_state ---------------------------------------------------

std::optional<size_t> cluster_balancer_state::pick_node() const {
  return nodes.pick(cfg.node_strategy, cfg.node_weights,
                    cfg.max_sessions_per_node);
}

std::string cluster_balancer_state::no_node_reason() const {
  if (cfg.max_sessions_per_node != 0 && nodes.pick(cfg.node_strategy, {}))
    return "every node is full (max_sessions_per_node = "
         + std::to_string(cfg.max_sessions_per_node) + "); retry after "
         + std::to_string(cfg.retry_after_s) + " s"; // fits a close frame
  return "no node available, try again later";
}

void cluster_balancer_state::not_the_devices_doing(
  const std::string& terminal) const {
  if (cfg.flaps)
    cfg.flaps->forgive(terminal);
}

std::vector<std::string>
cluster_balancer_state::take_revocations(const revocation_list& list) {
  std::vector<std::string> raised;
  if (list.version == revocations_known || !cfg.tokens)
    return raised;
  revocations_known = list.version;
  auto n = std::min(list.terminal_ids.size(), list.generations.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& id = list.terminal_ids[i];
    auto generation = list.generations[i];
    cfg.tokens->revoke(id, generation);
    auto& seen = revoked_seen[id];
    if (generation > seen) {
      seen = generation;
      raised.push_back(id);
    }
  }
  return raised;
}

uint32_t cluster_balancer_state::live_connections() const {
  return conns.live();
}

balancer_status cluster_balancer_state::status() const {
  return {cfg.balancer_id,    cfg.cluster_id, cfg.url,
          live_connections(), nodes.status(), cfg.ws_connections.value(),
          conns.tiers()};
}

std::vector<metric_series> cluster_balancer_state::metrics() const {
  metric_set::label_map who{{"cluster", cfg.cluster_id},
                            {"balancer", cfg.balancer_id}};
  auto out = figures.series(who);
  auto gauge = [&](const char* name, double v) {
    out.push_back(metric_series{name, who, v, {}, {}, 0});
  };
  gauge("tether_balancer_connections", live_connections());
  gauge("tether_balancer_ws_connections_live",
        static_cast<double>(cfg.ws_connections.value()));
  gauge("tether_balancer_ws_streams_held",
        static_cast<double>(cfg.ws_streams.value()));
  gauge("tether_balancer_nodes", static_cast<double>(nodes.entries.size()));
  return out;
}

void cluster_balancer_state::place(connection& c, std::optional<size_t> n) {
  nodes.move_session(c.node, n);
  c.node = n;
}

std::optional<connection> cluster_balancer_state::erase(uint64_t conn) {
  waiting.forget(conn);
  auto* c = conns.find(conn);
  if (c == nullptr)
    return std::nullopt;
  place(*c, std::nullopt);
  // A new connection closed for want of a node counts too: devices sent
  // to a cluster whose nodes all went away show here.
  if (c->connected || c->closing == disconnect_reason::no_node)
    figures.disconnected(c->closing == nullptr ? disconnect_reason::by_device
                                               : c->closing);
  return conns.remove(conn);
}

std::vector<std::pair<uint64_t, std::chrono::microseconds>>
cluster_balancer_state::drain_moves(size_t node) const {
  // Gently, so the other nodes are not flooded; the devices keep their
  // WebSockets.
  auto gap = std::chrono::microseconds{
    1'000'000 / std::max<uint32_t>(1, cfg.drain_per_s)};
  std::vector<std::pair<uint64_t, std::chrono::microseconds>> out;
  int64_t k = 0;
  for (auto conn : conns.live_on(node))
    out.emplace_back(conn, gap * ++k);
  return out;
}

bool cluster_balancer_state::rebalances(const connection& c,
                                        const rebalance_target& t) const {
  if (c.at != phase::live || c.node != t.from || t.to >= nodes.entries.size())
    return false;
  auto status = nodes.status();
  const auto& from = status[t.from];
  const auto& to = status[t.to];
  auto weights = rebalance_weights();
  auto weight = [&](const std::string& id) -> uint64_t {
    auto w = weights.find(id);
    return w == weights.end() ? 1 : w->second;
  };
  // Still worth it: the giver stays at least as loaded as the taker.
  auto cap = cfg.max_sessions_per_node;
  return from.state == "active" && to.state == "active" && from.sessions > 0
      && (cap == 0 || to.sessions < cap)
      && (from.sessions - 1) * weight(to.node_id)
           >= (uint64_t{to.sessions} + 1) * weight(from.node_id);
}

bool cluster_balancer_state::moves_off(const connection& c) const {
  // Not if gone, moving already, or the node was restored; and not when
  // there is nowhere to go: it stays.
  return c.at == phase::live && c.node && nodes.entries[*c.node].draining
      && pick_node();
}

// -- the behaviour ------------------------------------------------------------

namespace {

using self_ptr
  = cluster_balancer_actor::stateful_pointer<cluster_balancer_state>;

/// Answers a connection's admission with an error and forgets it.
void refuse(self_ptr self, uint64_t conn, errc code, const std::string& why) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return;
  if (code == errc::unavailable)
    self->state.not_the_devices_doing(c->terminal_id);
  auto resp = api::error_response(code, why);
  c->link->admitted(resp.status, std::move(resp.body));
  st.erase(conn);
}

/// The manager's answer to an admission: the terminal's cluster, its
/// capped tiers, and whether a cap refuses it (then it is upgraded and
/// closed 1013 at once, with the cap and a retry hint).
void admitted(self_ptr self, uint64_t conn, const std::string& terminal,
              admission& a) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return;
  const auto& cluster = a.cluster_id;
  st.figures.admission(
    c->arrived, std::chrono::steady_clock::now(),
    cluster == st.cfg.cluster_id && a.refused.empty() ? "admitted" : "refused");
  c->admitted(std::move(a.tiers), std::move(a.refused));
  if (cluster != st.cfg.cluster_id)
    return refuse(self, conn, errc::conflict,
                  "terminal " + terminal + " is assigned to cluster " + cluster
                    + ", not " + st.cfg.cluster_id
                    + "; fetch its destination again");
  // Fail closed: until the control's revocation list was read once (at
  // start), a revoked terminal's old token would pass the token check.
  if (st.cfg.tokens && st.revocations_known == 0)
    return refuse(self, conn, errc::unavailable,
                  "the balancer is starting (revocations not read yet); "
                  "retry later");
  c->service_key = services::new_connection_key();
  c->declared(std::move(a.services));
  c->at = conn_phase::upgrading;
  c->link->admitted(0, {});
}

/// The admission's latency of a connection the manager did not admit:
/// "refused" when it answered (unknown terminal), "failed" when it did not.
void admission_failed(self_ptr self, uint64_t conn, errc code) {
  auto& st = self->state;
  if (const auto* c = st.conns.find(conn))
    st.figures.admission(c->arrived, std::chrono::steady_clock::now(),
                         code == errc::not_found ? "refused" : "failed");
}

void admit(self_ptr self, uint64_t conn, const std::string& terminal,
           ws_link_ptr& link) {
  auto& st = self->state;
  connection c;
  c.terminal_id = terminal;
  c.link = link;
  // A connection id is admitted once (ids come from one process-wide
  // counter): an entry must keep its terminal id while the by-terminal
  // index holds it, so a second admission of a live id is refused.
  if (!st.conns.by_id.try_emplace(conn, std::move(c)).second) {
    logger("balancer")
      ->error("{}: connection {} admitted twice; refused", st.cfg.balancer_id,
              conn);
    auto resp = api::error_response(errc::internal, "duplicate connection id");
    link->admitted(resp.status, std::move(resp.body));
    return;
  }
  bool holds = st.conns.of_terminal(terminal) != nullptr;
  timed_request(self, st.deadlines, st.manager, admit_atom::value, terminal,
                holds)
    .then([self, conn,
           terminal](admission& a) { admitted(self, conn, terminal, a); },
          [self, conn](caf::error& err) {
            auto v = view(err);
            admission_failed(self, conn, v.code);
            refuse(self, conn, v.code, v.message);
          });
}

/// The node started the session of `conn`: hand it what came early.
void session_started(self_ptr self, uint64_t conn,
                     terminal_session_actor& session) {
  auto* c = self->state.conns.find(conn);
  if (c == nullptr) {
    // The socket closed while the session was starting.
    self->send(session, closed_atom::value, std::string{"connection closed"});
    return;
  }
  c->session = session;
  c->at = conn_phase::live;
  if (!std::exchange(c->connected, true))
    self->state.figures.connected(c->arrived, std::chrono::steady_clock::now());
  self->monitor(session);
  self->state.conns.sessions.started(session.address(), conn);
  if (auto early = std::move(c->early)) {
    for (auto& text : early->frames)
      self->send(session, frame_atom::value, std::move(text));
    for (auto& job : early->jobs)
      self->send(session, deliver_atom::value, std::move(job));
  }
}

/// Closes a connection whose session did not start.
void close_unstarted(self_ptr self, uint64_t conn) {
  auto& st = self->state;
  if (auto* c = st.conns.find(conn)) {
    c->closing = disconnect_reason::session_failed;
    if (!c->connected) // no node could start it: not the device's doing
      st.not_the_devices_doing(c->terminal_id);
  }
  if (auto c = st.erase(conn))
    c->link->close(close_code::internal_error, "could not start a session");
}

void spawn_failed(self_ptr self, uint64_t conn, const caf::error& err) {
  logger("balancer")
    ->warn("{}: node did not start a session: {}", self->state.cfg.balancer_id,
           caf::to_string(err));
  close_unstarted(self, conn);
}

/// Places the session of a connection on node `on` if it is active, else
/// on the best node, as starting; the node (nothing: none, the device was
/// closed 1013).
std::optional<size_t> place_session(self_ptr self, uint64_t conn, bool moved,
                                    std::optional<size_t> on) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return std::nullopt;
  st.place(*c, std::nullopt);
  auto node
    = on && st.nodes.status()[*on].state == "active" ? on : st.pick_node();
  if (!node) {
    logger("balancer")
      ->warn("{}: no live node for terminal {}", st.cfg.balancer_id,
             c->terminal_id);
    c->link->close(close_code::try_again, st.no_node_reason());
    if (!c->connected) // a new connect, not one whose node went away
      st.not_the_devices_doing(c->terminal_id);
    c->closing = disconnect_reason::no_node;
    st.erase(conn);
    return std::nullopt;
  }
  c->at = conn_phase::spawning;
  if (moved)
    c->early_buffer().after_move();
  st.place(*c, node);
  return node;
}

/// What a node needs to start the session of connection `conn`.
session_spec spec_of(self_ptr self, uint64_t conn, const connection& c,
                     bool moved) {
  auto& st = self->state;
  return {c.terminal_id,
          st.cfg.cluster_id,
          conn,
          caf::actor_cast<cluster_balancer_actor>(self),
          st.cfg.keepalive_ms,
          st.cfg.keepalive_misses,
          st.cfg.redelivery_ms,
          c.link ? c.link->remote_address() : std::string{},
          moved,
          st.next_generation(now_ms()),
          st.connection_id(conn),
          c.service_key,
          c.service_names()};
}

/// Starts (or restarts) the session of a connection on the best node;
/// the node it chose (nothing: none, the device was closed).
std::optional<size_t> spawn_session(self_ptr self, uint64_t conn,
                                    bool moved = false,
                                    std::optional<size_t> on = std::nullopt) {
  auto node = place_session(self, conn, moved, on);
  if (!node)
    return node;
  auto& st = self->state;
  const auto& handle = st.nodes[*node].handle;
  // A node of this process answers at once (no deadline, as timeout_to.hpp);
  // one in another process has the balancer's own (request_deadlines.hpp).
  timed_request_to(self, st.deadlines, handle, spawn_atom::value,
                   spec_of(self, conn, *st.conns.find(conn), moved))
    .then(
      [self, conn](terminal_session_actor& session) {
        session_started(self, conn, session);
      },
      [self, conn](caf::error& err) { spawn_failed(self, conn, err); });
  return node;
}

/// Re-homing: places the session of a connection whose node went away now
/// and starts it with the others of the burst (rehome_batch.hpp): the first
/// one sends the flush, which arrives behind the down messages queued.
std::optional<size_t> respawn_later(self_ptr self, uint64_t conn) {
  auto node = place_session(self, conn, true, std::nullopt);
  if (node && self->state.restarts.add(*node, conn))
    self->send(self, spawn_atom::value);
  return node;
}

/// True if connection `c` still waits for its session on `node` (it may
/// have closed since it was gathered).
bool waits_on(const connection* c, size_t node) {
  return c != nullptr && c->at == conn_phase::spawning && c->node == node
      && !c->session;
}

/// A batch asked of a node: its connections, and the `hello` the balancer
/// greets each device with once its session exists (session_spec::batched).
struct batch_sent {
  std::vector<uint64_t> conns;
  std::vector<std::string> hellos;
};

/// The specs of a batch's connections still waiting for a session on
/// `node` (batched: their sessions neither greet nor announce themselves),
/// those connections and their greetings.
std::pair<std::vector<session_spec>, batch_sent>
batch_specs(self_ptr self, size_t node, const std::vector<uint64_t>& conns) {
  std::pair<std::vector<session_spec>, batch_sent> out;
  const auto& node_id = self->state.nodes[node].node_id;
  for (auto conn : conns) {
    auto* c = self->state.conns.find(conn);
    if (!waits_on(c, node))
      continue;
    auto spec = spec_of(self, conn, *c, true);
    spec.batched = true;
    c->early_buffer().await_greeting();
    out.second.hellos.push_back(greeting(spec, node_id));
    out.first.push_back(std::move(spec));
    out.second.conns.push_back(conn);
  }
  return out;
}

/// Greets a device whose session a batch started: `hello` first, then what
/// the session sent it meanwhile.
void greet(connection& c, std::string& hello) {
  c.link->send_text(std::move(hello));
  if (c.early)
    for (auto& text : c.early->greeted())
      c.link->send_text(std::move(text));
}

/// The answer to a batch from `node`: one session per connection, in
/// order. A connection still waiting is greeted and served by its session;
/// one placed elsewhere meanwhile (its node was taken as failed) ends that
/// session as moved; one left without a session is closed.
void batch_started(self_ptr self, size_t node, batch_sent& sent,
                   std::vector<terminal_session_actor>& sessions) {
  for (size_t i = 0; i < sent.conns.size(); ++i) {
    auto conn = sent.conns[i];
    auto* c = self->state.conns.find(conn);
    bool started = i < sessions.size() && sessions[i];
    if (c != nullptr && !waits_on(c, node)) {
      if (started)
        self->send(sessions[i], closed_atom::value,
                   std::string{session_moved_reason});
      continue;
    }
    if (!started) {
      close_unstarted(self, conn);
      continue;
    }
    if (c != nullptr)
      greet(*c, sent.hellos[i]);
    session_started(self, conn, sessions[i]); // ends it if c is gone
  }
}

int64_t clock_ms(self_ptr self);

/// The node(s) of actor `source` failed: no new sessions go there, and the
/// connections of the re-homing batches asked of it and not answered are
/// placed again at once (a killed process's requests are never answered,
/// only timed out; its answer, should it still come, is ignored for them).
void node_failed(self_ptr self, const caf::actor_addr& source,
                 const caf::error& why) {
  auto& st = self->state;
  auto failed = st.nodes.fail(source);
  for (const auto& node : failed) {
    logger("balancer")
      ->warn("{}: node {} is down: {}", st.cfg.balancer_id, node,
             caf::to_string(why));
    st.rehomes.node_down(node, clock_ms(self));
  }
  if (failed.empty())
    return;
  std::vector<uint64_t> waiting;
  for (auto& [conn, c] : st.conns.by_id)
    if (c.at == conn_phase::spawning && !c.session && c.node
        && st.nodes[*c.node].failed && c.early && c.early->awaits_greeting())
      waiting.push_back(conn);
  for (auto conn : waiting)
    respawn_later(self, conn);
}

/// The node of a batch went down (before or after it was asked): its
/// connections still waiting start again on another node, gathered anew
/// (closed 1013 as today when no node is left).
void replace_batch(self_ptr self, size_t node,
                   const std::vector<uint64_t>& conns) {
  for (auto conn : conns)
    if (waits_on(self->state.conns.find(conn), node))
      respawn_later(self, conn);
}

/// A batch was not answered: retried on another node if its node is down
/// meanwhile (or ended before it read the request: that answer comes ahead
/// of its down message), else its devices are closed as for one session
/// (1011).
void batch_failed(self_ptr self, size_t node, const std::vector<uint64_t>& sent,
                  const caf::error& err) {
  auto& st = self->state;
  logger("balancer")
    ->warn("{}: node {} did not start {} sessions: {}", st.cfg.balancer_id,
           st.nodes[node].node_id, sent.size(), caf::to_string(err));
  if (err == caf::sec::request_receiver_down)
    node_failed(self, st.nodes[node].handle.address(), err);
  if (st.nodes[node].failed)
    return replace_batch(self, node, sent);
  for (auto conn : sent)
    if (waits_on(st.conns.find(conn), node))
      close_unstarted(self, conn);
}

/// Asks node `node` for the sessions of one batch of connections.
void spawn_batch(self_ptr self, size_t node,
                 const std::vector<uint64_t>& conns) {
  auto& st = self->state;
  if (st.nodes[node].failed)
    return replace_batch(self, node, conns);
  auto batch = batch_specs(self, node, conns);
  if (batch.first.empty())
    return;
  auto sent = std::make_shared<batch_sent>(std::move(batch.second));
  timed_request(self, st.deadlines, st.nodes[node].handle, spawn_atom::value,
                std::move(batch.first))
    .then(
      [self, node, sent](std::vector<terminal_session_actor>& s) {
        batch_started(self, node, *sent, s);
      },
      [self, node, sent](caf::error& err) {
        batch_failed(self, node, sent->conns, err);
      });
}

/// Starts the sessions gathered for re-homing: one spawn request per node
/// and batch instead of one per session.
void spawn_gathered(self_ptr self) {
  for (auto& [node, conns] : self->state.restarts.take())
    spawn_batch(self, node, conns);
}

/// Announces this balancer to the cluster manager (again after the
/// control process restarted); no-op while the manager is unknown.
void join(self_ptr self) {
  auto& st = self->state;
  self->send(st.manager, join_atom::value,
             balancer_info{st.cfg.balancer_id, st.cfg.cluster_id, st.cfg.url,
                           caf::actor_cast<cluster_balancer_actor>(self)});
}

/// The device's socket is open: it replaces the terminal's older
/// connection, and its session starts.
void opened(self_ptr self, uint64_t conn) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return;
  if (!c->refused().empty()) { // a tier cap: the older connection stays
    logger("balancer")
      ->info("{}: {} refused: {}", st.cfg.balancer_id, c->terminal_id,
             c->refused());
    c->link->close(close_code::try_again, c->refused());
    st.erase(conn);
    return;
  }
  auto old = st.conns.take_over(conn);
  if (auto* o = old ? st.conns.find(*old) : nullptr)
    o->closing = disconnect_reason::replaced;
  if (old)
    if (auto prev = st.erase(*old)) {
      audit("terminal.replaced", {{"terminal_id", c->terminal_id},
                                  {"old_source", prev->link->remote_address()},
                                  {"source", c->link->remote_address()},
                                  {"old_connection_id", st.connection_id(*old)},
                                  {"connection_id", st.connection_id(conn)}});
      prev->link->close(close_code::replaced,
                        std::string{close_reason::replaced});
      if (prev->session)
        self->send(prev->session, closed_atom::value,
                   std::string{close_reason::replaced});
    }
  spawn_session(self, conn);
}

void from_device(self_ptr self, uint64_t conn, std::string& text) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return;
  if (c->at == conn_phase::live && c->session)
    self->send(c->session, frame_atom::value, std::move(text));
  else if (!c->early_buffer().keep(text, st.cfg.max_early_frames)) {
    c->closing = disconnect_reason::policy;
    c->link->close(close_code::policy,
                   "too many frames before the session started");
  }
}

void to_device(self_ptr self, uint64_t conn, std::string& text) {
  if (auto* c = self->state.conns.find(conn)) {
    if (c->at != conn_phase::live) {
      auto& early = c->early_buffer();
      early.sent_to_device(); // may get an ack and a result
      if (early.hold_for_device(text))
        return; // behind the balancer's greeting (a batch's session)
    }
    c->link->send_text(std::move(text));
  }
}

bool deliver(self_ptr self, const job_record& job) {
  auto& st = self->state;
  auto* c = st.conns.of_terminal(job.terminal_id);
  if (c == nullptr)
    return false;
  // The session is starting: hand the job over once it exists.
  if (c->at == conn_phase::spawning
      && c->early_buffer().keep(job, st.cfg.max_early_frames))
    return true;
  if (c->at != conn_phase::live || !c->session)
    return false;
  self->send(c->session, deliver_atom::value, job);
  return true;
}

/// Asks the control for the revocation list when it changed; closes the
/// connections of terminals revoked since.
void poll_revocations(self_ptr self) {
  auto& st = self->state;
  if (!st.cfg.tokens || !st.cfg.control)
    return;
  self
    ->request(st.cfg.control, st.cfg.request_timeout, get_atom::value,
              revoke_atom::value, st.revocations_known)
    .then(
      [self](revocation_list& list) {
        for (const auto& id : self->state.take_revocations(list))
          if (auto* c = self->state.conns.of_terminal(id)) {
            logger("balancer")
              ->info("{}: {} revoked: connection closed",
                     self->state.cfg.balancer_id, id);
            c->closing = disconnect_reason::revoked;
            c->link->close(close_code::revoked,
                           std::string{close_reason::revoked});
          }
      },
      [](caf::error&) {}); // asked again after status_period
}

void on_peers(self_ptr self, peer_directory& dir) {
  auto& st = self->state;
  auto log = logger("balancer");
  // Every directory comes from a new connection: take its handles even
  // when they equal the old ones (a process that was frozen and is back
  // has the same actor ids, but the old proxies are dead).
  if (dir.control) {
    st.cfg.control = dir.control;
    poll_revocations(self);
  }
  if (dir.manager) {
    st.manager = dir.manager;
    self->monitor(st.manager);
    log->info("{}: cluster manager reachable (process {})", st.cfg.balancer_id,
              dir.process);
    join(self);
  }
  for (auto i : st.nodes.reach(dir.nodes)) {
    self->monitor(st.nodes[i].handle);
    log->info("{}: node {} reachable (process {})", st.cfg.balancer_id,
              st.nodes[i].node_id, dir.process);
  }
}

/// An operator's node state: a node that starts draining has its sessions
/// moved to the other nodes, one every 1/drain_per_s seconds.
void set_node_state(self_ptr self, const std::string& node,
                    const std::string& state) {
  auto& st = self->state;
  auto drains = st.nodes.set_state(node, state);
  if (!drains)
    return;
  auto moves = st.drain_moves(*drains);
  for (const auto& [conn, after] : moves)
    self->delayed_send(self, after, tick_atom::value, conn);
  if (!moves.empty())
    logger("balancer")
      ->info("{}: node {} drains: moving {} sessions at {}/s",
             st.cfg.balancer_id, node, moves.size(), st.cfg.drain_per_s);
}

/// The session of `conn` stays (busy, or the move failed): what arrived
/// meanwhile goes to it.
void resume(self_ptr self, uint64_t conn) {
  auto* c = self->state.conns.find(conn);
  if (c == nullptr)
    return;
  c->at = conn_phase::live;
  if (auto early = std::move(c->early)) {
    for (auto& text : early->frames)
      self->send(c->session, frame_atom::value, std::move(text));
    for (auto& job : early->jobs)
      self->send(c->session, deliver_atom::value, std::move(job));
  }
}

/// Rebalancing: asks the session whether it is idle (then it ends and
/// starts again on node `t.to`); meanwhile the connection holds what
/// arrives, as while a session starts.
void rebalance_one(self_ptr self, uint64_t conn, rebalance_target t) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr || !st.rebalances(*c, t))
    return;
  c->at = conn_phase::spawning;
  auto session = c->session;
  self->request(session, st.cfg.request_timeout, move_atom::value)
    .then(
      [self, conn, t, session](bool idle) {
        auto* c = self->state.conns.find(conn);
        if (c == nullptr || c->session != session)
          return;
        if (!idle) {
          self->state.rebalancing.busy(conn);
          return resume(self, conn);
        }
        c->session = nullptr;
        self->state.figures.moved(move_reason::rebalanced);
        spawn_session(self, conn, true, t.to);
      },
      [self, conn, session](caf::error&) {
        // Gone or not answering: it ends, and a new session starts.
        auto* c = self->state.conns.find(conn);
        if (c == nullptr || c->session != session)
          return;
        self->send(session, closed_atom::value,
                   std::string{session_moved_reason});
        c->session = nullptr;
        spawn_session(self, conn, true);
      });
}

/// The actor system's clock in Unix-like ms (the test coordinator's in
/// actor tests).
int64_t clock_ms(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

/// Plans a rebalancing round (node_pool_rebalance::plan): one timer per
/// connection to move, at its slot.
void rebalance(self_ptr self) {
  auto& st = self->state;
  // The actor system's clock (the test coordinator's in actor tests).
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
               self->clock().now().time_since_epoch())
               .count();
  auto moves
    = st.rebalancing.plan(st.nodes, st.conns, st.rebalance_weights(), now);
  for (const auto& [conn, after] : moves)
    self->delayed_send(self, after, tick_atom::value, conn);
  if (!moves.empty())
    logger("balancer")
      ->info("{}: rebalancing: moving {} idle sessions at {}/s",
             st.cfg.balancer_id, moves.size(), st.cfg.drain_per_s);
}

/// Moves the session of `conn` off its draining node now, busy or not.
void drain_now(self_ptr self, uint64_t conn) {
  auto& st = self->state;
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return;
  st.waiting.forget(conn);
  auto old = std::move(c->session);
  c->session = nullptr;
  // The old session ends normally (no restart from the down handler)
  // and the control keeps the new one (it compares session handles).
  self->send(old, closed_atom::value, std::string{session_moved_reason});
  st.figures.moved(move_reason::drained);
  spawn_session(self, conn, true);
}

/// The session of `conn` on a draining node answered busy (a job sent and
/// not acknowledged): it stays and is asked again, until its wait is over.
void drain_later(self_ptr self, uint64_t conn) {
  auto& st = self->state;
  resume(self, conn);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
               self->clock().now().time_since_epoch())
               .count();
  auto since = st.waiting.since(conn).value_or(now);
  if (auto after = st.waiting.busy(conn, now)) {
    self->delayed_send(self, *after, tick_atom::value, conn);
    return;
  }
  logger("balancer")
    ->info("{}: connection {} moves off its draining node with a job still "
           "open after {} ms ([drain] job_wait)",
           st.cfg.balancer_id, conn, now - since);
  drain_now(self, conn);
}

/// Moves one session off a draining node: asks it first (when [drain]
/// job_wait is on); an idle one ends and starts again on another node, a
/// busy one stays until it is idle or its wait is over. Meanwhile the
/// connection keeps what arrives, as while a session starts.
void drain_one(self_ptr self, uint64_t conn) {
  auto& st = self->state;
  if (!st.waiting.enabled())
    return drain_now(self, conn);
  auto* c = st.conns.find(conn);
  c->at = conn_phase::spawning;
  auto session = c->session;
  self->request(session, st.cfg.request_timeout, move_atom::value)
    .then(
      [self, conn, session](bool idle) {
        auto& st = self->state;
        auto* c = st.conns.find(conn);
        if (c == nullptr || c->session != session)
          return;
        if (!idle)
          return drain_later(self, conn);
        st.waiting.forget(conn);
        c->session = nullptr;
        st.figures.moved(move_reason::drained);
        spawn_session(self, conn, true);
      },
      [self, conn, session](caf::error&) {
        // Gone or not answering: it ends, and a new session starts.
        auto* c = self->state.conns.find(conn);
        if (c == nullptr || c->session != session)
          return;
        drain_now(self, conn);
      });
}

/// Moves one session off a draining node, or one planned by rebalancing.
void move_off(self_ptr self, uint64_t conn) {
  auto& st = self->state;
  auto target = st.rebalancing.take(conn);
  auto* c = st.conns.find(conn);
  if (c == nullptr)
    return;
  if (!st.moves_off(*c)) {
    st.waiting.forget(conn);
    if (target)
      rebalance_one(self, conn, *target);
    return;
  }
  drain_one(self, conn);
}

void reassign(self_ptr self, const std::string& terminal, uint32_t after_ms) {
  if (auto* c = self->state.conns.of_terminal(terminal)) {
    c->link->send_text(frames::reassign(after_ms));
    // The device closes on its own now: moved, not closed_by_device.
    if (c->closing == nullptr)
      c->closing = disconnect_reason::reassigned;
  }
}

/// Asks the live nodes for their reports, again after status_period; logs
/// where the sessions of nodes that went down were re-homed, once none
/// came for a status_period.
void refresh(self_ptr self) {
  auto& st = self->state;
  poll_revocations(self);
  for (const auto& line :
       st.rehomes.take_settled(clock_ms(self), st.cfg.status_period.count()))
    logger("balancer")->info("{}: {}", st.cfg.balancer_id, line);
  auto asked = st.nodes.to_ask();
  std::vector<node_actor> handles;
  for (auto i : asked)
    handles.push_back(st.nodes[i].handle);
  fan_out<node_status>(
    self, handles, st.cfg.request_timeout,
    [self, asked](std::vector<std::optional<node_status>> results) {
      self->state.nodes.take_reports(asked, results);
      rebalance(self);
      self->delayed_send(self, self->state.cfg.status_period, tick_atom::value);
    },
    status_atom::value);
}

/// A session asks to close its device's socket (keepalive lost, policy).
/// Only the connection's current session may: a stale one (its node was
/// frozen, taken as failed and the session started again elsewhere; or
/// moved) that wakes up and finds its pings unanswered must not close the
/// socket its successor now serves.
void close_from_session(self_ptr self, uint64_t conn, uint16_t code,
                        std::string& reason) {
  auto* c = self->state.conns.find(conn);
  if (c == nullptr)
    return;
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (!c->session || c->session.address() != sender) {
    logger("balancer")
      ->info("{}: ignored a close ({} {}) from a stale session of {}",
             self->state.cfg.balancer_id, code, reason, c->terminal_id);
    return;
  }
  c->session = nullptr; // it has ended itself
  c->closing = disconnect_reason::of_close_code(code);
  c->link->close(code, std::move(reason));
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto log = logger("balancer");
  if (st.manager && st.manager.address() == dm.source) {
    // The control process is gone: admissions answer 503 at once until
    // the peers actor hands over the new manager.
    log->warn("{}: cluster manager is gone: {}", st.cfg.balancer_id,
              caf::to_string(dm.reason));
    st.manager = nullptr;
    return;
  }
  auto now = clock_ms(self);
  node_failed(self, dm.source, dm.reason);
  auto conn = st.conns.of_session(dm.source);
  st.conns.sessions.ended(dm.source); // its one down message
  if (dm.reason == caf::exit_reason::normal)
    return;
  // A session died abnormally (its node went away): start it again on
  // another node, keeping the device's socket open; tallied per old node
  // (rehome_tally: one log line per node, from refresh()).
  if (conn) {
    auto* c = st.conns.find(*conn);
    c->session = nullptr;
    auto from = c->node ? st.nodes[*c->node].node_id : std::string{"?"};
    st.figures.moved(move_reason::node_down);
    auto to = respawn_later(self, *conn);
    st.rehomes.rehomed(from, to ? st.nodes[*to].node_id : std::string{}, now);
  }
}

/// A graceful stop (the deployment's exit message, net/ordered_stop.hpp):
/// every device is told the server goes away (1001) and every session ends
/// with close_reason::shutdown, so the control records each disconnect
/// before it stops in turn.
void shut_down(self_ptr self, const caf::exit_msg& em) {
  if (!em.reason)
    return; // a linked actor ended normally: as CAF's default handler
  std::string why{close_reason::shutdown};
  auto refusal = api::error_response(errc::unavailable, why);
  for (auto& [id, c] : self->state.conns.by_id) {
    if (c.link && c.at == conn_phase::admitting) // no upgrade yet: a 503
      c.link->admitted(refusal.status, refusal.body);
    else if (c.link)
      c.link->close(close_code::going_away, why);
    if (c.session)
      self->send(c.session, closed_atom::value, why);
  }
  self->quit(em.reason);
}

} // namespace

cluster_balancer_actor::behavior_type
cluster_balancer(self_ptr self, balancer_settings cfg,
                 cluster_manager_actor manager,
                 std::vector<std::pair<std::string, node_actor>> nodes) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.conn_prefix = st.cfg.balancer_id + "-" + base36(now_ms()) + "-";
  st.rebalancing = node_pool_rebalance{st.cfg.rebalance, st.cfg.drain_per_s};
  st.waiting = drain_waits{st.cfg.drain_job_wait};
  st.manager = std::move(manager);
  st.deadlines = request_deadlines{st.cfg.request_timeout};
  for (auto& [id, handle] : nodes) {
    if (handle)
      self->monitor(handle);
    st.nodes.add(id, handle);
  }
  st.nodes.set_capacities(st.cfg.node_capacity);
  st.nodes.set_weights(st.cfg.node_weights);
  self->set_down_handler(
    [self](const caf::down_msg& dm) { on_down(self, dm); });
  self->set_exit_handler(
    [self](const caf::exit_msg& em) { shut_down(self, em); });
  join(self);
  self->send(self, tick_atom::value);
  return {
    [self](admit_atom, uint64_t conn, const std::string& terminal,
           ws_link_ptr& link) { admit(self, conn, terminal, link); },
    [self](open_atom, uint64_t conn) { opened(self, conn); },
    [self](frame_atom, uint64_t conn, std::string& text) {
      from_device(self, conn, text);
    },
    [self](closed_atom, uint64_t conn) {
      if (auto c = self->state.erase(conn); c && c->session)
        self->send(c->session, closed_atom::value,
                   std::string{"connection closed"});
    },
    [self](to_dev_atom, uint64_t conn, std::string& text) {
      to_device(self, conn, text);
    },
    [self](close_atom, uint64_t conn, uint16_t code, std::string& reason) {
      close_from_session(self, conn, code, reason);
    },
    [self](deliver_atom, const job_record& job) { return deliver(self, job); },
    [self](deliver_atom, const std::vector<job_record>& jobs) {
      std::string out; // one character per job (bulk_deliver.hpp)
      out.reserve(jobs.size());
      for (const auto& job : jobs)
        out.push_back(deliver(self, job) ? '1' : '0');
      return out;
    },
    [self](status_atom) { return self->state.status(); },
    [self](get_atom, metrics_atom) { return self->state.metrics(); },
    [self](peer_atom, peer_directory& dir) { on_peers(self, dir); },
    [self](put_atom, node_atom, const std::string& node,
           const std::string& state) { set_node_state(self, node, state); },
    [self](put_atom, node_atom, const std::string& node, uint32_t capacity,
           uint32_t weight) { self->state.tune(node, capacity, weight); },
    [self](tick_atom, uint64_t conn) { move_off(self, conn); },
    [self](spawn_atom) { spawn_gathered(self); },
    [self](reassign_atom, const std::string& terminal, uint32_t after_ms) {
      reassign(self, terminal, after_ms);
    },
    [self](tick_atom) { refresh(self); },
    [self](deadline_atom) { sweep_deadlines(self, self->state.deadlines); },
    [self](status_atom, const node_status& report) {
      self->state.nodes.take_report(report);
    },
  };
}

} // namespace tether
