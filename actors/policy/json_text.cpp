#include "actors/policy/json_text.hpp"

#include <algorithm>
#include <string>

#include <boost/json/parse.hpp>

namespace tether::api {

namespace {

class cursor {
public:
  explicit cursor(std::string_view text) : s_(text) {}

  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  size_t pos() const { return i_; }
  std::string_view slice(size_t from, size_t to) const {
    return s_.substr(from, to - from);
  }

  void skip_space() {
    while (
      !done()
      && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  void advance() { ++i_; }

  bool take(char c) {
    skip_space();
    if (peek() != c)
      return false;
    ++i_;
    return true;
  }

  /// Skips a string token (at its opening quote); false when unterminated.
  bool skip_string() {
    ++i_; // the opening quote
    while (!done()) {
      char c = s_[i_++];
      if (c == '\\')
        ++i_;
      else if (c == '"')
        return true;
    }
    return false;
  }

  /// Skips one value; false on text that is not a value.
  bool skip_value() {
    skip_space();
    if (peek() == '"')
      return skip_string();
    if (peek() == '{' || peek() == '[')
      return skip_nested();
    size_t from = i_;
    while (!done() && peek() != ',' && peek() != '}' && peek() != ']'
           && peek() != ' ' && peek() != '\t' && peek() != '\n'
           && peek() != '\r')
      ++i_;
    return i_ > from;
  }

private:
  bool skip_nested() {
    size_t depth = 0;
    while (!done()) {
      char c = peek();
      if (c == '"') {
        if (!skip_string())
          return false;
        continue;
      }
      ++i_;
      if (c == '{' || c == '[')
        ++depth;
      else if ((c == '}' || c == ']') && --depth == 0)
        return true;
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

/// The name a key token (quotes included) stands for: its text, or when
/// it has escapes, its decoded form kept in `buffer`.
std::string_view key_name(std::string_view token, std::string& buffer) {
  auto inner = token.substr(1, token.size() - 2);
  if (inner.find('\\') == std::string_view::npos)
    return inner;
  boost::system::error_code ec;
  auto v = boost::json::parse(token, ec);
  if (ec || !v.is_string())
    return inner;
  buffer = v.get_string();
  return buffer;
}

bool walk(cursor& c, std::optional<std::string>& repeated);

bool walk_object(cursor& c, std::optional<std::string>& repeated) {
  c.advance(); // '{'
  if (c.take('}'))
    return true;
  std::vector<std::string> keys;
  do {
    c.skip_space();
    if (c.peek() != '"')
      return false;
    auto from = c.pos();
    if (!c.skip_string())
      return false;
    std::string buffer;
    keys.emplace_back(key_name(c.slice(from, c.pos()), buffer));
    if (!c.take(':') || !walk(c, repeated))
      return false;
  } while (c.take(','));
  std::sort(keys.begin(), keys.end());
  if (auto i = std::adjacent_find(keys.begin(), keys.end());
      i != keys.end() && !repeated)
    repeated = *i;
  return c.take('}');
}

bool walk(cursor& c, std::optional<std::string>& repeated) {
  c.skip_space();
  if (c.peek() == '{')
    return walk_object(c, repeated);
  if (c.peek() != '[')
    return c.skip_value();
  c.advance(); // '['
  if (c.take(']'))
    return true;
  do {
    if (!walk(c, repeated))
      return false;
  } while (c.take(','));
  return c.take(']');
}

} // namespace

std::optional<std::string> repeated_key(std::string_view json_text) {
  cursor c{json_text};
  std::optional<std::string> repeated;
  walk(c, repeated);
  return repeated;
}

std::optional<std::string_view> member_text(std::string_view object_text,
                                            std::string_view key) {
  cursor c{object_text};
  std::optional<std::string_view> found;
  if (!c.take('{'))
    return std::nullopt;
  if (c.take('}'))
    return std::nullopt;
  do {
    c.skip_space();
    if (c.peek() != '"')
      return std::nullopt;
    auto name_from = c.pos();
    if (!c.skip_string())
      return std::nullopt;
    auto name = c.slice(name_from, c.pos());
    if (!c.take(':'))
      return std::nullopt;
    c.skip_space();
    auto from = c.pos();
    if (!c.skip_value())
      return std::nullopt;
    std::string buffer;
    if (key_name(name, buffer) == key)
      found = c.slice(from, c.pos());
  } while (c.take(','));
  return c.take('}') ? found : std::nullopt;
}

std::vector<std::string_view> element_texts(std::string_view array_text) {
  cursor c{array_text};
  std::vector<std::string_view> out;
  if (!c.take('['))
    return {};
  if (c.take(']'))
    return out;
  do {
    c.skip_space();
    auto from = c.pos();
    if (!c.skip_value())
      return {};
    out.push_back(c.slice(from, c.pos()));
  } while (c.take(','));
  return c.take(']') ? out : std::vector<std::string_view>{};
}

} // namespace tether::api
