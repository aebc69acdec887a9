// A tiny HTTP or HTTPS server for tests that records the requests it
// receives (job callbacks) and answers each with the next status of a
// script (then 200). Over HTTPS it also counts failed TLS handshakes (a
// client that refused the certificate) and records the SNI names it saw.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/tls_identity.hpp"

namespace tether::test {

class callback_server {
public:
  /// HTTP on 127.0.0.1, port chosen by the OS.
  explicit callback_server(std::vector<int> statuses = {});
  /// HTTPS on 127.0.0.1, port chosen by the OS, presenting `identity`.
  explicit callback_server(const tls_identity& identity,
                           std::vector<int> statuses = {});
  ~callback_server();

  /// "http://127.0.0.1:<port><path>" (https:// for an HTTPS server);
  /// `host` replaces 127.0.0.1 (e.g. "localhost", to test host names).
  std::string url(const std::string& path = "/callback",
                  const std::string& host = "127.0.0.1") const;
  /// Bodies received so far.
  std::vector<std::string> bodies() const;
  /// The Tether-Signature header of each body ("" when it had none).
  std::vector<std::string> signatures() const;
  /// HTTPS: handshakes that failed (the client refused the certificate or
  /// the connection broke before a session was established).
  size_t failed_handshakes() const;
  /// HTTPS: the server name (SNI) of each established session ("" when
  /// the client sent none).
  std::vector<std::string> server_names() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Verifies a callback's Tether-Signature header the way docs/API.md tells
/// a service to (written independently of tetherd's code): false with the
/// reason in `why` when it does not hold.
bool verify_callback_signature(const std::string& secret,
                               const std::string& header,
                               const std::string& body, std::string& why);

} // namespace tether::test
