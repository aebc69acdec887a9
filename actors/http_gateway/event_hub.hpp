// event_hub: the fan-out of GET /v1/admin/events. It holds the open
// streams (at most `max_streams`), numbers the events, writes each to
// every stream, and drops a stream that cannot keep up (its queue of
// unwritten events is full) after a last `event: overflow`. A stream with
// nothing written for `keepalive` gets a comment line, so proxies and the
// client see the connection alive. The latest events are kept
// (event_replay) so that a client reconnecting with Last-Event-ID gets what
// it missed, or a `reset` event; for that the poller keeps following for
// `linger` after the last stream closed. Thread-safe: the gateway adds
// streams, the poller (http_events.cpp) publishes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/http_gateway/event_replay.hpp"
#include "actors/http_gateway/event_sink.hpp"

namespace tether {

/// How the event_hub serves a reconnecting client: the events kept (0:
/// none), at most `burst` of them written to one stream (more: `reset`),
/// the poller kept following for `linger` after the last stream closed,
/// and this run's id prefix (event_replay).
struct event_replay_options {
  size_t kept = 0;
  size_t burst = 256;
  std::chrono::milliseconds linger{0};
  std::string run = "r";
};

class event_hub {
public:
  using replay_options = event_replay_options;

  explicit event_hub(size_t max_streams,
                     std::chrono::milliseconds keepalive
                     = std::chrono::seconds{15},
                     replay_options replay = {});

  /// Adds `s` unless `max_streams` are open (closed ones are forgotten
  /// first); false when over the cap. `last_event_id` (the request's
  /// Last-Event-ID, empty for none): the events it missed are written to
  /// `s` first, or a `reset` event. `start_poller` is set when nobody
  /// polls for events now (the first stream, or the first after the
  /// poller stopped): the caller starts one.
  bool add(std::shared_ptr<event_sink> s, int64_t now_ms, bool& start_poller,
           std::string_view last_event_id = {});
  /// Asked by the poller on each round: false (and the poller stops) when
  /// no stream has been open for `linger`, so nothing is read while nobody
  /// listens; what happens from then on is not seen (a gap: reconnects
  /// from before it get `reset`).
  bool keep_polling(int64_t now_ms);
  /// The streams still open.
  size_t size();
  /// Writes `event: kind` with `data` (one JSON line) and the next id to
  /// every stream.
  void publish(std::string_view kind, std::string_view data, int64_t now_ms);
  /// A `: keepalive` comment to each stream idle since `keepalive`.
  void keepalive(int64_t now_ms);

private:
  struct stream {
    std::shared_ptr<event_sink> sink;
    int64_t last_write_ms = 0;
  };
  /// Writes `text` to `s`; on a full queue closes it with the overflow
  /// event. False when the stream is to be dropped.
  bool send(stream& s, std::string text, int64_t now_ms);
  /// What `s` missed since `last_event_id`; false when it was dropped.
  bool resume(stream& s, std::string_view last_event_id, int64_t now_ms);
  void prune();

  std::mutex mutex_;
  size_t max_streams_;
  std::chrono::milliseconds keepalive_;
  size_t burst_;
  std::chrono::milliseconds linger_;
  event_replay replay_;
  bool polled_ = false;      // a poller runs
  int64_t last_open_ms_ = 0; // when a stream was last seen open

  std::vector<stream> streams_;
};

} // namespace tether
