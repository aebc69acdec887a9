// sse_writer: the socket side of an answer that stays open (server-sent
// events, GET /v1/admin/events). The connection hands over its stream
// after the request was read; the writer writes the head, then each queued
// text in order, at most `max_queued` waiting (event_sink::write refuses
// more: the gateway's event_hub then ends the stream). A read kept pending
// notices the client closing. The connection has no idle timeout while
// the stream is open: the event hub's keepalive writes every 15 s, and a
// client that does not read fills its queue and is dropped.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>

#include "actors/http_gateway/event_sink.hpp"

namespace tether::net {

template <class Stream>
class sse_writer : public event_sink,
                   public std::enable_shared_from_this<sse_writer<Stream>> {
public:
  /// `owner` keeps the connection (and so `stream`) alive while this is.
  sse_writer(std::shared_ptr<void> owner, Stream& stream, size_t max_queued)
      : owner_(std::move(owner)), stream_(stream), max_queued_(max_queued) {}

  /// Writes `head` and starts watching for the client's close.
  void start(std::string head) {
    boost::asio::post(stream_.get_executor(),
                      [self = this->shared_from_this(), head]() mutable {
                        self->watch();
                        self->enqueue(std::move(head), false);
                      });
  }

  bool write(std::string text) override {
    if (!open())
      return false;
    if (queued_.fetch_add(1) >= max_queued_) {
      queued_.fetch_sub(1);
      return false;
    }
    boost::asio::post(
      stream_.get_executor(),
      [self = this->shared_from_this(), text = std::move(text)]() mutable {
        self->enqueue(std::move(text));
      });
    return true;
  }

  void close(std::string last) override {
    if (closed_.exchange(true))
      return;
    boost::asio::post(
      stream_.get_executor(),
      [self = this->shared_from_this(), last = std::move(last)]() mutable {
        self->close_after_ = true;
        if (!last.empty())
          self->enqueue(std::move(last), false);
        else if (!self->writing_)
          self->shutdown();
      });
  }

  bool open() const override { return !closed_ && !gone_; }

private:
  // On the connection's executor from here on.
  void enqueue(std::string text, bool counted = true) {
    queue_.emplace_back(std::move(text), counted);
    if (!writing_)
      pump();
  }

  void pump() {
    if (queue_.empty()) {
      if (close_after_)
        shutdown();
      return;
    }
    writing_ = true;
    boost::asio::async_write(
      stream_, boost::asio::buffer(queue_.front().first),
      [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
        self->writing_ = false;
        if (self->queue_.front().second)
          self->queued_.fetch_sub(1);
        self->queue_.pop_front();
        if (ec) {
          self->gone_ = true;
          return self->shutdown();
        }
        self->pump();
      });
  }

  /// The client sends nothing on an event stream: a read ends when it
  /// closes (or breaks) the connection.
  void watch() {
    stream_.async_read_some(
      boost::asio::buffer(byte_),
      [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
        if (ec) {
          self->gone_ = true;
          return;
        }
        self->watch();
      });
  }

  void shutdown() {
    gone_ = true;
    boost::beast::error_code ignored;
    auto& tcp = stream_.next_layer();
    tcp.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    tcp.close();
  }

  std::shared_ptr<void> owner_;
  Stream& stream_;
  size_t max_queued_;
  std::atomic<size_t> queued_{0};
  std::atomic<bool> closed_{false};
  std::atomic<bool> gone_{false};
  std::deque<std::pair<std::string, bool>> queue_; // text, counted
  bool writing_ = false;
  bool close_after_ = false;
  char byte_[64];
};

} // namespace tether::net
