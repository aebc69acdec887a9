// The device WebSocket protocol (actors/policy/frames.hpp): decoding every
// frame a device may send, and the shapes of the frames the server sends
// (docs/API.md, "Device side"), parsed back with Boost.JSON.
#include "actors/policy/frames.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/actors/policy/json_checks.hpp"

namespace tether::frames {
namespace {

namespace json = boost::json;

struct decoded {
  std::string problem;
  bool fatal = false;
  device_frame frame;
};

decoded dec(std::string_view text) {
  decoded d;
  d.fatal = true; // must be reset by decode
  d.problem = decode(text, d.frame, d.fatal);
  return d;
}

using test_json::parse_object;

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> out;
  for (const auto& kv : o)
    out.emplace_back(kv.key());
  std::sort(out.begin(), out.end());
  return out;
}

// -- decode: fatal ------------------------------------------------------------

TEST(Decode, MalformedJsonIsFatal) {
  for (const char* text : {"", "{", "{\"type\":\"pong\"", "pong",
                           "{'type':'pong'}", "{\"type\":\"pong\",}"}) {
    auto d = dec(text);
    EXPECT_TRUE(d.fatal) << text;
    EXPECT_EQ(d.problem, "malformed JSON frame") << text;
  }
}

TEST(Decode, TooDeepIsFatal) {
  std::string deep = "{\"type\":\"pong\",\"seq\":1,\"x\":";
  for (int i = 0; i < 20; ++i)
    deep += "[";
  for (int i = 0; i < 20; ++i)
    deep += "]";
  deep += "}";
  auto d = dec(deep);
  EXPECT_TRUE(d.fatal);
  EXPECT_FALSE(d.problem.empty());
}

TEST(Decode, NonObjectIsFatal) {
  for (const char* text :
       {"[]", "[{\"type\":\"pong\"}]", "7", "\"pong\"", "null", "true"}) {
    auto d = dec(text);
    EXPECT_TRUE(d.fatal) << text;
    EXPECT_EQ(d.problem, "frame must be a JSON object") << text;
  }
}

TEST(Decode, MissingOrNonStringTypeIsFatal) {
  for (const char* text :
       {"{}", "{\"seq\":1}", "{\"type\":7}", "{\"type\":null}",
        "{\"type\":[\"pong\"]}", "{\"Type\":\"pong\"}"}) {
    auto d = dec(text);
    EXPECT_TRUE(d.fatal) << text;
    EXPECT_EQ(d.problem, "frame has no string \"type\"") << text;
  }
}

// -- decode: unknown type (not fatal)
// ----------------------------------------------

TEST(Decode, UnknownTypeIsNotFatal) {
  auto d = dec(R"({"type":"hello","terminal_id":"T1"})");
  EXPECT_FALSE(d.fatal);
  EXPECT_EQ(d.frame.kind, device_frame::unknown);
  EXPECT_EQ(d.frame.type, "hello");
  EXPECT_EQ(d.problem, "unknown frame type \"hello\"");
  // Server-only and case variants are unknown too.
  for (const char* t : {"ping", "job", "Pong", "", "error"}) {
    auto u = dec(std::string{R"({"type":")"} + t + "\"}");
    EXPECT_FALSE(u.fatal) << t;
    EXPECT_EQ(u.frame.kind, device_frame::unknown) << t;
    EXPECT_FALSE(u.problem.empty()) << t;
  }
}

TEST(Decode, UnknownTypeIsCutInTheMessage) {
  std::string type(500, 'x');
  auto d = dec(R"({"type":")" + type + "\"}");
  EXPECT_FALSE(d.fatal);
  EXPECT_EQ(d.problem, "unknown frame type \"" + std::string(64, 'x') + "\"");
}

// -- decode: pong
// ---------------------------------------------------------------------

TEST(Decode, Pong) {
  auto d = dec(R"({"type":"pong","seq":7})");
  EXPECT_FALSE(d.fatal);
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.kind, device_frame::pong);
  EXPECT_EQ(d.frame.seq, 7u);
  d = dec(R"({"seq":0,"type":"pong","extra":{"ignored":true}})");
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.seq, 0u);
  d = dec(R"({"type":"pong","seq":18446744073709551615})");
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.seq, UINT64_MAX);
}

