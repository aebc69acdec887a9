// tetherctl's HTTP client: one synchronous request per call (Boost.Beast),
// behind the `transport` interface: plain http:// and https:// (TLS 1.2+,
// the server's certificate verified) share the commands.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace tether::ctl {

/// A server address: `http://host:port` (an optional trailing path is
/// refused: the API lives at the root).
struct server_url {
  std::string scheme; // "http" or "https"
  std::string host;
  std::string port;
};

/// Parses `text` into `out`; an empty string or the problem.
std::string parse_server_url(const std::string& text, server_url& out);

/// One answer. `error` non-empty: no HTTP answer at all (cannot resolve,
/// connect, send or read within the timeout), and `status` is 0.
struct http_answer {
  int status = 0;
  std::string body;
  std::string error;
};

class transport {
public:
  virtual ~transport() = default;
  /// `authorization`: the header's value ("Bearer ..."), empty for none.
  virtual http_answer send(const std::string& method, const std::string& target,
                           const std::string& body,
                           const std::string& authorization)
    = 0;
};

/// The transport for `url`'s scheme, or null with `error` set. https:
/// the server's certificate must chain to `ca_file` (PEM; empty: the
/// system's trust store) and name the URL's host.
std::unique_ptr<transport> make_transport(const server_url& url,
                                          std::chrono::milliseconds timeout,
                                          std::string& error,
                                          const std::string& ca_file = {});

} // namespace tether::ctl
