// server_context: the TLS context of the gateway's and the balancers'
// listeners ([edge_tls] in the topology), built and checked once at start.
#pragma once

#include <memory>
#include <string>

#include "config/topology.hpp"

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace tether::net::tls {

/// A server context for `cfg`: TLS 1.2 or newer, the certificate chain of
/// edge_tls.cert_file with the key of edge_tls.key_file, client
/// certificates requested (not required) and verified against
/// edge_tls.client_ca_file when set. Lean for many idle connections:
/// OpenSSL's buffers are released while a connection is idle
/// (SSL_MODE_RELEASE_BUFFERS), reconnects resume their session (server
/// session cache and tickets) instead of a full handshake. On failure
/// returns null and says why in `error`, naming the setting (cert_file and
/// key_file as `where`.cert_file: "edge_tls", or "clusters.balancers" for
/// a balancer's own).
std::shared_ptr<boost::asio::ssl::context>
make_server_context(const config::edge_tls_config& cfg, std::string& error,
                    const std::string& where = "edge_tls");

/// What a balancer's listener uses: [edge_tls] with the balancer's own
/// cert_file and key_file when it has them, and no client CA (devices
/// authenticate there with their connect token; a client certificate kept
/// per idle connection would only cost memory).
config::edge_tls_config balancer_tls(const config::edge_tls_config& edge,
                                     const config::balancer_config& b);

/// Whether a gateway or balancer listener may listen at `at` as `cfg`
/// says: with TLS anywhere; without, only on loopback, unless
/// edge_tls.insecure. Empty when allowed; else the error, naming the
/// listener (`what`, e.g. "balancer C1-b1") and the settings to change.
std::string plaintext_refusal(const config::edge_tls_config& cfg,
                              const config::endpoint& at,
                              const std::string& what);

} // namespace tether::net::tls
