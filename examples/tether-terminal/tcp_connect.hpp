// tether-terminal: open a TCP connection from a chosen local address.
//
// A simulator holding tens of thousands of connections to one server address
// runs out of ephemeral ports (about 28k per source address). Binding each
// socket to one of several loopback source addresses (127.0.0.2, 127.0.0.3,
// ...) before connecting multiplies that. IP_BIND_ADDRESS_NO_PORT is set so the
// kernel picks the port at connect() time and may reuse it towards other
// destinations.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tether::terminal {

using connect_handler = std::function<void(boost::beast::error_code)>;

// Resolves `host` (skipped when it is an IP literal), opens the stream's
// socket, binds it to `source` when given and of the destination's family, and
// connects to the first endpoint. Only one endpoint is tried on purpose: asio's
// range connect closes the socket between attempts and would lose the bind. The
// caller sets the stream's expiry (timeout) first and keeps `stream` alive
// until `done` runs; `done` runs on the stream's executor, never inline.
void async_connect_from(boost::beast::tcp_stream& stream,
                        const std::string& host, std::uint16_t port,
                        std::optional<boost::asio::ip::address> source,
                        connect_handler done);

} // namespace tether::terminal