TEST(Decode, BadPongSeq) {
  for (const char* text :
       {R"({"type":"pong"})", R"({"type":"pong","seq":"7"})",
        R"({"type":"pong","seq":-1})", R"({"type":"pong","seq":1.5})",
        R"({"type":"pong","seq":null})", R"({"type":"pong","seq":[7]})"}) {
    auto d = dec(text);
    EXPECT_FALSE(d.fatal) << text;
    EXPECT_EQ(d.frame.kind, device_frame::pong) << text;
    EXPECT_EQ(d.problem, "pong needs a non-negative integer \"seq\"") << text;
  }
}

// -- decode: ack and result
// ---------------------------------------------------------

TEST(Decode, Ack) {
  auto d = dec(R"({"type":"ack","job_id":"J0000000000000001"})");
  EXPECT_FALSE(d.fatal);
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.kind, device_frame::ack);
  EXPECT_EQ(d.frame.job_id, "J0000000000000001");
}

TEST(Decode, AckWithoutJobId) {
  for (const char* text : {R"({"type":"ack"})", R"({"type":"ack","job_id":""})",
                           R"({"type":"ack","job_id":17})"}) {
    auto d = dec(text);
    EXPECT_FALSE(d.fatal) << text;
    EXPECT_EQ(d.frame.kind, device_frame::ack) << text;
    EXPECT_EQ(d.problem, "ack needs a string \"job_id\"") << text;
  }
}

TEST(Decode, Result) {
  auto d = dec(
    R"({"type":"result","job_id":"J1","status":"done","detail":"printed"})");
  EXPECT_FALSE(d.fatal);
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.kind, device_frame::result);
  EXPECT_EQ(d.frame.job_id, "J1");
  EXPECT_EQ(d.frame.status, "done");
  EXPECT_EQ(d.frame.detail, "printed");
  d = dec(R"({"type":"result","job_id":"J2","status":"failed"})");
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.status, "failed");
  EXPECT_EQ(d.frame.detail, "");
}

TEST(Decode, ResultPages) {
  auto d = dec(R"({"type":"result","job_id":"J1","status":"done","pages":12})");
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.pages, 12u);
  d = dec(R"({"type":"result","job_id":"J1","status":"done","pages":0})");
  EXPECT_EQ(d.frame.pages, 0u); // nothing printed
  d = dec(R"({"type":"result","job_id":"J1","status":"done"})");
  EXPECT_FALSE(d.frame.pages); // not said
  for (const char* text :
       {R"({"type":"result","job_id":"J1","status":"done","pages":-1})",
        R"({"type":"result","job_id":"J1","status":"done","pages":1000001})",
        R"({"type":"result","job_id":"J1","status":"done","pages":2.5})",
        R"({"type":"result","job_id":"J1","status":"done","pages":"3"})",
        R"({"type":"result","job_id":"J1","status":"done",)"
        R"("pages":18446744073709551615})"}) {
    d = dec(text);
    EXPECT_FALSE(d.fatal) << text;
    EXPECT_NE(d.problem.find("\"pages\""), std::string::npos) << text;
  }
}

TEST(Decode, ResultDetailIsCut) {
  auto d = dec(R"({"type":"result","job_id":"J1","status":"failed","detail":")"
               + std::string(5000, 'd') + "\"}");
  EXPECT_EQ(d.problem, "");
  EXPECT_EQ(d.frame.detail.size(), 1024u);
}

TEST(Decode, ResultWithoutJobId) {
  for (const char* text : {R"({"type":"result","status":"done"})",
                           R"({"type":"result","job_id":"","status":"done"})",
                           R"({"type":"result","job_id":1,"status":"done"})"}) {
    auto d = dec(text);
    EXPECT_FALSE(d.fatal) << text;
    EXPECT_EQ(d.frame.kind, device_frame::result) << text;
    EXPECT_EQ(d.problem, "result needs a string \"job_id\"") << text;
  }
}

TEST(Decode, ResultWithBadStatus) {
  for (const char* text :
       {R"({"type":"result","job_id":"J1"})",
        R"({"type":"result","job_id":"J1","status":"ok"})",
        R"({"type":"result","job_id":"J1","status":"acked"})",
        R"({"type":"result","job_id":"J1","status":"DONE"})",
        R"({"type":"result","job_id":"J1","status":true})"}) {
    auto d = dec(text);
    EXPECT_FALSE(d.fatal) << text;
    EXPECT_EQ(d.problem, "result needs \"status\" \"done\" or \"failed\"")
      << text;
  }
}

