// GET /v1/admin/events (docs/API.md "Live events"): server-sent events of
// what the dashboard shows. The gateway keeps the open streams in its
// event_hub; while at least one is open a poller actor reads the clusters,
// the most recent jobs and the quality classes from the control every
// `events_period` and publishes what changed (dashboard_changes). With no
// stream open the poller stops: nothing is read, and nothing is added to
// the job path either way.
#include <boost/json.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/http_gateway/dashboard_changes.hpp"
#include "actors/http_gateway/http_routes.hpp"
#include "actors/system/log.hpp"

namespace tether {

namespace {

/// The most recent jobs read per round.
constexpr uint32_t jobs_per_round = 100;

struct poller_state {
  control_actor control;
  std::shared_ptr<event_hub> hub;
  dashboard_changes changes;
  std::chrono::milliseconds period;
  int pending = 0;          // answers of the last round still awaited
  uint64_t session_seq = 0; // the last session event read (0: none yet)
};

/// The control's session lines ("seq\tkind\tterminal\twhere", or
/// "seq\tnow") as `terminal` events; `seq` moves to the last one read.
std::vector<dashboard_event>
session_changes(const std::vector<std::string>& lines, uint64_t& seq) {
  std::vector<dashboard_event> out;
  for (const auto& line : lines) {
    std::vector<std::string> f;
    size_t at = 0;
    for (size_t tab; (tab = line.find('\t', at)) != std::string::npos;
         at = tab + 1)
      f.push_back(line.substr(at, tab - at));
    f.push_back(line.substr(at));
    seq = std::max<uint64_t>(seq, std::stoull(f[0]));
    if (f.size() < 4)
      continue; // "seq\tnow": where to read from
    bool connect = f[1] == "connect";
    boost::json::object o{{"id", f[2]}, {"change", f[1]}};
    o[connect ? "node" : "reason"] = f[3];
    out.emplace_back("terminal", boost::json::serialize(o));
  }
  return out;
}

void publish(poller_state& st, const std::vector<dashboard_event>& events) {
  for (const auto& [kind, data] : events)
    st.hub->publish(kind, data, now_ms());
}

/// One round: the three views, asked at once; the next round is not asked
/// before these are answered (a slow control gets no pile of requests).
void poll_round(caf::event_based_actor* self,
                const std::shared_ptr<poller_state>& st) {
  if (st->pending > 0)
    return;
  st->pending = 4;
  auto timeout = st->period * 5;
  auto done = [st](caf::error&) {
    --st->pending;
  };
  self->request(st->control, timeout, status_atom::value)
    .then(
      [st](std::vector<cluster_status>& cs) {
        --st->pending;
        publish(*st, st->changes.clusters(cs));
      },
      done);
  self
    ->request(st->control, timeout, get_atom::value, job_atom::value,
              std::string{}, std::string{}, jobs_per_round)
    .then(
      [st](std::vector<job_record>& js) {
        --st->pending;
        publish(*st, st->changes.jobs(js));
      },
      done);
  self
    ->request(st->control, timeout, get_atom::value, label_atom::value,
              uint32_t{0})
    .then(
      [st](std::vector<quality_class>& cs) {
        --st->pending;
        publish(*st, st->changes.classes(cs));
      },
      done);
  self
    ->request(st->control, timeout, get_atom::value, open_atom::value,
              st->session_seq)
    .then(
      [st](std::vector<std::string>& lines) {
        --st->pending;
        publish(*st, session_changes(lines, st->session_seq));
      },
      done);
}

caf::behavior event_poller(caf::event_based_actor* self,
                           std::shared_ptr<poller_state> st) {
  self->send(self, tick_atom::value);
  return {
    // The gateway reached a control again (its process restarted): read
    // from that one, its session events from their start.
    [st](peer_atom, control_actor& control) {
      if (st->control.address() == control.address())
        return;
      st->control = std::move(control);
      st->session_seq = 0;
    },
    [self, st](tick_atom) {
      if (!st->hub->keep_polling(now_ms()))
        return self->quit();
      poll_round(self, st);
      st->hub->keepalive(now_ms());
      self->delayed_send(self, st->period, tick_atom::value);
    },
  };
}

} // namespace

void admin_events(gateway_ptr self, const api::route&, const http_request& req,
                  const http_responder_ptr& out) {
  auto& st = self->state;
  if (!st.control)
    return st.fail(out, errc::unavailable, "the control plane is unreachable");
  auto* once = dynamic_cast<once_responder*>(out.get());
  if (once == nullptr)
    return st.fail(out, errc::internal, "this connection cannot stream");
  if (st.events->size() >= st.cfg.max_event_streams)
    return st.fail(out, errc::unavailable,
                   "too many event streams are open (at most "
                     + std::to_string(st.cfg.max_event_streams)
                     + ", [limits] max_event_streams); retry later");
  auto opener = once->take_stream(200);
  if (!opener)
    return st.fail(out, errc::internal, "this connection cannot stream");
  http_response head;
  head.content_type = "text/event-stream";
  head.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  auto sink = opener->open_stream(head, st.cfg.event_queue);
  // The client's parser sees the stream open before the first event (a
  // HEAD request's stream is closed already: its head only).
  if (!sink->write(": stream open\n\n"))
    return;
  bool start_poller = false;
  if (!st.events->add(sink, now_ms(), start_poller, req.last_event_id))
    return sink->close("event: overflow\ndata: {\"reason\":\"too many event "
                       "streams\"}\n\n"); // lost a race with another one
  // Linked: the gateway's end (user_shutdown) ends the poller too, so that a
  // stream left open does not hold the actor system at shutdown.
  if (start_poller)
    st.events_poller = self->spawn<caf::linked>(
      event_poller, std::make_shared<poller_state>(poller_state{
                      st.control, st.events, {}, st.cfg.events_period, 0}));
}

} // namespace tether
