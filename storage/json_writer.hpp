// json_writer: writes one flat JSON object straight into a string, for the
// records the job path stores at every step (job_record, call_record).
// encode() used to build a boost::json::object (an allocation per member,
// a copy of every string) only to serialize it at once; on the job path
// that was 6 % of tetherd's CPU (docs/BENCHMARKS.md, "Job path"). The
// bytes are the same as boost::json::serialize of that object, members in
// the order they are written (values escaped as Boost.JSON does: `"`,
// `\`, and control characters; everything else as is; keys, the records'
// own plain ASCII names, are written as given), so stored records and
// their decoders do not change. Plain C++; tested against
// boost::json::serialize in tests/storage/json_writer_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tether::storage {

class json_writer {
public:
  /// Starts the object; `expected_size` reserves room for it.
  explicit json_writer(size_t expected_size = 256);

  json_writer& add(std::string_view key, std::string_view value);
  json_writer& add(std::string_view key, const char* value) {
    return add(key, std::string_view{value});
  }
  json_writer& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view{value});
  }
  json_writer& add(std::string_view key, int64_t value);
  json_writer& add(std::string_view key, uint64_t value);
  json_writer& add(std::string_view key, uint32_t value) {
    return add(key, uint64_t{value});
  }
  json_writer& add(std::string_view key, bool value);
  /// A member whose value is `json_text`, written as it is (JSON text the
  /// caller has checked: a job's payload).
  json_writer& add_json(std::string_view key, std::string_view json_text);

  /// Closes the object and hands its text over (the writer is spent).
  std::string finish();

private:
  void key(std::string_view k);
  void string(std::string_view s);
  template <class Integer>
  json_writer& number(std::string_view k, Integer value);

  std::string out_;
};

} // namespace tether::storage
