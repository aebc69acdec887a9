#include "actors/http_gateway/event_hub.hpp"

#include <algorithm>
#include <utility>

namespace tether {

event_hub::event_hub(size_t max_streams, std::chrono::milliseconds keepalive)
    : max_streams_(max_streams), keepalive_(keepalive) {}

void event_hub::prune() {
  std::erase_if(streams_, [](const stream& s) { return !s.sink->open(); });
}

bool event_hub::add(std::shared_ptr<event_sink> s, int64_t now_ms,
                    bool& start_poller) {
  std::lock_guard<std::mutex> guard{mutex_};
  prune();
  start_poller = false;
  if (streams_.size() >= max_streams_)
    return false;
  streams_.push_back(stream{std::move(s), now_ms});
  start_poller = !std::exchange(polled_, true);
  return true;
}

bool event_hub::keep_polling() {
  std::lock_guard<std::mutex> guard{mutex_};
  prune();
  if (streams_.empty())
    polled_ = false;
  return polled_;
}

size_t event_hub::size() {
  std::lock_guard<std::mutex> guard{mutex_};
  prune();
  return streams_.size();
}

std::string event_hub::format(uint64_t id, std::string_view kind,
                              std::string_view data) {
  std::string out;
  out.reserve(kind.size() + data.size() + 40);
  out += "id: ";
  out += std::to_string(id);
  out += "\nevent: ";
  out += kind;
  out += "\ndata: ";
  out += data;
  out += "\n\n";
  return out;
}

bool event_hub::send(stream& s, std::string text, int64_t now_ms) {
  if (!s.sink->open())
    return false;
  if (s.sink->write(std::move(text))) {
    s.last_write_ms = now_ms;
    return true;
  }
  // The client does not keep up: a last word, then the stream ends (it
  // reconnects and reads the lists again).
  s.sink->close("event: overflow\ndata: {\"reason\":\"the client did not "
                "read the events fast enough\"}\n\n");
  return false;
}

void event_hub::publish(std::string_view kind, std::string_view data,
                        int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto text = format(next_id_++, kind, data);
  std::erase_if(streams_, [&](stream& s) { return !send(s, text, now_ms); });
}

void event_hub::keepalive(int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::erase_if(streams_, [&](stream& s) {
    if (now_ms - s.last_write_ms < keepalive_.count())
      return !s.sink->open();
    return !send(s, ": keepalive\n\n", now_ms);
  });
}

} // namespace tether
