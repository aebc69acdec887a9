#include "actors/policy/api_bulk.hpp"

#include <boost/json.hpp>

#include "actors/policy/api.hpp"
#include "actors/policy/json_text.hpp"

namespace json = boost::json;

namespace tether::api {

namespace {

/// One element of "jobs": its terminal_id read here, the rest decoded as a
/// single push's body is.
bulk_item decode_item(const json::value& v, std::string_view text,
                      size_t max_payload) {
  bulk_item item;
  if (!v.is_object()) {
    item.problem = "each item must be an object";
    return item;
  }
  const auto& o = v.get_object();
  const auto* id = o.if_contains("terminal_id");
  if (id != nullptr && id->is_string())
    item.job.terminal_id = std::string{id->get_string().subview(
      0, std::min<size_t>(id->get_string().size(), 140))};
  if (id == nullptr || !id->is_string() || !valid_id(id->get_string())) {
    item.problem = "field \"terminal_id\" must be a string of 1-128 "
                   "characters from [A-Za-z0-9._:-]";
    return item;
  }
  auto terminal = item.job.terminal_id;
  item.problem
    = decode_job_object(o, text, max_payload, item.job, item.code, true);
  if (item.problem.empty())
    item.problem = decode_job_user_object(o, item.user);
  item.job.terminal_id = std::move(terminal);
  return item;
}

} // namespace

std::string decode_bulk(std::string_view body, size_t max_payload,
                        size_t max_items, std::vector<bulk_item>& out,
                        errc& code) {
  code = errc::bad_request;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto v = json::parse(body, ec, {}, opts);
  if (ec == json::error::too_deep)
    return nesting_problem(opts.max_depth);
  if (ec)
    return "body is not valid JSON (" + ec.message() + ")";
  if (!v.is_object())
    return "body must be a JSON object";
  const auto& o = v.get_object();
  for (const auto& field : o)
    if (field.key() != "jobs")
      return "field \"" + std::string{field.key().substr(0, 64)}
           + "\" is not known here (known: jobs)";
  const auto* jobs = o.if_contains("jobs");
  if (jobs == nullptr || !jobs->is_array())
    return "field \"jobs\" must be an array of jobs";
  const auto& items = jobs->get_array();
  if (items.empty())
    return "field \"jobs\" is empty: a bulk push takes 1 to "
         + std::to_string(max_items) + " jobs";
  if (items.size() > max_items) {
    code = errc::payload_too_large;
    return "field \"jobs\" has " + std::to_string(items.size())
         + " items: a bulk push takes at most " + std::to_string(max_items)
         + " ([limits] bulk_max_jobs)";
  }
  auto texts = element_texts(member_text(body, "jobs").value_or(""));
  if (texts.size() != items.size())
    return "field \"jobs\" cannot be read";
  out.clear();
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    out.push_back(decode_item(items[i], texts[i], max_payload));
  return {};
}

std::string encode_bulk(const std::vector<bulk_answer>& answers) {
  json::array results;
  results.reserve(answers.size());
  size_t accepted = 0;
  for (const auto& a : answers) {
    json::object r{{"terminal_id", a.terminal_id}, {"status", a.status}};
    if (a.status == 202) {
      ++accepted;
      r["job_id"] = a.job_id;
    } else {
      r["error"]
        = json::object{{"code", code_name(a.code)}, {"message", a.message}};
    }
    results.push_back(std::move(r));
  }
  return json::serialize(json::object{{"accepted", accepted},
                                      {"refused", answers.size() - accepted},
                                      {"results", std::move(results)}});
}

} // namespace tether::api
