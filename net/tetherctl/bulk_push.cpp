// tetherctl jobs push --bulk FILE: POST /v1/jobs/bulk with FILE's contents
// (the request body as docs/API.md describes it; "-" reads standard input),
// then one line per item in request order. Any refused item makes the exit
// code exit_refused, as a refused single push does.
#include <fstream>
#include <iostream>
#include <iterator>

#include <boost/json.hpp>

#include "net/tetherctl/commands.hpp"
#include "net/tetherctl/output.hpp"
#include "net/tetherctl/table.hpp"

namespace tether::ctl {

namespace json = boost::json;

namespace {

/// FILE's text ("-": standard input); nothing when it cannot be read.
std::optional<std::string> read_body(const std::string& file,
                                     std::istream& in) {
  if (file == "-")
    return std::string{std::istreambuf_iterator<char>(in), {}};
  std::ifstream f(file, std::ios::binary);
  if (!f)
    return std::nullopt;
  return std::string{std::istreambuf_iterator<char>(f), {}};
}

/// An item's job id, or its error as "code: message".
std::string outcome_text(const json::value& r) {
  if (text_of(r, "job_id") != "-")
    return text_of(r, "job_id");
  const auto* e = r.is_object() ? r.as_object().if_contains("error") : nullptr;
  if (e == nullptr || !e->is_object())
    return "-";
  return text_of(*e, "code") + ": " + text_of(*e, "message");
}

} // namespace

int cmd_jobs_push_bulk(context& cx, const std::string& file, std::istream& in) {
  auto body = read_body(file, in);
  if (!body) {
    *cx.err << "tetherctl: cannot read " << file << "\n";
    return exit_usage;
  }
  int code = exit_ok;
  auto v = cx.call("POST", "/v1/jobs/bulk", *body, code);
  if (!v)
    return code;
  bool refused = false;
  table t{{"#", "TERMINAL", "STATUS", "JOB / ERROR"}};
  size_t i = 0;
  for (const auto& r : array_at(*v, "results")) {
    refused = refused || text_of(r, "job_id") == "-";
    t.add({std::to_string(++i), text_of(r, "terminal_id"), text_of(r, "status"),
           outcome_text(r)});
  }
  if (cx.json)
    print_json(cx, *v);
  else
    *cx.out << t.str() << "accepted " << text_of(*v, "accepted") << ", refused "
            << text_of(*v, "refused") << "\n";
  return refused ? exit_refused : exit_ok;
}

} // namespace tether::ctl
