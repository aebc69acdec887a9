// session_events: the sessions opened and closed lately, for the event
// stream of the dashboard (GET /v1/admin/events). Kept only while a reader
// asks (the gateway's event poller, about once a second): with nobody
// asking for `linger`, `note` is one comparison and keeps nothing. At most
// `capacity` entries (the oldest go first). Plain C++; unit-tested in
// tests/actors/control/session_events_test.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace tether {

class session_events {
public:
  explicit session_events(size_t capacity = 4096,
                          std::chrono::milliseconds linger
                          = std::chrono::seconds{10})
      : capacity_(capacity), linger_(linger) {}

  /// A session of `terminal` opened ("connect", `where`: its node) or
  /// closed ("disconnect", `where`: the reason) at `now`.
  void note(const char* kind, const std::string& terminal,
            const std::string& where, int64_t now_ms);
  /// The entries after sequence number `after`, oldest first, as
  /// "seq\tkind\tterminal\twhere" lines; `after` 0: only "seq\tnow", the
  /// number to ask after next. Keeps entries for `linger` from `now`.
  std::vector<std::string> read(uint64_t after, int64_t now_ms);
  /// Whether `note` keeps anything at `now`.
  bool wanted(int64_t now_ms) const { return now_ms < wanted_until_ms_; }

private:
  struct entry {
    uint64_t seq;
    std::string line; // without the sequence number
  };
  size_t capacity_;
  std::chrono::milliseconds linger_;
  int64_t wanted_until_ms_ = 0;
  uint64_t seq_ = 1; // 1: "now" before anything happened (0 asks for it)
  std::deque<entry> entries_;
};

} // namespace tether
