#include "actors/http_gateway/event_replay.hpp"

#include <charconv>
#include <system_error>
#include <utility>

#include <boost/json.hpp>

namespace tether {

event_replay::event_replay(size_t capacity, std::string run)
    : capacity_(capacity), run_(std::move(run)) {}

std::string event_replay::id_of(uint64_t n) const {
  return run_ + "-" + std::to_string(n);
}

std::string event_replay::format(std::string_view id, std::string_view kind,
                                 std::string_view data) {
  std::string out;
  out.reserve(id.size() + kind.size() + data.size() + 24);
  out += "id: ";
  out += id;
  out += "\nevent: ";
  out += kind;
  out += "\ndata: ";
  out += data;
  out += "\n\n";
  return out;
}

std::string event_replay::record(std::string_view kind, std::string_view data) {
  auto n = next_++;
  auto text = format(id_of(n), kind, data);
  if (capacity_ == 0)
    return text;
  if (ring_.size() == capacity_)
    ring_.pop_front();
  ring_.emplace_back(n, text);
  return text;
}

void event_replay::gap() {
  ring_.clear();
  gap_ = next_++;
}

bool event_replay::number_of(std::string_view id, uint64_t& n) const {
  if (id.size() <= run_.size() + 1 || id.substr(0, run_.size()) != run_
      || id[run_.size()] != '-')
    return false;
  auto digits = id.substr(run_.size() + 1);
  auto [end, ec]
    = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return ec == std::errc{} && end == digits.data() + digits.size();
}

std::string event_replay::reset(std::string_view reason) const {
  // The id is the latest one: a client that reloads its lists now and
  // reconnects later resumes from here.
  auto data = boost::json::serialize(boost::json::object{{"reason", reason}});
  return format(id_of(next_ - 1), "reset", data);
}

event_replay::resumption event_replay::after(std::string_view last_event_id,
                                             size_t at_most) const {
  uint64_t last = 0;
  if (!number_of(last_event_id, last) || last >= next_)
    return {false,
            {reset("Last-Event-ID is not an event of this gateway "
                   "since it started: reload the lists")}};
  if (last < gap_)
    return {false,
            {reset("events were not followed while no stream was "
                   "open: reload the lists")}};
  auto missed = next_ - 1 - last;
  if (missed == 0)
    return {true, {}};
  if (ring_.empty() || ring_.front().first > last + 1)
    return {false,
            {reset("the events after Last-Event-ID are no longer kept "
                   "([limits] event_replay): reload the lists")}};
  if (missed > at_most)
    return {false,
            {reset("more events were missed than one stream may "
                   "queue: reload the lists")}};
  resumption out{true, {}};
  for (const auto& [n, text] : ring_)
    if (n > last)
      out.texts.push_back(text);
  return out;
}

} // namespace tether
