// tether-push-bench: job-push load generator for the v1 service API (see
// push_bench.hpp).
//
// main only wires: command line (CLI11) -> bench_options -> run_bench ->
// summary (stdout) and --json. Exit codes: 0 every issued job was accepted
// (202); 1 some were not (other statuses, transport errors), nothing was
// issued, or --json could not be written; 2 bad command line.
#include "push_bench.hpp"

#include "tether-terminal/options.hpp"
#include "tether-terminal/url.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

using namespace tether::push_bench;

namespace {

boost::json::object to_json(const tether::terminal::latency_summary& s) {
  return {{"count", s.count},
          {"p50", s.p50_ms},
          {"p90", s.p90_ms},
          {"p99", s.p99_ms},
          {"max", s.max_ms}};
}

// boost::json::serialize, except that doubles come out as "1.151" rather than
// "1.151E0".
void write_json(const boost::json::value& v, std::string& out) {
  if (auto* d = v.if_double()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.3f", *d);
    out += buf;
  } else if (auto* o = v.if_object()) {
    out += '{';
    bool first = true;
    for (const auto& kv : *o) {
      if (!first)
        out += ',';
      first = false;
      out += boost::json::serialize(boost::json::value(kv.key()));
      out += ':';
      write_json(kv.value(), out);
    }
    out += '}';
  } else if (auto* a = v.if_array()) {
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i)
        out += ',';
      write_json((*a)[i], out);
    }
    out += ']';
  } else {
    out += boost::json::serialize(v);
  }
}

std::string rate_text(double rate) {
  if (rate <= 0)
    return "unlimited";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g jobs/s", rate);
  return buf;
}

} // namespace

// --trace: "<sent Unix ms> <API latency ms>" per answered request.
bool write_trace(const std::string& path,
                 const std::vector<tether::push_bench::traced_request>& trace) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr)
    return false;
  for (const auto& t : trace)
    std::fprintf(f, "%lld.%03lld %.3f\n",
                 static_cast<long long>(t.sent_unix_us / 1000),
                 static_cast<long long>(t.sent_unix_us % 1000),
                 static_cast<double>(t.latency_us) / 1000.0);
  return std::fclose(f) == 0;
}

