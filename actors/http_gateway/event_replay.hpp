// event_replay: the last events of GET /v1/admin/events, kept so that a
// client that reconnects with `Last-Event-ID` gets the events it missed
// (docs/API.md "Live events"). It numbers the events: an id is
// "<run>-<n>", `run` drawn when the gateway starts, so that an id of
// another gateway or of an earlier run of this one is never taken for one
// of these. A bounded ring ([limits] event_replay events) holds the latest
// ones; `gap()` marks that events may have happened unseen (the poller
// stopped), and no reconnect from before a gap resumes. Not thread-safe:
// the event_hub holds it under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace tether {

class event_replay {
public:
  /// Keeps the latest `capacity` events (0: none; a reconnect then resumes
  /// only when it missed nothing).
  event_replay(size_t capacity, std::string run);

  /// The text of the next event (`id:`, `event: kind`, `data: data`),
  /// kept in the ring.
  std::string record(std::string_view kind, std::string_view data);

  /// Events may happen now that are never recorded: a client whose last
  /// event came before this cannot resume.
  void gap();

  /// What a client reconnecting with `last_event_id` is to be sent: the
  /// texts of the events after it (`resumed`), or a `reset` event (its id
  /// the latest one, its data the reason) when they are not all here: a
  /// foreign or malformed id, one from before a gap, events gone from the
  /// ring, or more than `at_most` of them (more than the stream may queue).
  struct resumption {
    bool resumed = false;
    std::vector<std::string> texts;
  };
  resumption after(std::string_view last_event_id, size_t at_most) const;

  /// The id of event `n` of this run.
  std::string id_of(uint64_t n) const;

  /// The text of one event.
  static std::string format(std::string_view id, std::string_view kind,
                            std::string_view data);

private:
  std::string reset(std::string_view reason) const;
  /// `n` of an id of this run; false for any other text.
  bool number_of(std::string_view id, uint64_t& n) const;

  size_t capacity_;
  std::string run_;
  uint64_t next_ = 1;
  uint64_t gap_ = 0; // the number the latest gap took (no event has it)
  std::deque<std::pair<uint64_t, std::string>> ring_; // n, text; oldest first
};

} // namespace tether
