// tether-print-service: the remote-print flow (patent JP7769294B2, FIG. 7) on
// Tether's v1 HTTP API. The service is the patent's "service server 70"; Tether
// is the server system.
//
//   POST /documents?terminal_id=T1[&name=N][&user_id=U]   body = the print data
//        S310 a user asks to print. The bytes are stored (S350: print data in
//        non-volatile storage, reachable by a print URL); with user_id the user
//        is linked to the terminal first (S320, PUT
//        /v1/users/{u}/terminals/{t}); then the job is pushed to Tether (S350,
//        POST /v1/terminals/{t}/jobs, payload.print_url). 202 {document_id,
//        job_id}.
//   GET  /print-data/{document_id}
//        S450/S460: the device, given the job by Tether (S400), fetches the
//        print data.
//   POST /callbacks/tether
//        S430: Tether reports a finished job (the GET /v1/jobs body); S440:
//        recorded.
//   GET  /documents/{document_id}
//        The document's progress, refreshed from Tether (GET /v1/jobs/{job_id})
//        while the job is unfinished.
//   GET  /healthz
//
// The final status of a job reaches the service in two ways, and either is
// enough: Tether's callback, and polling (on every GET /documents/{id} and, in
// the background, every poll interval). Callbacks are optional because a Tether
// without them, or one that cannot reach this service, must not leave documents
// unfinished forever.
//
// Document status: submitting -> queued -> delivered -> acked -> done | failed
// | expired. Once final, a status never changes: late polls and repeated
// callbacks are no-ops.
//
// Threading: everything runs on the one io_context thread; no locks. Errors are
// answered in the contract's shape {"error":{"code","message"}}; Tether's
// refusals are passed on with their status (404 unknown terminal, 429, 503 with
// Retry-After), Tether being unreachable is 503, anything else Tether answers
// unexpectedly is 502.
#pragma once

#include "remote-print/document_store.hpp"
#include "remote-print/http_message.hpp"
#include "remote-print/tether_client.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

namespace tether::print {

struct print_service_settings {
  std::string
    public_url; // base URL of this service as devices and Tether reach it; may
                // be left empty here and given to start()
  std::uint64_t max_document_bytes = 1 << 20;
  std::int64_t job_ttl_s = 3600;
  bool callbacks = true; // ask Tether to POST finished jobs to us
  std::chrono::seconds poll_interval{10}; // 0 = no background polling
  std::size_t poll_parallel = 8;          // background GETs to Tether at once
};

class print_service : public http_handler {
public:
  print_service(boost::asio::any_io_executor ex, document_store& store,
                tether_client& tether, print_service_settings settings);

  // Sets the base URL devices and Tether reach us at (known only once the
  // listener is bound), marks documents whose submission a restart interrupted,
  // and starts background polling. Called before the io_context runs, so no
  // request is handled before it.
  void start(std::string public_url);
  // Stops background polling (requests in flight complete normally).
  void stop();

  std::uint64_t body_limit(std::string_view method,
                           std::string_view target) const override;
  // The largest body_limit() of any request: the server's bound before a header
  // is read.
  std::uint64_t largest_body_limit() const;
  void handle(http_request request, http_responder respond) override;

private:
  // POST /documents
  void submit(const std::vector<std::pair<std::string, std::string>>& params,
              http_request req, http_responder respond);
  void push_job(const std::string& document_id, http_responder respond);
  void refuse_submission(const std::string& document_id,
                         const tether_failure& failure, std::string_view call,
                         http_responder respond);
  // GET /documents/{id}
  void show(const std::string& document_id, http_responder respond);
  // GET /print-data/{id}
  void serve_print_data(const std::string& document_id, const std::string& peer,
                        http_responder respond);
  // POST /callbacks/tether
  void on_callback(const http_request& req, http_responder respond);

  // Takes the job's state into the record (unless the record is final already)
  // and stores it when something changed. `source` is "tether" or "callback".
  void apply(document_record& record, const job_view& job,
             std::string_view source);
  // Tether answered 404 for the record's job: it will never finish there.
  void mark_lost(document_record& record, const tether_failure& failure);
  void save(const document_record& record);

  void schedule_poll();
  void poll_unfinished();
  void poll_next();

  std::string print_url(const std::string& document_id) const;
  std::string view(const document_record& record,
                   const std::string& tether_error = {}) const;

  boost::asio::any_io_executor ex_;
  document_store& store_;
  tether_client& tether_;
  print_service_settings settings_;
  boost::asio::steady_timer poll_timer_;
  std::deque<std::string>
    poll_queue_; // document ids still to refresh in this round
  std::size_t polls_in_flight_ = 0;
  bool stopped_ = false;
};

} // namespace tether::print
