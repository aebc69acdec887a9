#include "actors/http_gateway/http_admin.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/log.hpp"

namespace tether {

using namespace gateway_reply;

void serve_admin(self_ptr self, const control_actor& control,
                 const api::route& r, const http_request& req,
                 const http_responder_ptr& out) {
  auto timeout = self->state.cfg.request_timeout;
  switch (r.kind) {
  case api::route::admin_cluster: {
    cluster_change ch;
    if (auto problem = api::decode_cluster_change(req.body, ch);
        !problem.empty())
      return fail(self, out, errc::bad_request, problem);
    ch.cluster_id = r.id;
    self->request(control, timeout, put_atom::value, std::move(ch))
      .then(
        [self, out](cluster_status& c) {
          answer(self, out, api::json_response(200, api::encode(c)));
        },
        on_error(self, out));
    return;
  }
  case api::route::label_config_get:
    self->request(control, timeout, get_atom::value, label_atom::value)
      .then(
        [self, out](std::vector<std::string>& items) {
          answer(self, out,
                 api::json_response(200, api::encode_label_config(items)));
        },
        on_error(self, out));
    return;
  case api::route::label_config_put: {
    std::vector<std::string> items;
    if (auto problem = api::decode_label_config(req.body, items);
        !problem.empty())
      return fail(self, out, errc::bad_request, problem);
    self
      ->request(control, timeout, put_atom::value, label_atom::value,
                std::move(items))
      .then(
        [self, out](std::vector<std::string>& now) {
          answer(self, out,
                 api::json_response(200, api::encode_label_config(now)));
        },
        on_error(self, out));
    return;
  }
  case api::route::admin_node: {
    std::string state;
    if (auto problem = api::decode_node_state(req.body, state);
        !problem.empty())
      return fail(self, out, errc::bad_request, problem);
    self
      ->request(control, timeout, put_atom::value, node_atom::value, r.id,
                std::move(state))
      .then(
        [self, out](node_status& n) {
          answer(self, out, api::json_response(200, api::encode(n)));
        },
        on_error(self, out));
    return;
  }
  case api::route::reallocate: {
    std::string cluster;
    std::vector<std::string> ids;
    if (auto problem = api::decode_reallocate(req.body, cluster, ids);
        !problem.empty())
      return fail(self, out, errc::bad_request, problem);
    self
      ->request(control, timeout, realloc_atom::value, std::move(cluster),
                std::move(ids))
      .then(
        [self, out](realloc_summary& s) {
          answer(self, out, api::json_response(202, api::encode(s)));
        },
        on_error(self, out));
    return;
  }
  default:
    fail(self, out, errc::internal, "not an admin route");
  }
}

} // namespace tether
