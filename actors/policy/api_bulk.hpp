// The bulk push of docs/API.md (POST /v1/jobs/bulk) as plain C++: its body
// decoded item by item with the single push's own decoder, and its answer
// encoded in request order. tests/actors/policy/api_bulk_test.cpp tests it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "actors/system/errors.hpp"
#include "actors/system/messages.hpp"

namespace tether::api {

/// The single push's body decoders on a parsed object (api.cpp; the
/// string forms decode_job and decode_job_user call them).
/// `text` is the object's text in the body (the payload is kept as written:
/// json_text.hpp). `in_bulk`: an item of a bulk push, which also carries
/// `terminal_id` (its caller reads it).
std::string decode_job_object(const boost::json::object& o,
                              std::string_view text, size_t max_payload,
                              job_record& out, errc& code,
                              bool in_bulk = false);
std::string decode_job_user_object(const boost::json::object& o,
                                   std::string& user);

/// The 400 message of a body nested deeper than `max_depth` levels.
std::string nesting_problem(size_t max_depth);

/// One item of a bulk push: the job (terminal_id set when the item named a
/// valid one) and its user (GH), or the problem that refuses it alone.
struct bulk_item {
  job_record job;
  std::string user;
  errc code = errc::bad_request;
  std::string problem; // empty: the item is a job to push
};

/// Decodes `{"jobs":[{"terminal_id":..., <the fields of a single push>},
/// ...]}`. Returns the problem of the whole request (setting `code`:
/// bad_request, or payload_too_large for more than `max_items` items), or
/// empty with one `bulk_item` per element, in order; an item's own problem
/// (a missing or invalid terminal_id, anything a single push refuses)
/// refuses only that item.
std::string decode_bulk(std::string_view body, size_t max_payload,
                        size_t max_items, std::vector<bulk_item>& out,
                        errc& code);

/// One item's answer: 202 with its job id, or an error with its status.
struct bulk_answer {
  std::string terminal_id;
  uint16_t status = 202;
  std::string job_id;  // 202
  errc code{};         // otherwise
  std::string message; // otherwise
};

/// `{"accepted":N,"refused":M,"results":[{"terminal_id","status":202,
/// "job_id"} or {"terminal_id","status":4xx/5xx,"error":{"code",
/// "message"}}, ...]}` in request order.
std::string encode_bulk(const std::vector<bulk_answer>& answers);

} // namespace tether::api
