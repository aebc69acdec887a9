// tether-terminal: the byte stream of one connection, https:// / wss:// (TLS
// over TCP) or http:// / ws:// (plain TCP), chosen per URL: the server's
// edge_stream (net/tls/edge_stream.hpp, header-only Boost and OpenSSL),
// used from the client side. The server's certificate is verified against
// the trusted CAs (the system store and --ca) and must name the URL's host.
#pragma once

#include "net/tls/edge_stream.hpp"
#include "tether-terminal/tls_context.hpp"

#include <string>

namespace tether::terminal {

using tls_stream = tether::net::tls::edge_stream;

/// Makes `stream` TLS for a server that must be `host` (name or IP).
void use_tls(tls_stream& stream, const std::string& host);

} // namespace tether::terminal
