// session_handles: distinct terminal_session handles for the state tests
// (tests/actors/control/*_test.cpp) that only store and compare handles.
// An actor system under CAF's test_coordinator holds `count` idle actors;
// nothing runs until the destructor stops them.
//
// Declare it before every member that keeps a handle: members are
// destroyed in reverse order, so those let go of theirs first.
#pragma once

#include <cstddef>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "actors/system/interfaces.hpp"

namespace tether::actor_test {

class session_handles {
public:
  explicit session_handles(size_t count = 2) : sys_{testing(cfg_)} {
    for (size_t i = 0; i < count; ++i) {
      actors_.push_back(sys_.spawn([]() -> caf::behavior {
        return {[](int) {
        }};
      }));
      handles_.push_back(
        caf::actor_cast<terminal_session_actor>(actors_.back()));
    }
  }

  ~session_handles() {
    handles_.clear();
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors_.clear();
    dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler()).run();
  }

  session_handles(const session_handles&) = delete;
  session_handles& operator=(const session_handles&) = delete;

  const terminal_session_actor& operator[](size_t i) const {
    return handles_.at(i);
  }

private:
  static caf::actor_system_config& testing(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  std::vector<caf::actor> actors_;
  std::vector<terminal_session_actor> handles_;
};

} // namespace tether::actor_test
