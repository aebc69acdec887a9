#include "actors/policy/frames.hpp"

#include <boost/json.hpp>

#include "storage/json_writer.hpp"

namespace json = boost::json;

namespace tether::frames {

namespace {

bool get_string(const json::object& o, const char* key, std::string& out) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string())
    return false;
  out = std::string{v->get_string()};
  return true;
}

} // namespace

std::string decode(std::string_view text, device_frame& out, bool& fatal) {
  fatal = false;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto v = json::parse(text, ec, {}, opts);
  if (ec) {
    fatal = true;
    return "malformed JSON frame";
  }
  if (!v.is_object()) {
    fatal = true;
    return "frame must be a JSON object";
  }
  auto& o = v.get_object();
  if (!get_string(o, "type", out.type)) {
    fatal = true;
    return "frame has no string \"type\"";
  }
  if (out.type == "pong") {
    out.kind = device_frame::pong;
    auto* seq = o.if_contains("seq");
    if (seq == nullptr || !(seq->is_uint64() || seq->is_int64())
        || (seq->is_int64() && seq->get_int64() < 0))
      return "pong needs a non-negative integer \"seq\"";
    out.seq = seq->is_uint64() ? seq->get_uint64()
                               : static_cast<uint64_t>(seq->get_int64());
    return {};
  }
  if (out.type == "ack" || out.type == "result") {
    out.kind = out.type == "ack" ? device_frame::ack : device_frame::result;
    if (!get_string(o, "job_id", out.job_id) || out.job_id.empty())
      return out.type + " needs a string \"job_id\"";
    if (out.kind == device_frame::ack)
      return {};
    if (!get_string(o, "status", out.status)
        || (out.status != "done" && out.status != "failed"))
      return "result needs \"status\" \"done\" or \"failed\"";
    get_string(o, "detail", out.detail);
    if (out.detail.size() > 1024)
      out.detail.resize(1024);
    if (auto* p = o.if_contains("pages")) {
      auto n = p->if_int64();
      if (n == nullptr || *n < 0 || *n > 1'000'000)
        return "result \"pages\" must be a whole number from 0 to 1000000";
      out.pages = static_cast<uint32_t>(*n);
    }
    return {};
  }
  out.kind = device_frame::unknown;
  return "unknown frame type \"" + out.type.substr(0, 64) + "\"";
}

std::string
hello(const std::string& terminal_id, const std::string& cluster_id,
      const std::string& node_id, uint32_t keepalive_s,
      const std::string& connection_id,
      const std::map<std::string, std::string>& service_connections) {
  json::object o{{"type", "hello"},
                 {"terminal_id", terminal_id},
                 {"cluster_id", cluster_id},
                 {"node_id", node_id},
                 {"keepalive_s", keepalive_s}};
  if (!connection_id.empty())
    o["connection_id"] = connection_id;
  if (!service_connections.empty())
    o["service_connections"] = json::value_from(service_connections);
  return json::serialize(o);
}

std::string ping(uint64_t seq) {
  return json::serialize(json::object{{"type", "ping"}, {"seq", seq}});
}

std::string job(const storage::job_record& job) {
  // The payload as the client wrote it (checked by the gateway, or by the
  // store's decoder for a stored job): not parsed again per delivery.
  return storage::json_writer{64 + job.job_id.size() + job.service.size()
                              + job.payload_json.size()}
    .add("type", "job")
    .add("job_id", job.job_id)
    .add("service", job.service)
    .add_json("payload", job.payload_json.empty() ? std::string_view{"{}"}
                                                  : job.payload_json)
    .finish();
}

std::string reassign(uint64_t after_ms) {
  return json::serialize(
    json::object{{"type", "reassign"}, {"after_ms", after_ms}});
}

std::string cancel(const std::string& job_id) {
  return json::serialize(json::object{{"type", "cancel"}, {"job_id", job_id}});
}

std::string error(std::string_view code, std::string_view message) {
  return json::serialize(
    json::object{{"type", "error"}, {"code", code}, {"message", message}});
}

} // namespace tether::frames
