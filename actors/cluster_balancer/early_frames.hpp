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

  // -- a re-homing batch's greeting (session_spec::batched) -------------------

  /// The balancer greets the device when the node's answer comes: until
  /// then what a session sends the device waits, so `hello` comes first.
  void await_greeting() { greets = true; }
  /// Holds a frame for the device while the greeting is awaited (true), at
  /// most `max_held` (a session sends at most its job window and pings);
  /// false: it goes to the device now.
  bool hold_for_device(std::string& text, size_t max_held = 64);
  /// The greeting was sent: the frames held meanwhile, in order.
  std::vector<std::string> greeted();
  bool awaits_greeting() const { return greets; }

private:
  bool greets = false;
  std::vector<std::string> held; // for the device, behind the greeting
};

} // namespace tether
