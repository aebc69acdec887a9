#include "remote-print/print_service.hpp"

#include "remote-print/log.hpp"
#include "remote-print/url.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace tether::print {

namespace json = boost::json;

namespace {

// Bodies other than documents are small JSON; a job callback carries the job's
// payload, which Tether bounds to 256 KiB.
constexpr std::uint64_t callback_body_limit = 512 * 1024;
constexpr std::uint64_t small_body_limit = 4 * 1024;
constexpr std::size_t max_name_length = 256;
constexpr std::size_t max_content_type_length = 128;
constexpr const char* default_retry_after
  = "5"; // seconds, when Tether gave none

// The contract's id alphabet: 1-128 characters of [A-Za-z0-9._:-]. Such ids
// need no percent-encoding in Tether's paths.
bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 128
      && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.'
               || c == '_' || c == ':' || c == '-';
         });
}

bool has_control_characters(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

http_response bad_request(std::string message) {
  return error_response(400, "bad_request", message);
}

http_response not_found(std::string message) {
  return error_response(404, "not_found", message);
}

// Like Tether: 405 with code method_not_allowed, plus the Allow header.
http_response not_allowed(const http_request& req, const char* allow) {
  auto r = error_response(405, "method_not_allowed",
                          "method " + req.method + " is not allowed here; use "
                            + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

json::value time_or_null(const std::string& t) {
  if (t.empty())
    return nullptr;
  return json::value(t);
}

/// The stored document `id` names, or null after answering 404 ("no
/// <what> "<id>"").
document_record* known(document_store& store, const std::string& id,
                       const char* what, const http_responder& respond) {
  auto* record = is_document_id(id) ? store.find(id) : nullptr;
  if (record == nullptr)
    respond(
      not_found("no " + std::string{what} + " \"" + id.substr(0, 64) + "\""));
  return record;
}

} // namespace

print_service::print_service(boost::asio::any_io_executor ex,
                             document_store& store, tether_client& tether,
                             print_service_settings settings)
    : ex_(ex), store_(store), tether_(tether), settings_(std::move(settings)),
      poll_timer_(ex) {
  settings_.public_url = trim_base_url(settings_.public_url);
}

void print_service::start(std::string public_url) {
  if (!public_url.empty())
    settings_.public_url = trim_base_url(std::move(public_url));
  // A document still "submitting" was stored, but the service stopped before
  // Tether answered the job push: whether the job exists is unknown. Guessing
  // could print twice, so the document is closed as failed and the user may
  // submit again.
  store_.for_each([this](document_record& r) {
    if (r.status != "submitting")
      return;
    r.status = "failed";
    r.detail
      = "the service restarted before Tether accepted the job; submit again";
    r.status_source = "service";
    logger("")->warn("[{}] {}", r.document_id, r.detail);
    save(r);
  });
  schedule_poll();
}

void print_service::stop() {
  stopped_ = true;
  poll_timer_.cancel();
}

std::uint64_t print_service::body_limit(std::string_view method,
                                        std::string_view target) const {
  auto path = target.substr(0, target.find('?'));
  if (method == "POST" && (path == "/documents" || path == "/documents/"))
    return settings_.max_document_bytes;
  if (method == "POST" && path.substr(0, 11) == "/callbacks/")
    return callback_body_limit;
  return small_body_limit;
}

std::uint64_t print_service::largest_body_limit() const {
  return std::max(
    {settings_.max_document_bytes, callback_body_limit, small_body_limit});
}

void print_service::handle(http_request req, http_responder respond) {
  logger("")->debug("{} {} from {}", req.method, req.target, req.peer);
  std::string error;
  auto target = parse_target(req.target, error);
  if (!target)
    return respond(bad_request(error));
  const auto& s = target->segments;

  if (s.size() == 1 && s[0] == "documents") {
    if (req.method != "POST")
      return respond(not_allowed(req, "POST"));
    return submit(target->params, std::move(req), std::move(respond));
  }
  if (s.size() == 2 && s[0] == "documents") {
    if (req.method != "GET")
      return respond(not_allowed(req, "GET"));
    return show(s[1], std::move(respond));
  }
  if (s.size() == 2 && s[0] == "print-data") {
    if (req.method != "GET")
      return respond(not_allowed(req, "GET"));
    return serve_print_data(s[1], req.peer, std::move(respond));
  }
  if (s.size() == 2 && s[0] == "callbacks" && s[1] == "tether") {
    if (req.method != "POST")
      return respond(not_allowed(req, "POST"));
    return on_callback(req, std::move(respond));
  }
  if (s.size() == 1 && s[0] == "healthz") {
    if (req.method != "GET")
      return respond(not_allowed(req, "GET"));
    return respond(json_response(
      200, json::serialize(json::object{{"status", "ok"},
                                        {"documents", store_.size()},
                                        {"tether", tether_.base_url()}})));
  }
  respond(not_found("no such resource: " + req.target.substr(0, 200)));
}

// --- POST /documents
// ------------------------------------------------------------------------

void print_service::submit(
  const std::vector<std::pair<std::string, std::string>>& params,
  http_request req, http_responder respond) {
  document_record record;
  struct known_param {
    std::string_view key;
    std::string* value;
    bool seen = false;
  };
  known_param known[] = {{"terminal_id", &record.terminal_id},
                         {"name", &record.name},
                         {"user_id", &record.user_id}};
  for (const auto& [key, value] : params) {
    auto* p = std::find_if(
      std::begin(known), std::end(known),
      [&key = key](const known_param& k) { return k.key == key; });
    if (p == std::end(known))
      return respond(bad_request("unknown query parameter \""
                                 + key.substr(0, 64)
                                 + "\" (expected terminal_id, name, user_id)"));
    if (p->seen)
      return respond(
        bad_request("query parameter \"" + key + "\" is given twice"));
    p->seen = true;
    *p->value = value;
  }
  bool have_terminal = known[0].seen, have_user = known[2].seen;
  if (!have_terminal)
    return respond(bad_request("query parameter \"terminal_id\" is required"));
  if (!valid_id(record.terminal_id))
    return respond(bad_request(
      "query parameter \"terminal_id\" must be 1-128 characters from [A-Za-z0-9._:-]"));
  if (have_user && !valid_id(record.user_id))
    return respond(bad_request(
      "query parameter \"user_id\" must be 1-128 characters from [A-Za-z0-9._:-]"));
  if (record.name.size() > max_name_length
      || has_control_characters(record.name))
    return respond(bad_request("query parameter \"name\" must be at most "
                               + std::to_string(max_name_length)
                               + " bytes without control characters"));
  if (record.name.empty())
    record.name = "document";
  if (req.body.empty())
    return respond(
      bad_request("the document is empty: send its bytes as the request body"));
  // The type is served back to the device with the print data. curl's default
  // for
  // --data-binary (a form type) never describes a document, so it counts as
  // none.
  record.content_type = req.content_type;
  if (record.content_type.empty()
      || record.content_type == "application/x-www-form-urlencoded")
    record.content_type = "application/octet-stream";
  if (record.content_type.size() > max_content_type_length
      || has_control_characters(record.content_type))
    return respond(bad_request("header Content-Type must be at most "
                               + std::to_string(max_content_type_length)
                               + " characters without control characters"));
  record.size = req.body.size();
  record.submitted_at = utc_now();

  // S350: the print data goes to non-volatile storage before anyone is told
  // about it.
  std::string error;
  if (!store_.create(record, req.body, error)) {
    logger("store")->error("cannot store a document for terminal {}: {}",
                           record.terminal_id, error);
    return respond(
      error_response(500, "internal", "the document cannot be stored"));
  }
  auto id = record.document_id;
  logger("")->info("[{}] stored {} bytes ({}) for terminal {}, \"{}\"", id,
                   record.size, record.content_type, record.terminal_id,
                   record.name);

  if (record.user_id.empty())
    return push_job(id, std::move(respond));

  // S320: Tether learns which user prints on which terminal.
  tether_.link_user(
    record.user_id, record.terminal_id,
    [this, id, respond = std::move(respond)](tether_result<bool> r) mutable {
      if (!r.ok())
        return refuse_submission(id, r.failure, "the user link",
                                 std::move(respond));
      push_job(id, std::move(respond));
    });
}

void print_service::push_job(const std::string& document_id,
                             http_responder respond) {
  auto* record = store_.find(document_id);
  if (record == nullptr) // cannot happen: nothing removes a document that is
                         // submitting
    return respond(error_response(500, "internal", "the document vanished"));

  job_request job;
  job.terminal_id = record->terminal_id;
  job.payload = {{"print_url", print_url(document_id)},
                 {"document_id", document_id},
                 {"name", record->name},
                 {"size", record->size},
                 {"content_type", record->content_type}};
  job.ttl_s = settings_.job_ttl_s;
  if (settings_.callbacks)
    job.callback_url = settings_.public_url + "/callbacks/tether";

  tether_.push_job(job, [this, document_id, respond = std::move(respond)](
                          tether_result<std::string> r) mutable {
    if (!r.ok())
      return refuse_submission(document_id, r.failure, "the job",
                               std::move(respond));
    auto* record = store_.find(document_id);
    if (record == nullptr)
      return respond(error_response(500, "internal", "the document vanished"));
    // A callback may have overtaken this answer and already recorded this very
    // job; keep what it said. Otherwise the job starts as Tether said: queued.
    if (record->job_id != *r.value) {
      record->job_id = *r.value;
      record->status = "queued";
      record->status_source = "tether";
    }
    save(*record);
    logger("")->info("[{}] job {} pushed to terminal {}", document_id,
                     record->job_id, record->terminal_id);
    respond(json_response(
      202,
      json::serialize(json::object{
        {"document_id", document_id},
        {"job_id", record->job_id},
        {"terminal_id", record->terminal_id},
        {"status", record->status},
        {"size", record->size},
        {"print_url", print_url(document_id)},
        {"status_url", settings_.public_url + "/documents/" + document_id}})));
  });
}

// Tether did not take the job (or the user link): the document is dropped,
// since nobody will fetch it, and the user gets Tether's reason with a status
// that says whom to blame.
void print_service::refuse_submission(const std::string& document_id,
                                      const tether_failure& failure,
                                      std::string_view call,
                                      http_responder respond) {
  std::string terminal;
  if (auto* record = store_.find(document_id))
    terminal = record->terminal_id;
  store_.remove(document_id);
  logger("tether")->warn("[{}] Tether did not take {} for terminal {}: {}",
                         document_id, call, terminal, failure.describe());

  auto retry_after
    = failure.retry_after.empty() ? default_retry_after : failure.retry_after;
  http_response r;
  if (failure.unreachable()) {
    r = error_response(503, "unavailable",
                       "Tether at " + tether_.base_url()
                         + " is not reachable or did not " + "answer ("
                         + failure.message + "); try again later");
    r.headers.emplace_back("Retry-After", retry_after);
  } else if (failure.status == 404) {
    r = not_found("terminal \"" + terminal
                  + "\" is not registered with Tether (Tether: "
                  + failure.message + ")");
  } else if (failure.status == 429) {
    r = error_response(429, "too_many_requests",
                       "Tether asks to slow down (Tether: " + failure.message
                         + ")");
    r.headers.emplace_back("Retry-After", retry_after);
  } else if (failure.status == 503) {
    r = error_response(503, "unavailable",
                       "Tether cannot take a job for terminal \"" + terminal
                         + "\" now (Tether: " + failure.message + ")");
    r.headers.emplace_back("Retry-After", retry_after);
  } else {
    // Anything else means this service sent something Tether does not accept:
    // our fault towards the user, not theirs.
    r = error_response(502, "bad_gateway",
                       "Tether refused " + std::string(call) + ": "
                         + failure.describe());
  }
  respond(std::move(r));
}

// --- GET /documents/{id}
// --------------------------------------------------------------------

void print_service::show(const std::string& document_id,
                         http_responder respond) {
  auto* record = known(store_, document_id, "document", respond);
  if (record == nullptr)
    return;
  // Nothing more to learn from Tether once the job is final (or never existed).
  if (record->job_id.empty() || is_final_status(record->status))
    return respond(json_response(200, view(*record)));

  tether_.get_job(
    record->job_id, [this, document_id,
                     respond = std::move(respond)](tether_result<job_view> r) {
      auto* record = store_.find(document_id);
      if (record == nullptr)
        return respond(not_found("no document \"" + document_id + "\""));
      if (r.ok()) {
        apply(*record, *r.value, "tether");
        return respond(json_response(200, view(*record)));
      }
      if (r.failure.status == 404) {
        mark_lost(*record, r.failure);
        return respond(json_response(200, view(*record)));
      }
      // The document exists and its last known state is still worth showing;
      // the caller learns from "tether_error" that it may be stale.
      logger("tether")->debug("[{}] cannot refresh job {}: {}", document_id,
                              record->job_id, r.failure.describe());
      respond(json_response(200, view(*record, r.failure.describe())));
    });
}

// --- GET /print-data/{id}
// -------------------------------------------------------------------

void print_service::serve_print_data(const std::string& document_id,
                                     const std::string& peer,
                                     http_responder respond) {
  auto* record = known(store_, document_id, "print data", respond);
  if (record == nullptr)
    return;
  // S460: the device fetches the print data.
  ++record->fetches;
  record->last_fetched_at = utc_now();
  save(*record);
  logger("")->info("[{}] print data fetched by {} ({} bytes, fetch {})",
                   document_id, peer, record->size, record->fetches);
  http_response r;
  r.content_type = record->content_type;
  r.file = store_.data_path(document_id).string();
  r.headers.emplace_back("Cache-Control", "no-store");
  respond(std::move(r));
}

// --- POST /callbacks/tether
// -----------------------------------------------------------------

void print_service::on_callback(const http_request& req,
                                http_responder respond) {
  std::string problem;
  auto job = parse_job(req.body, problem);
  if (!job) {
    logger("tether")->warn("bad callback from {}: {}", req.peer, problem);
    return respond(bad_request(problem));
  }
  auto* record = store_.find_by_job(job->job_id);
  if (record == nullptr && is_document_id(job->document_id)) {
    // The job may have finished before Tether's answer to our push was read:
    // the callback then names a document still waiting for its job id.
    auto* waiting = store_.find(job->document_id);
    if (waiting != nullptr && waiting->job_id.empty()
        && waiting->terminal_id == job->terminal_id) {
      record = waiting;
      record->job_id = job->job_id;
    }
  }
  if (record == nullptr) {
    // Callbacks carry no credentials in v1: only jobs of this service are
    // taken.
    logger("tether")->warn(
      "callback from {} for job {}, which is not one of ours", req.peer,
      job->job_id);
    return respond(not_found("job \"" + job->job_id.substr(0, 128)
                             + "\" is not a job of this service"));
  }
  apply(*record, *job, "callback");
  respond(json_response(
    200, json::serialize(json::object{{"document_id", record->document_id},
                                      {"status", record->status}})));
}

// --- status bookkeeping
// ---------------------------------------------------------------------

void print_service::apply(document_record& r, const job_view& job,
                          std::string_view source) {
  if (is_final_status(r.status))
    return; // final is final
  if (r.status == job.status && r.detail == job.detail
      && r.updated_at == job.updated_at)
    return;
  r.status = job.status;
  r.detail = job.detail;
  r.status_source = std::string(source);
  r.queued_at = job.created_at;
  r.delivered_at = job.delivered_at;
  r.acked_at = job.acked_at;
  r.finished_at = job.finished_at;
  r.updated_at = job.updated_at;
  save(r);
  // S440: the service's history of finished prints.
  if (is_final_status(r.status))
    logger("")->info("[{}] job {} on terminal {}: {} ({}), learned by {}",
                     r.document_id, r.job_id, r.terminal_id, r.status, r.detail,
                     source);
  else
    logger("")->debug("[{}] job {}: {}", r.document_id, r.job_id, r.status);
}

void print_service::mark_lost(document_record& r,
                              const tether_failure& failure) {
  if (is_final_status(r.status))
    return;
  r.status = "failed";
  r.detail
    = "Tether does not know job " + r.job_id + " (" + failure.describe() + ")";
  r.status_source = "tether";
  save(r);
  logger("")->warn("[{}] {}", r.document_id, r.detail);
}

void print_service::save(const document_record& record) {
  std::string error;
  if (!store_.save(record, error))
    // The change stays in memory and is served; it is lost only if the service
    // restarts.
    logger("store")->error("[{}] cannot store the record: {}",
                           record.document_id, error);
}

// --- background polling
// ---------------------------------------------------------------------
//
// Every poll interval, each unfinished job is asked for once (at most
// poll_parallel at a time); the next round is scheduled when this one is over,
// so rounds never overlap.

void print_service::schedule_poll() {
  if (stopped_ || settings_.poll_interval.count() == 0)
    return;
  poll_timer_.expires_after(settings_.poll_interval);
  poll_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_)
      poll_unfinished();
  });
}

