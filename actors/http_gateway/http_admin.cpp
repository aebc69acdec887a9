// The admin API routes that change the deployment at run time (docs/API.md
// "Operator side"): cluster labels/state/weight, the label configuration,
// node drain, and re-allocation. `serve` (http_routes.cpp) hands these
// routes here.
#include "actors/http_gateway/http_routes.hpp"

namespace tether {

namespace {

http_response label_config(std::vector<std::string>& items) {
  return api::json_response(200, api::encode_label_config(items));
}

} // namespace

void put_cluster(gateway_ptr self, const api::route& r, const http_request& req,
                 const http_responder_ptr& out) {
  auto ch
    = decoded<cluster_change>(self, out, req.body, api::decode_cluster_change);
  if (!ch)
    return;
  ch->cluster_id = r.id;
  ask<cluster_status>(self, out, json(200), put_atom::value, std::move(*ch));
}

void get_label_config(gateway_ptr self, const api::route&, const http_request&,
                      const http_responder_ptr& out) {
  ask<std::vector<std::string>>(self, out, label_config, get_atom::value,
                                label_atom::value);
}

void put_label_config(gateway_ptr self, const api::route&,
                      const http_request& req, const http_responder_ptr& out) {
  if (auto items = decoded<std::vector<std::string>>(self, out, req.body,
                                                     api::decode_label_config))
    ask<std::vector<std::string>>(self, out, label_config, put_atom::value,
                                  label_atom::value, std::move(*items));
}

void put_node(gateway_ptr self, const api::route& r, const http_request& req,
              const http_responder_ptr& out) {
  auto ch = decoded<node_change>(self, out, req.body, api::decode_node_change);
  if (!ch)
    return;
  ch->node_id = r.id;
  ask<node_status>(self, out, json(200), put_atom::value, std::move(*ch));
}

void reallocate(gateway_ptr self, const api::route&, const http_request& req,
                const http_responder_ptr& out) {
  std::string cluster;
  std::vector<std::string> ids;
  if (auto problem = api::decode_reallocate(req.body, cluster, ids);
      !problem.empty())
    return self->state.fail(out, errc::bad_request, problem);
  ask<realloc_summary>(self, out, json(202), realloc_atom::value,
                       std::move(cluster), std::move(ids));
}

void clear_class(gateway_ptr self, const api::route& r, const http_request&,
                 const http_responder_ptr& out) {
  ask<uint64_t>(
    self, out,
    [name = r.id](uint64_t n) {
      return api::json_response(200, api::encode_class_cleared(name, n));
    },
    retire_atom::value, label_atom::value, r.id);
}

void revoke_terminal(gateway_ptr self, const api::route& r,
                     const http_request& req, const http_responder_ptr& out) {
  ask<terminal_status>(self, out, json(200), revoke_atom::value,
                       terminal_atom::value, r.id, req.method != "DELETE");
}

} // namespace tether
