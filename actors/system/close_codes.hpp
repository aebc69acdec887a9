// WebSocket close codes and the reasons that travel between roles with them.
// The balancer closes sockets, the session decides why, the control reads
// the reason to count keepalive failures: one spelling for all three.
#pragma once

#include <cstdint>
#include <string_view>

namespace tether::close_code {

// RFC 6455 codes.
constexpr uint16_t normal = 1000; // the session ended on purpose
constexpr uint16_t going_away
  = 1001; // the balancer holding the socket is gone or stops
constexpr uint16_t policy = 1008;         // protocol violation or flood
constexpr uint16_t internal_error = 1011; // no session could be started
constexpr uint16_t try_again = 1013;      // no node available right now

// Tether's application range (4000-4999), in docs/API.md.
constexpr uint16_t keepalive_lost = 4000; // pings went unanswered
constexpr uint16_t replaced = 4001;       // a newer connection took over
constexpr uint16_t revoked = 4003;        // the terminal was revoked
constexpr uint16_t retired = 4004;        // an operator retired the terminal

} // namespace tether::close_code

namespace tether::close_reason {

/// A session closed for missed pings; the control counts a keepalive failure.
constexpr std::string_view keepalive_lost = "keepalive lost";
/// A newer connection of the same terminal took the session's place.
constexpr std::string_view replaced = "replaced by a newer connection";
/// A session older than the terminal's current one ends (the control tells
/// it); the device's socket belongs to the current one.
constexpr std::string_view superseded = "superseded by a newer session";
/// An operator revoked the terminal (its connect tokens no longer hold).
constexpr std::string_view revoked = "terminal revoked";
/// An operator retired the terminal (DELETE /v1/terminals/{id}).
constexpr std::string_view retired = "terminal retired";
/// The balancer holding the socket went away (not the device's network:
/// no GE/GF disconnect event).
constexpr std::string_view balancer_gone = "balancer gone";
/// The process holding the socket stops on purpose (SIGTERM; the device is
/// told 1001): not the device's network either.
constexpr std::string_view shutdown = "server shutting down";

} // namespace tether::close_reason