void print_service::poll_unfinished() {
  store_.for_each([this](document_record& r) {
    if (!r.job_id.empty() && !is_final_status(r.status))
      poll_queue_.push_back(r.document_id);
  });
  if (poll_queue_.empty())
    return schedule_poll();
  logger("")->debug("refreshing {} unfinished jobs from Tether",
                    poll_queue_.size());
  for (std::size_t i = 0; i < settings_.poll_parallel && !poll_queue_.empty();
       ++i)
    poll_next();
}

void print_service::poll_next() {
  while (!poll_queue_.empty()) {
    auto id = std::move(poll_queue_.front());
    poll_queue_.pop_front();
    auto* record = store_.find(id);
    if (record == nullptr || is_final_status(record->status))
      continue; // finished meanwhile
    ++polls_in_flight_;
    tether_.get_job(record->job_id, [this, id](tether_result<job_view> r) {
      --polls_in_flight_;
      if (auto* record = store_.find(id)) {
        if (r.ok())
          apply(*record, *r.value, "tether");
        else if (r.failure.status == 404)
          mark_lost(*record, r.failure);
        else
          logger("tether")->debug("[{}] cannot refresh job {}: {}", id,
                                  record->job_id, r.failure.describe());
      }
      if (stopped_)
        return;
      poll_next();
    });
    return;
  }
  if (polls_in_flight_ == 0)
    schedule_poll();
}

