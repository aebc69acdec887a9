// The admin API routes that change the deployment at run time (PROTOCOL.md
// "Operator side"): cluster labels/state/weight, the label configuration,
// node drain, and re-allocation. The http_gateway actor hands these routes
// here; bodies are decoded by api.hpp (400 naming the field) and the
// control plane answers with a timeout and an error branch, as for every
// other endpoint.
#pragma once

#include "actors/http_gateway/http_gateway.hpp"
#include "actors/policy/api.hpp"

namespace tether {

void serve_admin(http_gateway_actor::stateful_pointer<http_gateway_state> self,
                 const control_actor& control, const api::route& r,
                 const http_request& req, const http_responder_ptr& out);

} // namespace tether
