// event_hub: the fan-out of GET /v1/admin/events. It holds the open
// streams (at most `max_streams`), numbers the events, writes each to
// every stream, and drops a stream that cannot keep up (its queue of
// unwritten events is full) after a last `event: overflow`. A stream with
// nothing written for `keepalive` gets a comment line, so proxies and the
// client see the connection alive. Thread-safe: the gateway adds streams,
// the poller (http_events.cpp) publishes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/http_gateway/event_sink.hpp"

namespace tether {

class event_hub {
public:
  explicit event_hub(size_t max_streams, std::chrono::milliseconds keepalive
                                         = std::chrono::seconds{15});

  /// Adds `s` unless `max_streams` are open (closed ones are forgotten
  /// first); false when over the cap. `start_poller` is set when nobody
  /// polls for events now (the first stream, or the first after the
  /// poller stopped): the caller starts one.
  bool add(std::shared_ptr<event_sink> s, int64_t now_ms, bool& start_poller);
  /// Asked by the poller on each round: false (and the poller stops) when
  /// no stream is open, so nothing is read while nobody listens.
  bool keep_polling();
  /// The streams still open.
  size_t size();
  /// Writes `event: kind` with `data` (one JSON line) and the next id to
  /// every stream.
  void publish(std::string_view kind, std::string_view data, int64_t now_ms);
  /// A `: keepalive` comment to each stream idle since `keepalive`.
  void keepalive(int64_t now_ms);
  /// The text of one event.
  static std::string format(uint64_t id, std::string_view kind,
                            std::string_view data);

private:
  struct stream {
    std::shared_ptr<event_sink> sink;
    int64_t last_write_ms = 0;
  };
  /// Writes `text` to `s`; on a full queue closes it with the overflow
  /// event. False when the stream is to be dropped.
  bool send(stream& s, std::string text, int64_t now_ms);
  void prune();

  std::mutex mutex_;
  size_t max_streams_;
  std::chrono::milliseconds keepalive_;
  uint64_t next_id_ = 1;
  bool polled_ = false; // a poller runs
  std::vector<stream> streams_;
};

} // namespace tether
