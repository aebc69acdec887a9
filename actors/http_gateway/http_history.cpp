// Per-call history at the gateway (docs/API.md, "History"): the read route
// GET /v1/terminals/{id}/history, and the reports of the API calls a
// terminal's history records (the control keeps them, control/call_log.hpp).
// Only calls that passed authentication are reported: the API key is
// checked before a route's responder is made, and a device's 401 (proof
// refused) is not reported, so nobody can fill a terminal's history
// without its credentials.
#include "actors/http_gateway/http_routes.hpp"

#include <caf/send.hpp>

#include "actors/policy/history_query.hpp"

namespace tether {

namespace {

/// Reports the status of the answer to one recorded call, then passes the
/// answer on.
class call_recorder : public http_responder {
public:
  call_recorder(http_responder_ptr inner, control_actor control,
                std::string terminal, const char* call, bool failures_only)
      : inner_(std::move(inner)), control_(std::move(control)),
        terminal_(std::move(terminal)), call_(call),
        failures_only_(failures_only) {}
  void respond(http_response r) override {
    bool skip = r.status == 401 || r.status == 403
             || (failures_only_ && r.status < 400);
    if (!skip)
      record_call(control_, terminal_, call_, r.status);
    inner_->respond(std::move(r));
  }

private:
  http_responder_ptr inner_;
  control_actor control_;
  std::string terminal_;
  const char* call_;
  bool failures_only_;
};

/// The name of route `kind` in a terminal's history; nullptr when the
/// route is not recorded there.
const char* call_of(api::route::kind_t kind) {
  using api::route;
  switch (kind) {
  case route::destination:
    return "destination";
  case route::push_job: // an accepted push is the control's job_pushed
    return "push";
  case route::attributes:
    return "attributes";
  case route::user_link:
    return "user";
  default:
    return nullptr;
  }
}

} // namespace

void record_call(const control_actor& control, const std::string& terminal,
                 const char* call, uint16_t status) {
  if (control)
    caf::anon_send(control, history_atom::value, terminal, std::string{call},
                   status);
}

http_responder_ptr record_calls(http_responder_ptr raw,
                                const control_actor& control,
                                const api::route& r) {
  const char* call = call_of(r.kind);
  if (call == nullptr || r.id.empty() || !control)
    return raw;
  return std::make_shared<call_recorder>(std::move(raw), control, r.id, call,
                                         r.kind == api::route::push_job);
}

void get_history(gateway_ptr self, const api::route& r, const http_request& req,
                 const http_responder_ptr& out) {
  api::history_query q;
  if (auto p = api::decode_history_query(req.target, q); !p.empty())
    return self->state.fail(out, errc::bad_request, p);
  auto encode = [id = r.id](const call_page& page) {
    return api::json_response(200, api::encode_history(id, page));
  };
  ask<call_page>(self, out, encode, get_atom::value, history_atom::value, r.id,
                 q.since_ms, q.cursor, q.limit);
}

} // namespace tether
