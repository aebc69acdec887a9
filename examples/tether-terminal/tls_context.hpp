// tether-terminal: the process's client TLS context (--ca), for https://
// and wss:// servers. Cheap to include: no Asio SSL headers.
#pragma once

#include <string>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace tether::terminal {

/// The client TLS context of the process: TLS 1.2 or newer, the system's
/// trusted CAs plus those of `ca_file` (PEM) when given, and the client
/// certificate of `cert_file` with the key of `key_file` when given. Call
/// once before any https:// or wss:// connection; false with the reason in
/// `error`.
bool configure_client_tls(const std::string& ca_file, std::string& error,
                          const std::string& cert_file = {},
                          const std::string& key_file = {});
boost::asio::ssl::context& client_tls_context();

} // namespace tether::terminal
