// json_writer (storage/json_writer.hpp): the records it writes are byte for
// byte what serializing the same boost::json::object gave, so records stored
// before it read the same and the decoders need no change.
#include "storage/json_writer.hpp"
#include "storage/store.hpp"
#include "tests/storage/record_checks.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>

namespace json = boost::json;
using tether::storage::json_writer;

namespace {

/// Every byte value once, escaped or not.
std::string all_bytes() {
  std::string s;
  for (int c = 0; c < 256; ++c)
    s.push_back(static_cast<char>(c));
  return s;
}

} // namespace

TEST(JsonWriter, StringsAreEscapedAsBoostJsonEscapesThem) {
  for (std::string s :
       {std::string{}, std::string{"plain"}, std::string{"q\"b\\s/"},
        std::string{"tab\tnl\ncr\rff\fbs\b"}, std::string{"\x01\x1f\x7f"},
        std::string{"caf\xc3\xa9 \xe2\x82\xac"}, std::string{"\0x", 2},
        all_bytes()}) {
    json::object o{{"k", s}};
    EXPECT_EQ(json_writer{}.add("k", s).finish(), json::serialize(o))
      << "for a string of " << s.size() << " bytes";
  }
}

TEST(JsonWriter, NumbersAndBoolsAreWrittenAsBoostJsonWritesThem) {
  constexpr auto min = std::numeric_limits<int64_t>::min();
  constexpr auto max = std::numeric_limits<int64_t>::max();
  constexpr auto umax = std::numeric_limits<uint64_t>::max();
  json::object o{{"a", min},  {"b", max},         {"c", int64_t{0}},
                 {"d", umax}, {"e", uint32_t{7}}, {"f", true},
                 {"g", false}};
  auto text = json_writer{}
                .add("a", min)
                .add("b", max)
                .add("c", int64_t{0})
                .add("d", umax)
                .add("e", uint32_t{7})
                .add("f", true)
                .add("g", false)
                .finish();
  EXPECT_EQ(text, json::serialize(o));
  EXPECT_EQ(json_writer{}.finish(), "{}");
}

TEST(JsonWriter, AJsonMemberIsWrittenAsItIs) {
  auto text = json_writer{}
                .add("type", "job")
                .add_json("payload", R"({"n": 1e400, "s":"\u00e9"})")
                .add("after", uint64_t{2})
                .finish();
  EXPECT_EQ(text,
            R"({"type":"job","payload":{"n": 1e400, "s":"\u00e9"},"after":2})");
}

TEST(JsonWriter, AJobRecordIsStoredAsBeforeAndReadsBack) {
  tether::storage::job_record rec;
  rec.job_id = "J00000000000000ab0123456789abcdef";
  rec.terminal_id = "t-\"1\"";
  rec.service = "print";
  rec.payload_json = R"({"sent_at_ms": 1, "text": "a\nb"})";
  rec.status = "done";
  rec.detail = "line\x01";
  rec.callback_url = "http://127.0.0.1:9/cb";
  rec.ttl_s = 60;
  rec.created_at_ms = 1'764'990'000'000;
  rec.updated_at_ms = rec.created_at_ms + 5;
  rec.delivered_at_ms = rec.created_at_ms + 1;
  rec.acked_at_ms = rec.created_at_ms + 2;
  rec.finished_at_ms = rec.created_at_ms + 5;
  rec.deliveries = 2;
  rec.callback_pending = true;
  rec.callback_outcome = "given_up";
  rec.callback_attempts = 3;
  // The object encode() built before json_writer, member for member.
  json::object before{{"job_id", rec.job_id},
                      {"terminal_id", rec.terminal_id},
                      {"service", rec.service},
                      {"payload", rec.payload_json},
                      {"status", rec.status},
                      {"detail", rec.detail},
                      {"callback_url", rec.callback_url},
                      {"ttl_s", rec.ttl_s},
                      {"created_at_ms", rec.created_at_ms},
                      {"updated_at_ms", rec.updated_at_ms},
                      {"delivered_at_ms", rec.delivered_at_ms},
                      {"acked_at_ms", rec.acked_at_ms},
                      {"finished_at_ms", rec.finished_at_ms},
                      {"deliveries", rec.deliveries},
                      {"callback_pending", rec.callback_pending},
                      {"callback_outcome", rec.callback_outcome},
                      {"callback_attempts", rec.callback_attempts}};
  auto text = tether::storage::encode(rec);
  EXPECT_EQ(text, json::serialize(before));
  tether::storage::job_record back;
  ASSERT_TRUE(tether::storage::decode(text, back));
  EXPECT_EQ(back.payload_json, rec.payload_json);
  EXPECT_EQ(back.detail, rec.detail);
  EXPECT_EQ(back.terminal_id, rec.terminal_id);
  EXPECT_EQ(back.finished_at_ms, rec.finished_at_ms);
  EXPECT_EQ(back.deliveries, 2u);
  EXPECT_TRUE(back.callback_pending);
  EXPECT_EQ(back.callback_attempts, 3u);
}

