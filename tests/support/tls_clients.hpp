// TLS clients for tests of the gateway's HTTPS and the balancers' WSS
// listeners ([edge_tls]): one HTTPS request, and a bare TLS handshake with a
// chosen protocol version. Like clients.hpp they know only the wire.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "tests/support/clients.hpp"

namespace tether::test {

struct tls_options {
  /// Trusting `ca_pem` alone (the other fields at their defaults).
  static tls_options trusting(std::string ca_pem) {
    tls_options o;
    o.ca_pem = std::move(ca_pem);
    return o;
  }
  std::string ca_pem;   // trusted CA (PEM); empty: trust nothing
  std::string sni;      // server name to send and verify; empty: no name
                        // check (the certificate chain is still verified)
  int max_version = 0;  // e.g. TLS1_1_VERSION; 0: OpenSSL's newest
  int min_version = 0;  // 0: OpenSSL's default
  std::string cert_pem; // client certificate (PEM) to send; empty: none
  std::string key_pem;  // its private key (PEM)
};

/// One HTTPS request on a fresh connection (Authorization header
/// `authorization` unless empty). A failed handshake or verification:
/// status 0 and the reason in `error`.
http_result https_call(const std::string& host_port, const tls_options& tls,
                       const std::string& method, const std::string& target,
                       const std::string& body,
                       const std::string& authorization, std::string& error,
                       std::chrono::milliseconds timeout
                       = std::chrono::seconds{10});

/// Connects and performs only the TLS handshake; true if it succeeded, else
/// the reason in `error`. The negotiated version ("TLSv1.3") in `version`.
bool tls_handshake(const std::string& host_port, const tls_options& tls,
                   std::string& version, std::string& error,
                   std::chrono::milliseconds timeout
                   = std::chrono::seconds{10});

} // namespace tether::test
