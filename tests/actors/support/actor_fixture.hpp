// The shared deterministic fixture of the actor tests (tests/actors/<role>/
// *_flow_test.cpp): an actor system under CAF's test_coordinator, and small
// fake actors for a role's peers that record what they receive.
//
// Nothing here sleeps: `sched.run()` dispatches every queued message (also
// the answers to requests), and timers fire only when the test advances the
// coordinator's clock.
//
// Everything runs on the test's thread, so the logs need no locks. Logs hold
// actor ids, not handles, so they keep no actor alive.
//
// The fakes are dynamically typed actors used through actor_cast to the
// role's handle type: they answer only what the tests exercise, so a role's
// interface can grow without breaking them (a message they do not handle is
// answered with `unexpected_message`, which fails the test that relies on it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <gtest/gtest.h>

#include "actors/system/errors.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/log.hpp"
#include "config/topology.hpp"

namespace tether::actor_test {

namespace json = boost::json;
using namespace std::chrono_literals;

/// Makes a fake store answer the puts it holds back (see `store_log`).
using release_atom = caf::atom_constant<caf::atom("release")>;

/// Parses JSON text; a parse error fails the test.
json::value parse(const std::string& text);

/// The "type" of a device frame ("" if it has none).
std::string type_of(const std::string& frame);

// -- fakes --------------------------------------------------------------------

/// What a fake cluster_balancer received.
struct balancer_log {
  std::vector<std::pair<uint64_t, std::string>> to_dev;
  std::vector<std::tuple<uint64_t, uint16_t, std::string>> closes;
  std::vector<job_record> delivered;
  std::vector<std::pair<std::string, std::string>> node_states; // node, state
  /// node, capacity, weight (PUT /v1/admin/nodes)
  std::vector<std::tuple<std::string, uint32_t, uint32_t>> tunings;
  bool deliver_answer = true;
  size_t bulk_delivers = 0; // messages with a bulk's jobs (the jobs: delivered)
  balancer_status status{}; // what it answers to `status`

  std::vector<std::string> frames_of_type(const std::string& type) const;
};

caf::behavior fake_balancer(caf::event_based_actor*,
                            std::shared_ptr<balancer_log> log);

struct session_event {
  std::string terminal_id;
  std::string text; // node id (open, move) or reason (closed)
  caf::actor_id session = 0;
  std::string address{};   // open with the device's source address
  uint64_t generation = 0; // open and move: session_spec::generation
};

/// What a fake control received.
struct control_log {
  std::vector<session_event> opened;
  std::vector<session_event> moved;
  std::vector<session_event> closed;
  std::vector<job_update> updates;
  std::vector<std::pair<std::string, bool>> callbacks; // job id, accepted
  std::vector<uint32_t> callback_posts; // the POSTs each callback made
  /// svc_conn: terminal and its session's connection ids per service.
  std::vector<std::pair<std::string, std::map<std::string, std::string>>>
    service_connections;
  /// Messages with a node's re-homing batch of moved sessions.
  size_t move_batches = 0;

  /// A moved session: in `moved`, and its ids in `service_connections`
  /// when it has a key (as svc_conn says them after `open`).
  void move(const session_moved& m);
};

caf::behavior fake_control(caf::event_based_actor*,
                           std::shared_ptr<control_log> log);

/// What a fake store received, and how it answers puts.
struct store_log {
  enum mode_t { answer, hold, fail } mode = answer;
  std::vector<terminal_record> terminals;
  std::vector<std::pair<std::vector<job_record>, uint64_t>> job_puts;
  std::vector<bool> job_puts_lazy;   // each job put was a lazy states batch
  std::vector<bool> job_puts_urgent; // each job put came in the urgent queue
  std::vector<std::vector<api_history>> history_puts;
  std::vector<std::pair<std::vector<disconnect_event>, int64_t>> event_puts;
  std::vector<cluster_settings> cluster_puts;
  std::vector<std::pair<std::string, std::string>> node_puts; // node, state
  std::vector<std::pair<std::string, uint64_t>> retired;      // id, generation
  std::vector<call_record> calls; // per-call history records, as put
  std::vector<std::vector<disconnect_event>> event_deletes; // retire events
  size_t held = 0;
};

/// A store_actor stand-in. In `hold` mode it keeps the answers to puts until
/// it receives `release` (so a test sees what happens before the answer); in
/// `fail` mode it answers with an error.
caf::behavior fake_store(caf::event_based_actor* self,
                         std::shared_ptr<store_log> log);

/// A selector that gives every terminal `label`.
caf::behavior fake_selector(caf::event_based_actor*, assigned_label label);

struct manager_log {
  std::vector<terminal_record> assigned;
  std::vector<job_record> delivered;
  size_t bulk_delivers = 0; // messages with a bulk's jobs (the jobs: delivered)
  std::map<std::string, std::string> clusters; // lookup answers
  /// Declared services admissions answer (missing: none declared).
  std::map<std::string, std::vector<std::string>> services;
  std::vector<std::string> retired; // terminals forgotten
  std::vector<std::string> moves;   // re-allocation moves, in order
  bool unavailable = false; // admissions answer errc::unavailable (a storm)
  /// Admissions are not answered (a frozen manager) until `release_atom`
  /// (delivered from the manager's context, as promises must be).
  bool silent = false;
  std::vector<std::pair<std::string, caf::response_promise>> held;
};

caf::behavior fake_manager(caf::event_based_actor*,
                           std::shared_ptr<manager_log> log);

struct session_log {
  std::vector<job_record> delivered;
  std::vector<std::string> closed;
  std::vector<std::string> canceled;                    // job ids
  std::vector<std::pair<uint16_t, std::string>> closes; // told to close
};

caf::behavior fake_session(caf::event_based_actor*,
                           std::shared_ptr<session_log> log);

/// Spawns a fake and returns it as the handle type of the role it plays.
template <class Handle, class F, class... Ts>
Handle spawn_fake(caf::actor_system& sys, F fun, Ts&&... xs) {
  return caf::actor_cast<Handle>(sys.spawn(fun, std::forward<Ts>(xs)...));
}

/// A device's socket as the balancer sees it.
struct fake_link : ws_link {
  std::vector<std::pair<uint16_t, std::string>> admissions;
  std::vector<std::string> sent;
  std::vector<std::pair<uint16_t, std::string>> closes;

