#include "storage/json_writer.hpp"

#include <array>
#include <charconv>

namespace tether::storage {

namespace {

/// Boost.JSON's escapes for the bytes below 0x20 ('u': \u00XX).
constexpr char control_escape[] = "uuuuuuuubtnufruuuuuuuuuuuuuuuuuu";
constexpr char hex_digits[] = "0123456789abcdef";

/// The bytes Boost.JSON escapes: control characters, '"' and '\\'.
constexpr auto escaped = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c)
    table[c] = true;
  table['"'] = table['\\'] = true;
  return table;
}();

bool needs_escape(char c) {
  return escaped[static_cast<unsigned char>(c)];
}

} // namespace

json_writer::json_writer(size_t expected_size) {
  out_.reserve(expected_size);
  out_.push_back('{');
}

void json_writer::string(std::string_view s) {
  out_.push_back('"');
  size_t plain = 0; // start of the run not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!needs_escape(c))
      continue;
    out_.append(s.data() + plain, i - plain);
    plain = i + 1;
    out_.push_back('\\');
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20) { // '"' or '\'
      out_.push_back(c);
    } else if (control_escape[u] != 'u') {
      out_.push_back(control_escape[u]);
    } else {
      out_.append("u00");
      out_.push_back(hex_digits[u >> 4]);
      out_.push_back(hex_digits[u & 0xf]);
    }
  }
  out_.append(s.data() + plain, s.size() - plain);
  out_.push_back('"');
}

void json_writer::key(std::string_view k) {
  // Keys are ours (plain ASCII): no escaping, one append each side.
  out_.append(out_.size() > 1 ? ",\"" : "\"", out_.size() > 1 ? 2 : 1);
  out_.append(k);
  out_.append("\":", 2);
}

json_writer& json_writer::add(std::string_view k, std::string_view value) {
  key(k);
  string(value);
  return *this;
}

template <class Integer>
json_writer& json_writer::number(std::string_view k, Integer value) {
  key(k);
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  out_.append(buf, end);
  return *this;
}

json_writer& json_writer::add(std::string_view k, int64_t value) {
  return number(k, value);
}

json_writer& json_writer::add(std::string_view k, uint64_t value) {
  return number(k, value);
}

json_writer& json_writer::add_json(std::string_view k,
                                   std::string_view json_text) {
  key(k);
  out_.append(json_text);
  return *this;
}

json_writer& json_writer::add(std::string_view k, bool value) {
  key(k);
  out_.append(value ? "true" : "false");
  return *this;
}

std::string json_writer::finish() {
  out_.push_back('}');
  return std::move(out_);
}

} // namespace tether::storage
