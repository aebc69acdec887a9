// The operator's calls on one job, terminal, cluster or node (docs/API.md
// "Operator side"): cancel a job, retire a terminal, one cluster, every
// node. Each asks the control and encodes its answer.
#include "actors/http_gateway/http_routes.hpp"

#include <algorithm>

namespace tether {

void cancel_job(gateway_ptr self, const api::route& r, const http_request&,
                const http_responder_ptr& out) {
  ask<job_record>(self, out, json(200), cancel_atom::value, r.id);
}

void retire_terminal(gateway_ptr self, const api::route& r, const http_request&,
                     const http_responder_ptr& out) {
  ask<terminal_status>(self, out, json(200), retire_atom::value, r.id);
}

void get_cluster(gateway_ptr self, const api::route& r, const http_request&,
                 const http_responder_ptr& out) {
  request_control(self, status_atom::value)
    .then(
      [self, out, id = r.id](const std::vector<cluster_status>& cs) {
        auto c = std::find_if(cs.begin(), cs.end(), [&](const auto& x) {
          return x.cluster_id == id;
        });
        if (c == cs.end())
          return self->state.fail(out, errc::not_found,
                                  "cluster " + id + " does not exist");
        self->state.answer(out, api::json_response(200, api::encode(*c)));
      },
      on_error(self, out));
}

void get_nodes(gateway_ptr self, const api::route&, const http_request&,
               const http_responder_ptr& out) {
  auto encode = [self](const std::vector<cluster_status>& cs) {
    const auto& cfg = self->state.cfg;
    return api::json_response(
      200, api::encode_node_list(cs, cfg.node_processes, cfg.process_name));
  };
  ask<std::vector<cluster_status>>(self, out, encode, status_atom::value);
}

} // namespace tether
