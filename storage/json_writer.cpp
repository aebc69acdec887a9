#include "storage/json_writer.hpp"

#include <charconv>

namespace tether::storage {

namespace {

/// Boost.JSON's escapes for the bytes below 0x20 ('u': \u00XX).
constexpr char control_escape[] = "uuuuuuuubtnufruuuuuuuuuuuuuuuuuu";
constexpr char hex_digits[] = "0123456789abcdef";

bool needs_escape(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
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
  if (out_.size() > 1)
    out_.push_back(',');
  string(k);
  out_.push_back(':');
}

json_writer& json_writer::add(std::string_view k, std::string_view value) {
  key(k);
  string(value);
  return *this;
}

json_writer& json_writer::add(std::string_view k, int64_t value) {
  key(k);
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  out_.append(buf, end);
  return *this;
}

json_writer& json_writer::add(std::string_view k, uint64_t value) {
  key(k);
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  out_.append(buf, end);
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
