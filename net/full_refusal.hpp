// full_refusal: what a balancer's WebSocket listener says to a socket that
// arrives while it holds `[limits] ws_max_pending` handshakes already.
//
// No session, no parser, no timer: the request is not read. What has arrived
// of it is drained without blocking (so that closing sends FIN, not a reset
// that could discard the answer at the device), a fixed 503 with a jittered
// Retry-After and an error body naming the setting is written with one
// non-blocking send (it fits any socket buffer), and the socket is closed. A
// device thus learns when to come back (docs/API.md) for the cost of a send,
// not of a pending handshake. Behind TLS nothing can be said before a TLS
// handshake, which is what the cap protects: a WSS socket is only closed.
#pragma once

#include "net/acceptor.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace tether::net {

/// The base of the Retry-After over the pending-handshake cap while the
/// handshakes' drain is not known (otherwise the expected wait says it,
/// limits/retry_after.hpp backlog_seconds): a handshake takes milliseconds,
/// so the cap frees soon; 1 s, jittered to 1-2 s, the shortest a
/// whole-seconds header can say.
constexpr std::chrono::milliseconds pending_retry_after{1000};

/// The whole HTTP/1.1 503 answer, Retry-After `retry_after_s` seconds.
std::string full_refusal_text(int64_t retry_after_s);

/// Answers (plain WebSocket; Retry-After `retry_after_s`) or just closes
/// (`tls`) an accepted socket over the pending-handshake cap.
void refuse_over_pending_cap(strand_socket& socket, bool tls,
                             int64_t retry_after_s);

} // namespace tether::net
