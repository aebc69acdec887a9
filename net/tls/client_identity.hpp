// client_identity: the names of a verified client certificate, read once per
// TLS connection after the handshake (the gateway's HTTPS listener carries
// them to each request: a device certificate names its terminal id, docs/
// SECURITY.md "Device certificates").
#pragma once

#include <string>

#include <openssl/ssl.h>

namespace tether::net::tls {

/// The names of the certificate the client of `ssl` sent, when it verified
/// against the client CA ([edge_tls] client_ca_file): its subject CN and its
/// subjectAltName DNS and URI entries that could be terminal ids (1-128 of
/// [A-Za-z0-9._:-]), separated by single spaces. Empty when no certificate
/// was sent or verified (a short string per connection, none without one).
std::string client_certificate_names(const SSL* ssl);

} // namespace tether::net::tls
