#include "actors/notifier/notifier.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/api.hpp"
#include "actors/system/log.hpp"

namespace tether {

std::chrono::milliseconds notifier_state::backoff(uint32_t n) const {
  auto d = cfg.first_backoff;
  for (uint32_t i = 2; i < n && d < cfg.max_backoff; ++i)
    d *= 2;
  return std::min(d, cfg.max_backoff);
}

std::vector<metric_series> notifier_state::metrics() const {
  metric_set m;
  m.add("tether_callback_attempts_total", {}, attempts);
  m.add("tether_callback_attempt_failures_total", {}, failed_attempts);
  m.add("tether_callbacks_total", {{"outcome", "delivered"}}, delivered);
  m.add("tether_callbacks_total", {{"outcome", "given_up"}}, given_up);
  return m.series();
}

namespace {

using self_ptr = notifier_actor::stateful_pointer<notifier_state>;

/// Starts attempts while there is room.
void pump(self_ptr self, const http_poster_ptr& poster) {
  auto& st = self->state;
  auto me = caf::actor_cast<notifier_actor>(self);
  while (st.in_flight < st.cfg.max_in_flight && !st.ready.empty()) {
    auto id = std::move(st.ready.front());
    st.ready.pop_front();
    auto i = st.jobs.find(id);
    if (i == st.jobs.end())
      continue;
    auto attempt = ++i->second.attempts;
    ++st.in_flight;
    poster->post(i->second.job.callback_url, api::encode(i->second.job),
                 [me, id, attempt](bool ok, std::string detail) {
                   caf::anon_send(me, callback_atom::value, id, attempt, ok,
                                  std::move(detail));
                 });
  }
}

} // namespace

notifier_actor::behavior_type notifier(self_ptr self, notifier_settings cfg,
                                       http_poster_ptr poster,
                                       control_actor control) {
  self->state.cfg = cfg;
  auto log = logger("notifier");
  return {
    [self, poster, control, log](callback_atom, job_record& job) {
      auto& st = self->state;
      if (st.jobs.count(job.job_id) > 0)
        return;
      if (st.jobs.size() >= st.cfg.max_queued) {
        log->warn("callback queue full ({}): job {} not notified",
                  st.cfg.max_queued, job.job_id);
        self->send(control, callback_atom::value, job.job_id, uint32_t{0},
                   false);
        return;
      }
      auto id = job.job_id;
      st.jobs.emplace(id, notifier_state::pending{std::move(job), 0});
      st.ready.push_back(id);
      pump(self, poster);
    },
    [self, poster, control, log](callback_atom, const std::string& id,
                                 uint32_t attempt, bool ok,
                                 const std::string& detail) {
      auto& st = self->state;
      --st.in_flight;
      ++st.attempts;
      st.failed_attempts += ok ? 0 : 1;
      auto i = st.jobs.find(id);
      if (i != st.jobs.end()) {
        if (ok) {
          ++st.delivered;
          st.jobs.erase(i);
          self->send(control, callback_atom::value, id, attempt, true);
        } else if (bool refused = detail.rfind(http_poster::refused, 0) == 0;
                   refused || attempt >= st.cfg.max_attempts) {
          // A refused address stays refused: given up at once. That attempt
          // posted nothing, and `attempts` counts the POSTs made (found by
          // a new user: a callback to the gateway itself showed 1).
          auto posts = refused ? attempt - 1 : attempt;
          ++st.given_up;
          log->warn("job {}: callback {} given up after {} POST(s): {}", id,
                    i->second.job.callback_url, posts, detail);
          st.jobs.erase(i);
          self->send(control, callback_atom::value, id, posts, false);
        } else {
          // The first failure says why at info (e.g. "TLS handshake:
          // certificate verify failed (self-signed certificate)"); the
          // retries that follow only at debug.
          log->log(attempt == 1 ? spdlog::level::info : spdlog::level::debug,
                   "job {}: callback {} attempt {} failed, will retry: {}", id,
                   i->second.job.callback_url, attempt, detail);
          self->delayed_send(self, st.backoff(attempt + 1), tick_atom::value,
                             id);
        }
      }
      pump(self, poster);
    },
    [self](get_atom, metrics_atom) { return self->state.metrics(); },
    [self, poster](tick_atom, const std::string& id) {
      self->state.ready.push_back(id);
      pump(self, poster);
    },
  };
}

} // namespace tether