  void admitted(uint16_t status, std::string body) override {
    admissions.emplace_back(status, std::move(body));
  }
  void send_text(std::string text) override { sent.push_back(std::move(text)); }
  void close(uint16_t code, std::string reason) override {
    closes.emplace_back(code, std::move(reason));
  }
};

/// The HTTP client of job callbacks. Each post is kept with its `done`
/// callback; the test decides the outcome.
struct fake_poster : http_poster {
  struct call {
    std::string url;
    std::string body;
    std::function<void(bool, std::string)> done;
  };
  std::vector<call> calls;

  void post(std::string url, std::string body,
            std::function<void(bool ok, std::string detail)> done) override {
    calls.push_back({std::move(url), std::move(body), std::move(done)});
  }
};

/// The socket side of one HTTP request: keeps every answer it is given.
struct fake_responder : http_responder {
  std::vector<http_response> answers;

  void respond(http_response r) override { answers.push_back(std::move(r)); }
};

// -- records ------------------------------------------------------------------

/// A job as a client pushes it (no id yet).
job_record job_request(const std::string& terminal);

/// A job as the store has it: `job_request` with id `seq` and `status`.
job_record stored_job(uint64_t seq, const std::string& terminal,
                      const std::string& status);

/// The facts a device registers with.
terminal_record device_facts(const std::string& id, const std::string& region,
                             const std::string& model);

/// The all-in-one topology (config::default_topology_toml): C1 takes region
/// GG1 with models GJ1/GJ2 (nodes C1-n1, C1-n2), C2 takes region GG2.
config::topology default_topology();

// -- fixture ------------------------------------------------------------------

template <class T>
struct outcome {
  bool done = false;
  std::optional<T> value;
  caf::error error;
};

class ActorFlow : public ::testing::Test {
protected:
  ActorFlow();
  ~ActorFlow() override;

  /// Remembers an actor to stop at the end of the test (periodic actors
  /// would otherwise keep the coordinator busy forever).
  template <class Handle>
  Handle own(Handle h) {
    owned.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  /// Stops the actors remembered by `own` and dispatches their exits.
  void stop_owned();

  /// Sends a request from a throw-away actor and records its outcome; the
  /// answer arrives during a later `sched.run()`.
  template <class T, class Handle, class... Ts>
  std::shared_ptr<outcome<T>> ask(const Handle& dest, Ts... xs) {
    auto out = std::make_shared<outcome<T>>();
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(dest, 60s, xs...)
        .then(
          [=](T& x) {
            out->done = true;
            out->value = std::move(x);
          },
          [=](caf::error& err) {
            out->done = true;
            out->error = std::move(err);
          });
    });
    return out;
  }

  /// `ask` for a terminal's status at the control, answered.
  std::shared_ptr<outcome<terminal_status>>
  terminal_of(const control_actor& control, const std::string& terminal);

  /// A real cluster_manager of `topo` on `store`, with a fake balancer
  /// joined for C1 and C2; `logs` (if given) gets their logs by cluster id.
  cluster_manager_actor
  spawn_manager(const config::topology& topo, const store_actor& store,
                std::map<std::string, std::shared_ptr<balancer_log>>* logs
                = nullptr,
                const storage::admin_settings& admin = {});

  /// Makes a fake store (in `hold` mode) answer what it holds.
  void release(const store_actor& store);

  /// Advances the clock by `d` and dispatches what that triggered.
  void advance(caf::timespan d);

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::vector<caf::actor> owned;
};

} // namespace tether::actor_test
