#include "actors/http_gateway/event_hub.hpp"

#include <algorithm>
#include <utility>

namespace tether {

event_hub::event_hub(size_t max_streams, std::chrono::milliseconds keepalive,
                     replay_options replay)
    : max_streams_(max_streams), keepalive_(keepalive), burst_(replay.burst),
      linger_(replay.linger), replay_(replay.kept, std::move(replay.run)) {}

void event_hub::prune() {
  std::erase_if(streams_, [](const stream& s) { return !s.sink->open(); });
}

bool event_hub::add(std::shared_ptr<event_sink> s, int64_t now_ms,
                    bool& start_poller, std::string_view last_event_id) {
  std::lock_guard<std::mutex> guard{mutex_};
  prune();
  start_poller = false;
  if (streams_.size() >= max_streams_)
    return false;
  stream added{std::move(s), now_ms};
  if (!last_event_id.empty() && !resume(added, last_event_id, now_ms))
    return true; // counted as added: it was, and is gone already
  streams_.push_back(std::move(added));
  last_open_ms_ = now_ms;
  start_poller = !std::exchange(polled_, true);
  return true;
}

bool event_hub::resume(stream& s, std::string_view last_event_id,
                       int64_t now_ms) {
  auto r = replay_.after(last_event_id, burst_);
  for (auto& text : r.texts)
    if (!send(s, std::move(text), now_ms))
      return false;
  return true;
}

bool event_hub::keep_polling(int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  prune();
  if (!streams_.empty())
    last_open_ms_ = now_ms;
  else if (polled_ && now_ms - last_open_ms_ >= linger_.count()) {
    polled_ = false;
    replay_.gap(); // from now on nobody follows
  }
  return polled_;
}

size_t event_hub::size() {
  std::lock_guard<std::mutex> guard{mutex_};
  prune();
  return streams_.size();
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
  auto text = replay_.record(kind, data);
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
