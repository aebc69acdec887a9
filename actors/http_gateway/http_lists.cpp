// The operator's read routes beside the admin API (docs/API.md "Operator
// side"): the fleet as lists (GET /v1/terminals by id prefix, GET /v1/jobs
// recent by terminal and status; control/listings.hpp) and the dashboard's
// static files (GET /ui/, no key: they carry no data).
#include "actors/http_gateway/http_routes.hpp"

namespace tether {

void list_terminals(gateway_ptr self, const api::route& r,
                    const http_request& req, const http_responder_ptr& out) {
  api::list_query q;
  if (auto p = api::decode_list_query(req.target, r.kind, q); !p.empty())
    return self->state.fail(out, errc::bad_request, p);
  auto encode = [](const std::vector<terminal_status>& ts) {
    return api::json_response(200, api::encode_terminal_list(ts));
  };
  ask<std::vector<terminal_status>>(self, out, encode, get_atom::value,
                                    terminal_atom::value, q.prefix, q.limit);
}

void list_jobs(gateway_ptr self, const api::route& r, const http_request& req,
               const http_responder_ptr& out) {
  api::list_query q;
  if (auto p = api::decode_list_query(req.target, r.kind, q); !p.empty())
    return self->state.fail(out, errc::bad_request, p);
  auto encode = [](const std::vector<job_record>& jobs) {
    return api::json_response(200, api::encode_job_list(jobs));
  };
  ask<std::vector<job_record>>(self, out, encode, get_atom::value,
                               job_atom::value, q.terminal_id, q.status,
                               q.limit);
}

void ui_file(gateway_ptr self, const api::route& r, const http_request& req,
             const http_responder_ptr& out) {
  auto lookup = self->state.cfg.ui_files;
  const static_file* f = lookup != nullptr ? lookup(r.id) : nullptr;
  if (f == nullptr)
    return self->state.fail(out, errc::not_found,
                            "no such file: " + req.target.substr(0, 200));
  http_response resp;
  resp.status = 200;
  resp.body = std::string{f->body};
  resp.content_type = std::string{f->content_type};
  resp.headers.emplace_back("Cache-Control", "no-cache");
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  resp.headers.emplace_back(
    "Content-Security-Policy",
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  self->state.answer(out, std::move(resp));
}

void openapi_document(gateway_ptr self, const api::route& r,
                      const http_request& req, const http_responder_ptr& out) {
  api::route file = r;
  file.id = "openapi.json";
  ui_file(self, file, req, out);
}

} // namespace tether
