// tether-push-bench: pushes jobs to terminals over the v1 service API and
// measures how many the server accepts per second and how long each acceptance
// takes.
//
// C keep-alive HTTP/1.1 connections (one request in flight on each, no
// pipelining) share one io_context thread. Job k goes to terminal <prefix>(k
// mod count) with payload
// {"sent_at_ms": <Unix ms, fractional, taken just before the write>, "seq": k},
// so a device simulator on the same machine can measure the push latency
// (tether-terminal does).
//
// Pacing: with --rate R, job k is due at start + k/R (an open schedule; a
// connection that claims a job waits for its due time). If all C connections
// are busy when a job falls due it is sent late; that lag is measured and
// reported ("schedule lag"), so a run whose latencies hide a saturated client
// is visible. With R = 0 every connection sends its next job as soon as the
// previous answer is in.
//
// With --bulk K each request carries K consecutive jobs (the last one
// fewer when --jobs is not a multiple of K); --rate still counts jobs.
//
// The run is bounded: it stops issuing after --jobs jobs or --duration-s,
// whichever comes first (or on SIGINT/SIGTERM), then waits for the requests in
// flight (each has a deadline).
#pragma once

#include "tether-terminal/latency_histogram.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tether::push_bench {

struct bench_options {
  std::string server = "http://127.0.0.1:8080";
  std::string id_prefix = "T";
  std::size_t count = 1;        // terminals <prefix>0 .. <prefix>{count-1}
  std::uint64_t jobs = 10000;   // at most this many jobs
  std::size_t concurrency = 16; // connections = requests in flight
  double rate = 0;              // jobs/s; 0 = as fast as the answers come
  std::chrono::milliseconds duration{60000}; // stop issuing after this
  std::chrono::milliseconds request_timeout{10000};
  std::string service = "print";
  std::string api_key; // Authorization: Bearer (scope jobs:write)
  // Jobs per request: 0 pushes one job per request (POST
  // /v1/terminals/{id}/jobs); K > 0 sends K consecutive jobs in one POST
  // /v1/jobs/bulk and counts the items the 200 answer accepted.
  std::size_t bulk = 0;
  // Keep one (send time, API latency) pair per answered request, so that a
  // run can show *when* its slow answers came (bench_result::trace).
  bool trace = false;
};

// One answered request: when it was sent (Unix time, microseconds) and how
// long its answer took (microseconds).
struct traced_request {
  std::int64_t sent_unix_us = 0;
  std::uint64_t latency_us = 0;
};

struct bench_result {
  std::uint64_t issued = 0;        // requests written (or attempted)
  std::uint64_t accepted = 0;      // 202 answers (--bulk: items accepted)
  std::uint64_t refused_items = 0; // --bulk: items a 200 answer refused
  std::map<unsigned, std::uint64_t>
    other_statuses; // any other HTTP status -> count
  std::uint64_t transport_errors
    = 0; // connect/write/read failures and timeouts
  std::uint64_t connects
    = 0;                // TCP connections opened (keep-alive: ~concurrency)
  double elapsed_s = 0; // first send -> last answer
  double accepted_per_s = 0;
  tether::terminal::latency_summary api_latency; // send -> 202 received
  tether::terminal::latency_summary
    schedule_lag;                    // --rate only: send time - due time
  bool interrupted = false;          // stopped by a signal
  std::string stop_reason;           // "jobs", "duration" or "signal"
  std::vector<traced_request> trace; // bench_options::trace only
};

// Runs the benchmark to its end; blocking. Fails (returns false, `error` set)
// only when the server address cannot be used at all (bad URL, name does not
// resolve).
bool run_bench(const bench_options& options, bench_result& result,
               std::string& error);

} // namespace tether::push_bench
