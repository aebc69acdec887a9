#include "actors/http_gateway/http_gateway.hpp"

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/http_gateway/http_admin.hpp"
#include "actors/policy/api.hpp"
#include "actors/system/log.hpp"

namespace tether {

/// Answers once: the first answer wins (the control went away, or its
/// answer came), later ones are dropped. Used from the gateway actor only.
class once_responder : public http_responder {
public:
  explicit once_responder(http_responder_ptr inner)
      : inner_(std::move(inner)) {}
  bool answered() const { return inner_ == nullptr; }
  void respond(http_response r) override {
    if (auto inner = std::move(inner_))
      inner->respond(std::move(r));
  }

private:
  http_responder_ptr inner_;
};

namespace gateway_reply {

void answer(self_ptr self, const http_responder_ptr& out, http_response r) {
  if (auto* once = dynamic_cast<once_responder*>(out.get());
      once && once->answered())
    return;
  ++self->state.responses[r.status];
  out->respond(std::move(r));
}

void fail(self_ptr self, const http_responder_ptr& out, errc code,
          std::string_view message) {
  answer(self, out,
         api::error_response(code, message, self->state.cfg.retry_after_s));
}

std::function<void(caf::error&)> on_error(self_ptr self,
                                          http_responder_ptr out) {
  return [self, out](caf::error& err) {
    auto v = view(err);
    if (v.code == errc::internal || v.code == errc::unavailable)
      logger("gateway")->warn("request failed: {}", caf::to_string(err));
    fail(self, out, v.code, v.message);
  };
}

} // namespace gateway_reply

namespace {

using namespace gateway_reply;

/// Counts each answer about a terminal in its API history (GC/GD) before
/// passing it on.
class counting_responder : public http_responder {
public:
  counting_responder(http_responder_ptr inner, control_actor control,
                     std::string terminal)
      : inner_(std::move(inner)), control_(std::move(control)),
        terminal_(std::move(terminal)) {}
  void respond(http_response r) override {
    caf::anon_send(control_, api_atom::value, terminal_, r.status >= 400);
    inner_->respond(std::move(r));
  }

private:
  http_responder_ptr inner_;
  control_actor control_;
  std::string terminal_;
};

std::string metrics_text(const http_gateway_state& st,
                         const std::vector<cluster_status>& clusters) {
  std::string out;
  out += "# HELP tether_http_responses_total HTTP responses by status.\n";
  out += "# TYPE tether_http_responses_total counter\n";
  for (const auto& [status, n] : st.responses)
    out += "tether_http_responses_total{status=\"" + std::to_string(status)
         + "\"} " + std::to_string(n) + "\n";
  out += "# TYPE tether_registrations_total counter\n";
  out
    += "tether_registrations_total " + std::to_string(st.registrations) + "\n";
  out += "# TYPE tether_jobs_accepted_total counter\n";
  out
    += "tether_jobs_accepted_total " + std::to_string(st.jobs_accepted) + "\n";
  out += "# TYPE tether_cluster_connections gauge\n";
  for (const auto& c : clusters)
    out += "tether_cluster_connections{cluster=\"" + c.cluster_id + "\"} "
         + std::to_string(c.connections) + "\n";
  out += "# TYPE tether_node_sessions gauge\n";
  for (const auto& c : clusters)
    for (const auto& n : c.nodes)
      out += "tether_node_sessions{cluster=\"" + c.cluster_id + "\",node=\""
           + n.node_id + "\"} " + std::to_string(n.sessions) + "\n";
  // Counted from construction and destruction of the objects themselves, so
  // that anything that keeps finished connections or sessions shows here.
  out += "# HELP tether_ws_connections_live WebSocket connection objects that "
         "exist in the cluster's balancers.\n";
  out += "# TYPE tether_ws_connections_live gauge\n";
  for (const auto& c : clusters)
    out += "tether_ws_connections_live{cluster=\"" + c.cluster_id + "\"} "
         + std::to_string(c.ws_connections) + "\n";
  out += "# HELP tether_session_actors_live Session actors that exist on the "
         "node.\n";
  out += "# TYPE tether_session_actors_live gauge\n";
  for (const auto& c : clusters)
    for (const auto& n : c.nodes)
      out += "tether_session_actors_live{cluster=\"" + c.cluster_id
           + "\",node=\"" + n.node_id + "\"} "
           + std::to_string(n.session_actors) + "\n";
  return out;
}

/// GET /healthz: 200 when the control plane answers, else 503; both list
/// how the peer processes are (when this process has peers).
void healthz(self_ptr self, http_responder_ptr out) {
  auto& st = self->state;
  auto h = std::make_shared<api::health>();
  h->process = st.cfg.process_name;
  h->uptime_s = (now_ms() - st.started_at_ms) / 1000;
  auto ask_control = [self, out, h] {
    self
      ->request(self->state.control, self->state.cfg.request_timeout,
                status_atom::value)
      .then(
        [self, out, h](std::vector<cluster_status>& cs) {
          h->clusters = cs.size();
          answer(self, out, api::json_response(200, api::encode(*h)));
        },
        [self, out, h](caf::error& err) {
          h->status = "unavailable";
          h->problem = view(err).message;
          auto resp = api::json_response(503, api::encode(*h));
          resp.headers.emplace_back(
            "Retry-After", std::to_string(self->state.cfg.retry_after_s));
          answer(self, out, std::move(resp));
        });
  };
  if (!st.peers) {
    ask_control();
    return;
  }
  self
    ->request(st.peers, st.cfg.request_timeout, get_atom::value,
              peer_atom::value)
    .then(
      [h, ask_control](std::vector<peer_status>& ps) {
        h->peers = std::move(ps);
        ask_control();
      },
      [ask_control](caf::error&) { ask_control(); });
}

} // namespace

http_gateway_actor::behavior_type http_gateway(self_ptr self,
                                               http_gateway_settings cfg,
                                               control_actor control,
                                               peers_actor peers) {
  self->state.cfg = std::move(cfg);
  self->state.started_at_ms = now_ms();
  self->state.control = std::move(control);
  self->state.peers = std::move(peers);
  // A control in another process that goes away: forget it, so requests
  // answer 503 at once instead of waiting for a dead proxy to time out.
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.control && self->state.control.address() == dm.source) {
      logger("gateway")->warn("control is gone: {}", caf::to_string(dm.reason));
      self->state.control = nullptr;
      auto waiting = std::move(self->state.in_flight);
      for (auto& w : waiting)
        if (auto out = w.lock(); out && !out->answered())
          fail(self, out, errc::unavailable,
               "the control plane went away while answering (its process "
               "is down)");
    }
  });
  return {
    [self](answered_atom, uint16_t status) { ++self->state.responses[status]; },
    [self](peer_atom, const peer_directory& dir) {
      if (dir.control) {
        logger("gateway")->info("control reachable (process {})", dir.process);
        self->state.control = dir.control;
        self->monitor(dir.control);
      }
    },
    [self](http_request& req, http_responder_ptr& raw) {
      auto& st = self->state;
      auto control = st.control;
      auto timeout = st.cfg.request_timeout;
      auto r = api::match(req.method, req.target);
      if (r.on_terminal())
        raw
          = std::make_shared<counting_responder>(std::move(raw), control, r.id);
      // Outermost, so that an answer after the first one is dropped before
      // it is counted anywhere.
      auto once = std::make_shared<once_responder>(std::move(raw));
      if (st.in_flight.size() >= st.prune_at) {
        std::erase_if(st.in_flight, [](auto& w) { return w.expired(); });
        st.prune_at = std::max<size_t>(64, 2 * st.in_flight.size());
      }
      st.in_flight.emplace_back(once);
      http_responder_ptr out = once;
      auto ok_terminal = [self, out](terminal_status& t) {
        answer(self, out, api::json_response(200, api::encode(t)));
      };
      switch (r.kind) {
      case api::route::attributes: {
        std::map<std::string, std::string> attrs;
        if (auto problem = api::decode_attributes(req.body, attrs);
            !problem.empty())
          return fail(self, out, errc::bad_request, problem);
        self
          ->request(control, timeout, put_atom::value, attrs_atom::value, r.id,
                    std::move(attrs))
          .then(ok_terminal, on_error(self, out));
        return;
      }
      case api::route::user_link:
        self
          ->request(control, timeout, put_atom::value, user_atom::value, r.user,
                    r.id)
          .then(ok_terminal, on_error(self, out));
        return;
      case api::route::register_terminal: {
        terminal_record facts;
        if (auto problem = api::decode_register(req.body, facts);
            !problem.empty())
          return fail(self, out, errc::bad_request, problem);
        self->request(control, timeout, register_atom::value, facts)
          .then(
            [self, out](destination& d) {
              ++self->state.registrations;
              answer(self, out, api::json_response(200, api::encode(d)));
            },
            on_error(self, out));
        return;
      }
      case api::route::destination:
        self->request(control, timeout, dest_atom::value, r.id)
          .then(
            [self, out](destination& d) {
              answer(self, out, api::json_response(200, api::encode(d)));
            },
            on_error(self, out));
        return;
      case api::route::terminal:
        self
          ->request(control, timeout, get_atom::value, terminal_atom::value,
                    r.id)
          .then(
            [self, out](terminal_status& t) {
              answer(self, out, api::json_response(200, api::encode(t)));
            },
            on_error(self, out));
        return;
      case api::route::push_job: {
        job_record job;
        errc code;
        if (auto problem
            = api::decode_job(req.body, st.cfg.max_payload, job, code);
            !problem.empty())
          return fail(self, out, code, problem);
        job.terminal_id = r.id;
        self->request(control, timeout, push_atom::value, job)
          .then(
            [self, out](job_record& j) {
              ++self->state.jobs_accepted;
              answer(self, out,
                     api::json_response(202, api::encode_job_accepted(j)));
            },
            on_error(self, out));
        return;
      }
      case api::route::job:
        self->request(control, timeout, get_atom::value, job_atom::value, r.id)
          .then(
            [self, out](job_record& j) {
              answer(self, out, api::json_response(200, api::encode(j)));
            },
            on_error(self, out));
        return;
      case api::route::admin_clusters:
        self->request(control, timeout, status_atom::value)
          .then(
            [self, out](std::vector<cluster_status>& cs) {
              answer(self, out, api::json_response(200, api::encode(cs)));
            },
            on_error(self, out));
        return;
      case api::route::admin_cluster:
      case api::route::label_config_get:
      case api::route::label_config_put:
      case api::route::admin_node:
      case api::route::reallocate:
        return serve_admin(self, control, r, req, out);
      case api::route::healthz:
        return healthz(self, out);
      case api::route::metrics:
        self->request(control, timeout, status_atom::value)
          .then(
            [self, out](std::vector<cluster_status>& cs) {
              auto resp
                = api::json_response(200, metrics_text(self->state, cs));
              resp.content_type = "text/plain; version=0.0.4";
              answer(self, out, std::move(resp));
            },
            on_error(self, out));
        return;
      case api::route::method_not_allowed: {
        auto resp = api::error_response(
          errc::method_not_allowed,
          "method " + req.method + " is not allowed on "
            + req.target.substr(0, 200) + " (allowed: " + r.allow + ")");
        resp.headers.emplace_back("Allow", r.allow);
        return answer(self, out, std::move(resp));
      }
      case api::route::bad_id:
        return fail(self, out, errc::bad_request,
                    "path id \"" + r.id
                      + "\" must be 1-128 characters from [A-Za-z0-9._:-]");
      case api::route::not_found:
        break;
      }
      fail(self, out, errc::not_found,
           "no such endpoint: " + req.method + " " + req.target.substr(0, 200));
    },
  };
}

} // namespace tether
