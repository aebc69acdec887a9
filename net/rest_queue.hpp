// rest_queue: when the balancer's quiet connections free Beast's stream
// (net/resting_websocket.hpp, net/ws_server.cpp), without a timer each.
//
// A connection that goes quiet holding a stream (nothing pending, between
// messages) queues itself once; a sweep every `period` takes the queue and
// asks each connection on its own strand. One that was active since it was
// queued (`rest_marks::quiet` marks it) queues itself again, so a stream is
// freed after one to two periods of silence, and a connection busy all the
// time keeps its stream. An idle device's keepalive (a ping written, its
// pong read milliseconds later) thus makes one stream a period.
//
// Header-only; tests/net/rest_queue_test.cpp.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace tether::net {

/// One connection's part, changed only on its strand (two bools: they fit
/// in the connection's padding).
class rest_marks {
public:
  /// The connection went quiet holding its stream: whether it must queue
  /// itself now (it is not queued yet).
  bool quiet() noexcept {
    touched_ = true;
    if (queued_)
      return false;
    queued_ = true;
    return true;
  }

  enum class verdict { keep, rest, requeue };

  /// At a sweep. `idle`: it holds a stream, between messages, with nothing
  /// pending (else it queues itself when it goes quiet again).
  verdict at_sweep(bool idle) noexcept {
    queued_ = false;
    if (!idle)
      return verdict::keep;
    if (touched_) { // quiet now, but active since it was queued
      touched_ = false;
      queued_ = true;
      return verdict::requeue;
    }
    return verdict::rest;
  }

private:
  bool touched_ = false;
  bool queued_ = false;
};

/// The connections waiting for the next sweep (any thread).
template <class T>
class rest_queue {
public:
  void add(std::weak_ptr<T> c) {
    std::lock_guard guard{mutex_};
    queue_.push_back(std::move(c));
  }

  /// Everything queued since the last take.
  std::vector<std::weak_ptr<T>> take() {
    std::lock_guard guard{mutex_};
    return std::exchange(queue_, {});
  }

private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<T>> queue_;
};

} // namespace tether::net