int main(int argc, char** argv) {
  bench_options o;
  double duration_s = std::chrono::duration<double>(o.duration).count();
  std::int64_t timeout_ms = o.request_timeout.count();
  std::string json_path;
  std::string trace_path;

  CLI::App app{
    "tether-push-bench: pushes jobs (POST /v1/terminals/{id}/jobs) round-robin to the\n"
    "terminals <id-prefix>0..<id-prefix>{count-1} over keep-alive HTTP/1.1 connections and\n"
    "reports accepted jobs per second and the API latency (request sent -> 202 received).\n"
    "Each payload is {\"sent_at_ms\": <Unix ms, taken just before sending>, \"seq\": k}:\n"
    "tether-terminal on the same machine turns it into push latency."};
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(34);
  app.add_option("--server", o.server, "Tether HTTP base URL");
  app.add_option("--id-prefix", o.id_prefix,
                 "terminal ids are <prefix>0..<prefix>{count-1}");
  app.add_option("--count", o.count, "number of terminals");
  app.add_option("--jobs", o.jobs, "stop after this many jobs");
  app.add_option("--concurrency", o.concurrency,
                 "connections, each with one request in flight");
  app.add_option("--rate", o.rate, "jobs per second (0 = as fast as possible)");
  app.add_option("--duration-s", duration_s,
                 "stop issuing after this many seconds");
  app.add_option("--timeout-ms", timeout_ms,
                 "deadline of one request (connect, send, answer)");
  app.add_option("--service", o.service, "the jobs' service field");
  app.add_option("--bulk", o.bulk,
                 "jobs per request in one POST /v1/jobs/bulk (0 = one "
                 "POST /v1/terminals/{id}/jobs per job)");
  std::string key_file;
  app.add_option("--api-key-file", key_file,
                 "file holding a Tether API key with jobs:write, e.g. "
                 "tether-data/secrets/admin-key");
  app.add_option("--json", json_path,
                 "also write the results as JSON to this file");
  app.add_option("--trace", trace_path,
                 "also write one line per answered request to this file: "
                 "its send time (Unix ms) and API latency (ms)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  std::vector<std::string> errors;
  if (!key_file.empty()) {
    std::ifstream in{key_file};
    if (!in || !std::getline(in, o.api_key) || o.api_key.empty())
      errors.push_back("--api-key-file: cannot read a key from " + key_file);
  }
  if (std::string why; !tether::terminal::parse_url(o.server, {"http"}, why))
    errors.push_back("--server: " + why + " (an http:// URL is needed)");
  if (o.count < 1)
    errors.push_back("--count: must be at least 1");
  if (!tether::terminal::valid_terminal_id(
        o.id_prefix + std::to_string(o.count ? o.count - 1 : 0)))
    errors.push_back(
      "--id-prefix: ids must be 1-128 characters of [A-Za-z0-9._:-]");
  if (o.jobs < 1)
    errors.push_back("--jobs: must be at least 1");
  if (o.concurrency < 1 || o.concurrency > 10000)
    errors.push_back("--concurrency: must be 1..10000");
  if (o.bulk > 100000)
    errors.push_back("--bulk: must be 0..100000");
  if (o.rate < 0 || !std::isfinite(o.rate))
    errors.push_back("--rate: must be >= 0");
  if (!(duration_s > 0) || duration_s > 24 * 3600)
    errors.push_back("--duration-s: must be > 0 and at most a day");
  if (timeout_ms < 1)
    errors.push_back("--timeout-ms: must be >= 1");
  if (o.service.empty() || o.service.find_first_of("\"\\") != std::string::npos)
    errors.push_back(
      "--service: must be non-empty, without quotes or backslashes");
  if (!errors.empty()) {
    for (const auto& e : errors)
      std::cerr << "tether-push-bench: " << e << '\n';
    return 2;
  }
  o.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::duration<double>(duration_s));
  o.request_timeout = std::chrono::milliseconds(timeout_ms);

  o.trace = !trace_path.empty();
  bench_result r;
  std::string error;
  if (!run_bench(o, r, error)) {
    std::cerr << "tether-push-bench: " << error << '\n';
    return 1;
  }

  std::uint64_t others = 0;
  std::string statuses;
  for (const auto& [status, n] : r.other_statuses) {
    others += n;
    statuses += " " + std::to_string(status) + "=" + std::to_string(n);
  }
  const auto& a = r.api_latency;
  std::printf(
    "push-bench: %s, %zu terminals (%s0..), concurrency %zu, rate %s, %s, stopped by %s\n",
    o.server.c_str(), o.count, o.id_prefix.c_str(), o.concurrency,
    rate_text(o.rate).c_str(),
    o.bulk > 0 ? ("bulk of " + std::to_string(o.bulk)).c_str()
               : "one job per request",
    r.stop_reason.c_str());
  if (o.bulk > 0)
    std::printf("bulk: accepted items %llu, refused items %llu (in 200 "
                "answers); latency below is per request\n",
                static_cast<unsigned long long>(r.accepted),
                static_cast<unsigned long long>(r.refused_items));
  std::printf(
    "jobs issued %llu: accepted (202) %llu, other statuses %llu%s, transport errors "
    "%llu; %llu connections opened\n",
    static_cast<unsigned long long>(r.issued),
    static_cast<unsigned long long>(r.accepted),
    static_cast<unsigned long long>(others), statuses.c_str(),
    static_cast<unsigned long long>(r.transport_errors),
    static_cast<unsigned long long>(r.connects));
  std::printf(
    "accepted/s %.1f over %.3f s (first request sent -> last answer)\n",
    r.accepted_per_s, r.elapsed_s);
  std::printf(
    "API latency ms (sent -> 202): n=%llu p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
    static_cast<unsigned long long>(a.count), a.p50_ms, a.p90_ms, a.p99_ms,
    a.max_ms);
  if (o.rate > 0)
    std::printf("schedule lag ms (sent - due): p50 %.3f p99 %.3f max %.3f\n",
                r.schedule_lag.p50_ms, r.schedule_lag.p99_ms,
                r.schedule_lag.max_ms);
  std::fflush(stdout);

  int code = (r.issued > 0 && r.accepted == r.issued) ? 0 : 1;
  if (!trace_path.empty() && !write_trace(trace_path, r.trace)) {
    std::cerr << "tether-push-bench: cannot write --trace " << trace_path
              << '\n';
    code = 1;
  }
  if (!json_path.empty()) {
    boost::json::object st;
    for (const auto& [status, n] : r.other_statuses)
      st[std::to_string(status)] = n;
    boost::json::object j{
      {"server", o.server},
      {"terminals", o.count},
      {"id_prefix", o.id_prefix},
      {"concurrency", o.concurrency},
      {"rate", o.rate},
      {"jobs_limit", o.jobs},
      {"bulk", o.bulk},
      {"refused_items", r.refused_items},
      {"duration_limit_s", duration_s},
      {"stop_reason", r.stop_reason},
      {"issued", r.issued},
      {"accepted", r.accepted},
      {"other_statuses", std::move(st)},
      {"transport_errors", r.transport_errors},
      {"connections_opened", r.connects},
      {"elapsed_s", r.elapsed_s},
      {"accepted_per_s", r.accepted_per_s},
      {"api_latency_ms", to_json(r.api_latency)},
    };
    if (o.rate > 0)
      j["schedule_lag_ms"] = to_json(r.schedule_lag);
    std::ofstream out(json_path, std::ios::trunc);
    std::string text;
    write_json(j, text);
    out << text << '\n';
    out.close();
    if (!out) {
      std::cerr << "tether-push-bench: cannot write --json " << json_path
                << '\n';
      code = 1;
    }
  }
  return code;
}
