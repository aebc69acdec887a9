// peer_tls: mutual TLS between the processes of a deployment, as a relay in
// front of a loopback-only CAF port (docs/SECURITY.md, "Between processes").
//
// CAF's own caf::openssl (0.17.6) verifies the peer's chain against the CA
// on both sides but never checks a name, and aborts the process on a bad
// setting; so CAF speaks plaintext on 127.0.0.1 only, and this relay
// carries its bytes between machines:
//   inbound:  TLS on the process's host:caf_port → the loopback CAF port,
//             only for a client certificate of the deployment CA that names
//             one of the processes that dial this one (the dial plan);
//   outbound: a loopback port per dialed peer → TLS to the peer's
//             host:caf_port, only if its certificate names that peer.
// A refused handshake closes the socket (and is logged); the process keeps
// serving and the refused side gets no CAF handle. TLS 1.2 or newer; a
// handshake that has not finished after 10 s is closed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/topology.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

/// The files of one process.
struct peer_tls_files {
  std::string ca;   // [process_tls] ca
  std::string cert; // [process_tls] certs/<process>.crt
  std::string key;  // [process_tls] certs/<process>.key
};

/// The files of process `process` under [process_tls].
peer_tls_files peer_tls_files_of(const config::process_tls_config& cfg,
                                 const std::string& process);

class peer_tls {
public:
  virtual ~peer_tls() = default;

  /// Loads and checks the files of process `self` before anything listens:
  /// each readable, the certificate signed by the CA, naming `self`, and
  /// matching the key. On failure: nullptr and an error naming the setting.
  static std::shared_ptr<peer_tls> create(boost::asio::io_context& io,
                                          const peer_tls_files& files,
                                          const std::string& self,
                                          std::string& error);

  /// Accepts TLS on host:port from the processes `dialers` and relays each
  /// connection to 127.0.0.1:`local_port` (the CAF port).
  virtual bool listen(const std::string& host, uint16_t port,
                      uint16_t local_port, std::vector<std::string> dialers,
                      std::string& error)
    = 0;

  /// A loopback port whose connections are relayed over TLS to host:port,
  /// which must present the certificate of process `name`; 0 on failure.
  virtual uint16_t dial_through(const std::string& name,
                                const std::string& host, uint16_t port,
                                std::string& error)
    = 0;

  /// Stops accepting (open relays end with the io_context).
  virtual void stop() = 0;
};

} // namespace tether::net