// -- encoders: the shapes of docs/API.md
// ------------------------------------------------------

TEST(Encode, Hello) {
  auto o = parse_object(hello("T1", "C1", "C1-n2", 30));
  EXPECT_EQ(keys_of(o),
            (std::vector<std::string>{"cluster_id", "keepalive_s", "node_id",
                                      "terminal_id", "type"}));
  EXPECT_EQ(o.at("type"), "hello");
  EXPECT_EQ(o.at("terminal_id"), "T1");
  EXPECT_EQ(o.at("cluster_id"), "C1");
  EXPECT_EQ(o.at("node_id"), "C1-n2");
  ASSERT_TRUE(o.at("keepalive_s").is_number());
  EXPECT_EQ(o.at("keepalive_s").to_number<int64_t>(), 30);
}

TEST(Encode, Ping) {
  auto o = parse_object(ping(7));
  EXPECT_EQ(keys_of(o), (std::vector<std::string>{"seq", "type"}));
  EXPECT_EQ(o.at("type"), "ping");
  EXPECT_EQ(o.at("seq").to_number<uint64_t>(), 7u);
  // What we send, the device's pong answers with the same seq.
  auto d = dec(R"({"type":"pong","seq":)" + json::serialize(o.at("seq")) + "}");
  EXPECT_EQ(d.frame.seq, 7u);
}

TEST(Encode, Job) {
  storage::job_record j;
  j.job_id = "J0000000000000001";
  j.terminal_id = "T1";
  j.service = "print";
  j.payload_json = R"({"doc":"x \"y\"","copies":2,"nested":{"a":[1,2]}})";
  j.status = "queued";
  auto o = parse_object(job(j));
  EXPECT_EQ(keys_of(o),
            (std::vector<std::string>{"job_id", "payload", "service", "type"}));
  EXPECT_EQ(o.at("type"), "job");
  EXPECT_EQ(o.at("job_id"), "J0000000000000001");
  EXPECT_EQ(o.at("service"), "print");
  // The payload is an object, not a string holding JSON.
  ASSERT_TRUE(o.at("payload").is_object());
  EXPECT_EQ(o.at("payload"), json::parse(j.payload_json));
}

// The payload goes to the device as the client wrote it (its numbers not
// rewritten); a job without one carries {}.
TEST(Encode, JobPayloadIsSentAsWritten) {
  storage::job_record j;
  j.job_id = "J1";
  j.service = "print";
  j.payload_json = R"({"x":1e400, "y":0.1,"n":123456789012345678901234567890})";
  auto frame = job(j);
  EXPECT_EQ(frame, R"({"type":"job","job_id":"J1","service":"print","payload":)"
                     + j.payload_json + "}");
  j.payload_json.clear();
  auto o = parse_object(job(j));
  ASSERT_TRUE(o.at("payload").is_object());
  EXPECT_TRUE(o.at("payload").as_object().empty());
}

TEST(Encode, Reassign) {
  auto o = parse_object(reassign(1234));
  EXPECT_EQ(keys_of(o), (std::vector<std::string>{"after_ms", "type"}));
  EXPECT_EQ(o.at("type"), "reassign");
  EXPECT_EQ(o.at("after_ms").to_number<uint64_t>(), 1234u);
}

TEST(Encode, Error) {
  auto o = parse_object(error("unknown_type", "unknown frame type \"x\""));
  EXPECT_EQ(keys_of(o), (std::vector<std::string>{"code", "message", "type"}));
  EXPECT_EQ(o.at("type"), "error");
  EXPECT_EQ(o.at("code"), "unknown_type");
  EXPECT_EQ(o.at("message"), "unknown frame type \"x\"");
}

TEST(Encode, StringsAreEscaped) {
  auto o = parse_object(hello("T\"1", "C\\1", "n\n1", 1));
  EXPECT_EQ(o.at("terminal_id"), "T\"1");
  EXPECT_EQ(o.at("cluster_id"), "C\\1");
  EXPECT_EQ(o.at("node_id"), "n\n1");
}

} // namespace
} // namespace tether::frames
