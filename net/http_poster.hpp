// Asynchronous HTTP(S) POST for job callbacks (Boost.Beast, OpenSSL), on
// the process's io_context. One connection per post, one timeout on the
// whole exchange, no redirects followed; success means a 2xx answer.
// https:// URLs get SNI, certificate verification against the system trust
// store plus [callbacks] ca_file, and host-name verification; a failed
// handshake or verification is a failed post whose detail says why.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/system/messages.hpp"
#include "config/topology.hpp"
#include "net/callback_guard.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

/// The poster, or nullptr with `error` set when the TLS settings cannot be
/// used (ca_file unreadable or not PEM): a start-up error.
/// Every post connects only to addresses `guard` allows (checked after the
/// name lookup; a refused post fails at once with a detail starting with
/// http_poster::refused) and carries its Tether-Signature.
http_poster_ptr make_http_poster(boost::asio::io_context& io,
                                 const config::callbacks_config& cfg,
                                 std::shared_ptr<const callback_guard> guard,
                                 std::string& error,
                                 std::chrono::milliseconds timeout
                                 = std::chrono::seconds{5});

} // namespace tether::net