// --- views
// ----------------------------------------------------------------------------------

std::string print_service::print_url(const std::string& document_id) const {
  return settings_.public_url + "/print-data/" + document_id;
}

std::string print_service::view(const document_record& r,
                                const std::string& tether_error) const {
  json::object o{
    {"document_id", r.document_id},
    {"terminal_id", r.terminal_id},
    {"name", r.name},
    {"size", r.size},
    {"content_type", r.content_type},
    {"job_id", r.job_id.empty() ? json::value(nullptr) : json::value(r.job_id)},
    {"status", r.status},
    {"detail", r.detail},
    {"status_source", r.status_source},
    {"submitted_at", time_or_null(r.submitted_at)},
    {"queued_at", time_or_null(r.queued_at)},
    {"delivered_at", time_or_null(r.delivered_at)},
    {"acked_at", time_or_null(r.acked_at)},
    {"finished_at", time_or_null(r.finished_at)},
    {"updated_at", time_or_null(r.updated_at)},
    {"print_url", print_url(r.document_id)},
    {"fetches", r.fetches},
    {"last_fetched_at", time_or_null(r.last_fetched_at)}};
  if (!r.user_id.empty())
    o["user_id"] = r.user_id;
  if (!tether_error.empty())
    o["tether_error"] = tether_error;
  return json::serialize(o);
}

} // namespace tether::print
