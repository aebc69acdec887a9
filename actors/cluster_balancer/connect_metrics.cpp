#include "actors/cluster_balancer/connect_metrics.hpp"

#include "actors/system/close_codes.hpp"

namespace tether {

const char* disconnect_reason::of_close_code(uint16_t code) {
  switch (code) {
  case close_code::keepalive_lost:
    return keepalive_lost;
  case close_code::replaced:
    return replaced;
  case close_code::revoked:
    return revoked;
  case close_code::policy:
    return policy;
  default:
    return by_server;
  }
}

connect_metrics::connect_metrics() {
  set_.add("tether_connects_total", {}, 0);
  for (const char* reason : move_reason::all)
    set_.add("tether_session_moves_total", {{"reason", reason}}, 0);
}

void connect_metrics::connected(clock::time_point arrived,
                                clock::time_point now) {
  set_.add("tether_connects_total");
  set_.observe("tether_connect_duration_seconds", {},
               std::chrono::duration<double>(now - arrived).count());
}

void connect_metrics::admission(clock::time_point arrived,
                                clock::time_point now,
                                std::string_view outcome) {
  set_.observe("tether_admission_duration_seconds",
               {{"outcome", std::string{outcome}}},
               std::chrono::duration<double>(now - arrived).count());
}

void connect_metrics::disconnected(std::string_view reason) {
  set_.add("tether_disconnects_total", {{"reason", std::string{reason}}});
}

void connect_metrics::moved(std::string_view reason) {
  set_.add("tether_session_moves_total", {{"reason", std::string{reason}}});
}

uint64_t connect_metrics::disconnects(std::string_view reason) const {
  return set_.count("tether_disconnects_total",
                    {{"reason", std::string{reason}}});
}

} // namespace tether