TEST(JsonWriter, AHistoryRecordLeavesEmptyMembersOutAsBefore) {
  tether::storage::call_record r;
  r.event = "job_delivered";
  r.job_id = "J1";
  r.node = "n\"1";
  EXPECT_EQ(tether::storage::encode(r),
            json::serialize(
              json::object{{"e", r.event}, {"j", r.job_id}, {"n", r.node}}));
  r.detail = "done";
  r.address = "127.0.0.2";
  EXPECT_EQ(tether::storage::encode(r),
            json::serialize(json::object{{"e", r.event},
                                         {"j", r.job_id},
                                         {"d", r.detail},
                                         {"n", r.node},
                                         {"a", r.address}}));
  tether::storage::call_record back;
  ASSERT_TRUE(tether::storage::decode(tether::storage::encode(r), back));
  EXPECT_EQ(back.node, r.node);
  EXPECT_EQ(back.address, r.address);
}

TEST(JsonWriter, AnApiHistoryIsStoredAsBeforeAndReadsBack) {
  auto h = tether::storage::sample_history(); // every field set
  h.terminal_id = "t-\"7\"";
  h.disconnect_class.clear();
  h.failure_class.clear();
  // The object encode() built before json_writer, member for member.
  auto before = [](const tether::storage::api_history& r) {
    json::object o{{"terminal_id", r.terminal_id},
                   {"calls", r.calls},
                   {"errors", r.errors},
                   {"window_start_ms", r.window_start_ms},
                   {"window_calls", r.window_calls},
                   {"window_errors", r.window_errors},
                   {"previous_calls", r.previous_calls},
                   {"previous_errors", r.previous_errors},
                   {"window_prints", r.window_prints},
                   {"previous_prints", r.previous_prints},
                   {"pages", r.pages},
                   {"window_jobs", r.window_jobs},
                   {"previous_jobs", r.previous_jobs},
                   {"connects", r.connects},
                   {"disconnects", r.disconnects},
                   {"keepalive_failures", r.keepalive_failures},
                   {"last_seen_ms", r.last_seen_ms}};
    if (!r.disconnect_class.empty())
      o["disconnect_class"] = r.disconnect_class;
    if (!r.failure_class.empty())
      o["failure_class"] = r.failure_class;
    return json::serialize(o);
  };
  EXPECT_EQ(tether::storage::encode(h), before(h)) << "no classes";
  h.disconnect_class = "GE-1764990000000-\x02";
  h.failure_class = "GF-a|1764990000000";
  auto text = tether::storage::encode(h);
  EXPECT_EQ(text, before(h)) << "with both classes";
  tether::storage::api_history back;
  ASSERT_TRUE(tether::storage::decode(text, back));
  EXPECT_EQ(back.terminal_id, h.terminal_id);
  EXPECT_EQ(back.pages, h.pages);
  EXPECT_EQ(back.last_seen_ms, h.last_seen_ms);
  EXPECT_EQ(back.disconnect_class, h.disconnect_class);
  EXPECT_EQ(back.failure_class, h.failure_class);
}
