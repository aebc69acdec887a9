// Independent clients for integration tests: plain HTTP/1.1, raw TCP bytes,
// and a WebSocket client (Boost.Beast). They know nothing of Tether's code:
// they speak the wire protocol only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tether::test {

struct http_result {
  int status = 0; // 0: no answer
  std::string body;
  std::map<std::string, std::string> headers;
};

/// The API key `http_call` sends (`Authorization: Bearer <key>`); set by
/// tetherd_process and multiprocess_deployment to the deployment's admin
/// key (DATA/secrets/admin-key) once it started. Empty: no header.
void set_default_api_key(std::string key);
const std::string& default_api_key();
/// The key `http_call` sends to `host_port` (over the default): tests that
/// run two deployments at once call each with its own key.
void set_api_key_for(const std::string& host_port, std::string key);

/// One request with `authorization` as its Authorization header (empty:
/// none), e.g. "Bearer tk_..".
http_result
http_call_auth(const std::string& host_port, const std::string& authorization,
               const std::string& method, const std::string& target,
               const std::string& body = {},
               std::chrono::milliseconds timeout = std::chrono::seconds{10});

/// One request on a fresh connection, with the default API key.
/// `host_port` is "127.0.0.1:8080".
http_result http_call(const std::string& host_port, const std::string& method,
                      const std::string& target, const std::string& body = {},
                      std::chrono::milliseconds timeout
                      = std::chrono::seconds{10});

/// The same with extra request headers (name -> value).
http_result
http_call_with(const std::string& host_port, const std::string& method,
               const std::string& target, const std::string& body,
               const std::map<std::string, std::string>& headers,
               std::chrono::milliseconds timeout = std::chrono::seconds{10});

/// Sends raw bytes and returns whatever comes back before the peer closes or
/// the timeout passes.
std::string raw_exchange(const std::string& host_port, const std::string& bytes,
                         std::chrono::milliseconds timeout
                         = std::chrono::seconds{3});

/// A WebSocket client with a background read: received frames queue up
/// until `next` takes them.
class ws_client {
public:
  virtual ~ws_client() = default;

  /// Connects to a ws:// URL (with its query). On a refused upgrade returns
  /// nullptr and sets `http_status` (and `error`).
  static std::unique_ptr<ws_client>
  connect(const std::string& url, int& http_status, std::string& error);

  virtual bool send_text(const std::string& text) = 0;
  virtual bool send_binary(const std::string& bytes) = 0;
  /// The next text frame, or nothing when the timeout passes or the
  /// connection is closed.
  virtual std::optional<std::string> next(std::chrono::milliseconds timeout
                                          = std::chrono::seconds{5})
    = 0;
  /// True once the server closed; its close code (0 if none).
  virtual bool closed() const = 0;
  virtual int close_code() const = 0;
  virtual std::string close_reason() const = 0;
  /// Waits up to `timeout` for the connection to close.
  virtual bool wait_closed(std::chrono::milliseconds timeout) = 0;
  virtual void close() = 0;
};

} // namespace tether::test
