// event_sink: one open `text/event-stream` answer (GET /v1/admin/events),
// as the gateway sees it; net/sse_writer.hpp writes it to the socket.
// `stream_opener` is what a connection's responder also is when it can
// hold such an answer open.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "actors/system/messages.hpp"

namespace tether {

class event_sink {
public:
  virtual ~event_sink() = default;
  /// Queues `text` to be written. False, writing nothing, when the
  /// connection is gone or already holds its bound of queued writes.
  virtual bool write(std::string text) = 0;
  /// Writes `last` (when not empty) after what is queued, then closes.
  virtual void close(std::string last) = 0;
  /// False once the client went away or `close` was called.
  virtual bool open() const = 0;
};

class stream_opener {
public:
  virtual ~stream_opener() = default;
  /// Writes `head`'s status and headers (no length: the body runs until
  /// either side closes) and returns the sink for the body, which holds at
  /// most `max_queued` writes not yet on the wire.
  virtual std::shared_ptr<event_sink> open_stream(const http_response& head,
                                                  size_t max_queued)
    = 0;
};

} // namespace tether
