#include "actors/policy/history_query.hpp"

#include <charconv>
#include <chrono>

#include <boost/json.hpp>

#include "actors/policy/api.hpp"

namespace json = boost::json;

namespace tether::api {

namespace {

/// Reads `n` digits at `pos` of `s`; nullopt when they are not all digits.
std::optional<int> digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size())
    return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/// The milliseconds of a fraction at `pos` (after '.'); moves pos past it.
std::optional<int> fraction_ms(std::string_view s, size_t& pos) {
  size_t start = pos;
  int ms = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (pos - start < 3)
      ms = ms * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start || pos - start > 9)
    return std::nullopt;
  for (size_t k = pos - start; k < 3; ++k)
    ms *= 10;
  return ms;
}

/// The offset of the zone at `pos` ("Z", "+hh:mm", "-hh:mm") in minutes;
/// nullopt when malformed or not at the end.
std::optional<int> zone_minutes(std::string_view s, size_t pos) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z'))
    return 0;
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-')
      || s[pos + 3] != ':')
    return std::nullopt;
  auto h = digits(s, pos + 1, 2);
  auto m = digits(s, pos + 4, 2);
  if (!h || !m || *h > 23 || *m > 59)
    return std::nullopt;
  return (s[pos] == '-' ? -1 : 1) * (*h * 60 + *m);
}

std::string parameter(const std::string& name, const std::string& value,
                      history_query& out) {
  if (name == "since") {
    auto ms = parse_rfc3339(value);
    if (!ms)
      return "parameter \"since\" must be an RFC 3339 time such as "
             "2026-12-05T12:00:00Z";
    out.since_ms = *ms;
  } else if (name == "limit") {
    uint32_t n = 0;
    auto [end, ec]
      = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || n < 1
        || n > 1000)
      return "parameter \"limit\" must be a whole number from 1 to 1000";
    out.limit = n;
  } else if (name == "cursor") {
    if (value.empty() || value.size() > 64)
      return "parameter \"cursor\" must be a page's \"next\"";
    out.cursor = value;
  } else {
    return "parameter \"" + name.substr(0, 64)
         + "\" is not known here (known: since, limit, cursor)";
  }
  return {};
}

} // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  auto h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (!y || !mo || !d || !h || !mi || !sec || s[4] != '-' || s[7] != '-'
      || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':'
      || s[16] != ':' || *h > 23 || *mi > 59 || *sec > 60)
    return std::nullopt;
  using namespace std::chrono;
  year_month_day day{year{*y}, month{static_cast<unsigned>(*mo)},
                     std::chrono::day{static_cast<unsigned>(*d)}};
  if (!day.ok())
    return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    auto f = fraction_ms(s, pos);
    if (!f)
      return std::nullopt;
    ms = *f;
  }
  auto zone = zone_minutes(s, pos);
  if (!zone)
    return std::nullopt;
  auto t = sys_days{day}.time_since_epoch() + hours{*h} + minutes{*mi}
         + seconds{*sec} - minutes{*zone};
  return duration_cast<milliseconds>(t).count() + ms;
}

std::string decode_history_query(std::string_view target, history_query& out) {
  auto params = query_params(target);
  if (!params)
    return "the query is malformed (a bad %-escape, or a character a URL "
           "query may not hold)";
  for (const auto& [name, value] : *params)
    if (auto p = parameter(name, value, out); !p.empty())
      return p;
  return {};
}

std::string encode_history(const std::string& terminal_id,
                           const call_page& page) {
  json::array records;
  for (const auto& r : page.records) {
    json::object o;
    o["at"] = rfc3339(r.at_ms);
    o["event"] = r.event;
    if (!r.job_id.empty())
      o["job_id"] = r.job_id;
    if (r.event == "disconnect")
      o["reason"] = r.detail;
    else if (r.event == "job_finished")
      o["status"] = r.detail;
    else if (!r.detail.empty()) // an API call: the HTTP status answered
      o["http_status"] = std::atoi(r.detail.c_str());
    if (!r.node.empty())
      o["node"] = r.node;
    if (!r.address.empty())
      o["address"] = r.address;
    records.push_back(std::move(o));
  }
  json::object out;
  out["terminal_id"] = terminal_id;
  out["records"] = std::move(records);
  out["next"]
    = page.next.empty() ? json::value(nullptr) : json::value(page.next);
  return json::serialize(out);
}

} // namespace tether::api
