// early_frames: what a device sends before its session exists (frames) and
// the jobs pushed meanwhile, kept for the session and handed over once the
// node has started it. The budget is `max_early_frames` frames on top of two
// answers per frame sent to the device meanwhile (a session may already be
// sending: the balancer learns its handle from the node's answer, which can
// come later; and a device may answer a job twice, ack and result).
// Plain C++, one per connection of a cluster balancer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/system/messages.hpp"

namespace tether {

class early_frames {
public:
  std::vector<std::string> frames; // frames before the session exists
  /// Answers the device may owe while `frames` collects.
  size_t sent = 0;
  std::vector<job_record> jobs; // jobs before the session exists

  /// Keeps a frame if the budget allows; false: the device sent too many.
  bool keep(std::string& text, size_t max_early_frames);

  /// Keeps a job for the session being started, at most `max_early_frames`.
  bool keep(const job_record& job, size_t max_early_frames);

  /// A frame went to the device before its session took over: it may
  /// answer twice (a job: ack and result).
  void sent_to_device() { sent += 2; }

  /// The session moves to another node: the device may still answer every
  /// job of the old session's window (an ack and a result each).
  void after_move();

  /// Clears everything (once handed over to the session).
  void clear();
};

} // namespace tether
