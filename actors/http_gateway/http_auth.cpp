// The gateway's side of the API keys (docs/API.md "Keys"): the check in
// front of every route, the cache refresh, the key routes, and the audit
// lines of refused credentials and admin changes.
#include <caf/send.hpp>

#include "actors/http_gateway/http_routes.hpp"
#include "actors/system/audit.hpp"
#include "actors/system/log.hpp"
#include "net/limits/retry_after.hpp"

namespace tether {

namespace {

/// Counts nothing; writes one audit line with the answer's status, then
/// passes the answer on (admin changes).
class audit_responder : public http_responder {
public:
  audit_responder(http_responder_ptr inner, audit_fields fields)
      : inner_(std::move(inner)), fields_(std::move(fields)) {}
  void respond(http_response r) override {
    fields_.emplace_back("status", std::to_string(r.status));
    audit("admin.change", fields_);
    inner_->respond(std::move(r));
  }

private:
  http_responder_ptr inner_;
  audit_fields fields_;
};

bool is_admin_change(api::route::kind_t k) {
  using api::route;
  return k == route::admin_cluster || k == route::label_config_put
      || k == route::admin_node || k == route::reallocate
      || k == route::terminal_revoke || k == route::job_cancel
      || k == route::terminal_retire || k == route::admin_class_delete;
}

std::string path_of(const http_request& req) {
  return req.target.substr(0, std::min<size_t>(req.target.find('?'), 200));
}

std::string caller_id(const http_gateway_state& st, const http_request& req) {
  const auto* k = st.keys.find(req.authorization);
  return k != nullptr ? k->key_id : std::string{};
}

/// Whether a key not in the cache may wait for a refresh: the cache was
/// never loaded, a refresh is under way, or the last one started at least a
/// second ago (so unknown keys cannot make the gateway ask per request).
bool may_wait(const http_gateway_state& st, int64_t now) {
  return st.control
      && (!st.keys.loaded() || st.keys_refreshing
          || now - st.keys_asked_at_ms >= st.cfg.key_wait_min.count())
      && st.parked.size() < 1024;
}

/// Refuses `req` with 401/403 (audited), or 503 while no key list was ever
/// read.
void refuse(gateway_ptr self, const key_check& c, const http_request& req,
            const http_responder_ptr& out) {
  auto& st = self->state;
  if (!c.known && !st.keys.loaded() && api_keys::bearer(req.authorization))
    return st.fail(out, errc::unavailable,
                   "the API keys could not be read yet (the control plane "
                   "does not answer)");
  ++st.answers
      ->auth_refusals[c.refused == errc::forbidden          ? "missing_scope"
                      : api_keys::bearer(req.authorization) ? "unknown_key"
                                                            : "no_key"];
  audit(c.refused == errc::forbidden ? "auth.forbidden" : "auth.unauthorized",
        {{"key_id", c.key_id},
         {"source", req.peer},
         {"method", req.method},
         {"path", path_of(req)}});
  st.fail(out, c.refused, c.reason);
}

/// True when `req` may be served on route `r`; otherwise it was answered
/// or parked.
bool admitted(gateway_ptr self, const api::route& r, http_request& req,
              once_responder_ptr& out, bool may_refresh) {
  auto& st = self->state;
  auto need = access_of(r.kind);
  if (!st.cfg.api_keys)
    return true;
  bool unknown = api_keys::bearer(req.authorization)
              && st.keys.find(req.authorization) == nullptr;
  if (need.open && !(r.kind == api::route::healthz && unknown))
    return true;
  key_check c;
  if (need.open)
    c.ok = true;
  else
    c = st.keys.check(req.authorization, need.any_of);
  if (need.open && !(may_refresh && may_wait(st, now_ms())))
    return true; // /healthz with a key not known (yet): the short body
  if (c.ok)
    return true;
  if ((need.open || !c.known) && unknown && may_refresh
      && may_wait(st, now_ms())) {
    st.parked.emplace_back(std::move(req), std::move(out));
    refresh_keys(self);
    return false;
  }
  refuse(self, c, req, out);
  return false;
}

/// Holds a request's place among those waiting for the control until its
/// answer goes out (waiting_room.hpp).
class place_responder : public http_responder {
public:
  place_responder(http_responder_ptr inner, waiting_room::slot place)
      : inner_(std::move(inner)), place_(std::move(place)) {}
  void respond(http_response r) override {
    place_.release();
    inner_->respond(std::move(r));
  }

private:
  http_responder_ptr inner_;
  waiting_room::slot place_;
};

/// A device's or service's request takes a place among the requests
/// waiting for the control; none free: 503 now, with a jittered
/// Retry-After, and false.
bool take_place(gateway_ptr self, const api::route& r,
                const once_responder_ptr& out) {
  auto& st = self->state;
  if (!waiting_room::counted(r.kind))
    return true;
  auto place = st.waiting->take();
  if (!place) {
    st.answer(out, api::error_response(
                     errc::unavailable,
                     "busy: " + std::to_string(st.waiting->limit())
                       + " requests are waiting for the control plane at "
                         "this gateway ([limits] http_max_waiting); retry "
                         "after the time in Retry-After",
                     static_cast<uint32_t>(net::jittered_seconds(
                       std::chrono::seconds{st.cfg.retry_after_s}))));
    return false;
  }
  out->decorate([&](http_responder_ptr inner) {
    return std::make_shared<place_responder>(std::move(inner),
                                             std::move(*place));
  });
  return true;
}

/// The request on route `r`, answered through `out`: its key checked, a
/// place taken, then served (or parked, or refused).
void proceed(gateway_ptr self, const api::route& r, http_request req,
             once_responder_ptr out, bool may_refresh) {
  if (!admitted(self, r, req, out, may_refresh) || !take_place(self, r, out))
    return;
  if (is_admin_change(r.kind))
    out->decorate([&](http_responder_ptr inner) {
      return std::make_shared<audit_responder>(
        std::move(inner), audit_fields{{"key_id", caller_id(self->state, req)},
                                       {"source", req.peer},
                                       {"method", req.method},
                                       {"path", path_of(req)}});
    });
  self->state.track(out, r);
  serve(self, r, req, out);
}

void refreshed(gateway_ptr self) {
  auto& st = self->state;
  st.keys_refreshing = false;
  auto waiting = std::move(st.parked);
  st.parked.clear();
  for (auto& [req, out] : waiting) {
    auto r = api::match(req.method, req.target);
    proceed(self, r, std::move(req), std::move(out), false);
  }
}

} // namespace

void on_request(gateway_ptr self, http_request req, http_responder_ptr raw) {
  auto r = api::match(req.method, req.target);
  auto out = self->state.arrived(std::move(raw), r);
  proceed(self, r, std::move(req), std::move(out), true);
}

void refresh_keys(gateway_ptr self) {
  auto& st = self->state;
  if (st.keys_refreshing || !st.control)
    return;
  st.keys_refreshing = true;
  st.keys_asked_at_ms = now_ms();
  request_control(self, get_atom::value, key_atom::value)
    .then(
      [self](std::vector<api_key_record>& ks) {
        self->state.keys.replace(std::move(ks), now_ms());
        refreshed(self);
      },
      [self](caf::error& err) {
        logger("gateway")->warn("cannot read the API keys: {}",
                                caf::to_string(err));
        refreshed(self);
      });
}

void get_keys(gateway_ptr self, const api::route&, const http_request&,
              const http_responder_ptr& out) {
  auto listed = [](std::vector<api_key_record>& ks) {
    return api::json_response(200, encode_keys(ks));
  };
  ask<std::vector<api_key_record>>(self, out, listed, get_atom::value,
                                   key_atom::value);
}

void post_key(gateway_ptr self, const api::route&, const http_request& req,
              const http_responder_ptr& out) {
  api_key_record k;
  if (auto problem = decode_key_request(req.body, k.name, k.scopes);
      !problem.empty())
    return self->state.fail(out, errc::bad_request, problem);
  auto key = new_api_key();
  k.key_id = new_key_id();
  k.hash = hash_key(key);
  k.created_at_ms = now_ms();
  audit_fields fields{{"key_id", caller_id(self->state, req)},
                      {"source", req.peer},
                      {"new_key_id", k.key_id},
                      {"name", k.name}};
  request_control(self, put_atom::value, k)
    .then(
      [self, out, k, key, fields](ok_atom) {
        self->state.keys.add(k);
        audit("key.created", fields);
        self->state.answer(out, api::json_response(201, encode_key(k, key)));
      },
      on_error(self, out));
}

void delete_key(gateway_ptr self, const api::route& r, const http_request& req,
                const http_responder_ptr& out) {
  if (r.id == "admin")
    return self->state.fail(
      out, errc::conflict,
      "key admin is the bootstrap key of DATA/secrets/admin-key: replace "
      "that file (or remove it) and restart the control process to rotate "
      "it");
  audit_fields fields{{"key_id", caller_id(self->state, req)},
                      {"source", req.peer},
                      {"revoked_key_id", r.id}};
  request_control(self, revoke_atom::value, r.id)
    .then(
      [self, out, id = r.id, fields](ok_atom) {
        self->state.keys.remove(id);
        audit("key.revoked", fields);
        self->state.answer(out,
                           api::json_response(200, "{\"key_id\":\"" + id
                                                     + "\",\"revoked\":true}"));
      },
      on_error(self, out));
}

} // namespace tether
