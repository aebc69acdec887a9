#include "net/http_server.hpp"

#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <caf/send.hpp>

#include "actors/policy/api.hpp"
#include "actors/system/audit.hpp"
#include "actors/system/live_count.hpp"
#include "actors/system/log.hpp"
#include "net/limits/retry_after.hpp"
#include "net/limits/source_buckets.hpp"
#include "net/listener.hpp"
#include "net/sse_writer.hpp"
#include "net/tls/client_identity.hpp"
#include "net/tls/client_trust.hpp"
#include "net/tls/edge_stream.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace tether::net {

namespace {

/// One HTTP connection: read a request, hand it to the gateway actor, write
/// its answer, repeat while the client keeps the connection alive.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, http_gateway_actor gateway,
               const http_settings& settings,
               std::shared_ptr<source_buckets> registrations,
               live_count::token token)
      : token_(std::move(token)),
        stream_(std::move(socket), settings.tls.get()),
        gateway_(std::move(gateway)), settings_(settings),
        registrations_(std::move(registrations)) {}

  void run() {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this()] { self->do_handshake(); });
  }

  /// An answer that stays open (server-sent events): its head now, the
  /// body from the returned sink; the connection reads no more requests.
  /// Called by the responder from any thread.
  std::shared_ptr<event_sink> open_stream(const http_response& head,
                                          size_t max_queued, bool head_only) {
    std::string text
      = "HTTP/1.1 " + std::to_string(head.status)
      + " OK\r\nServer: tetherd\r\nContent-Type: " + head.content_type + "\r\n";
    for (auto& [name, value] : head.headers)
      text += name + ": " + value + "\r\n";
    text += "Connection: close\r\n\r\n";
    asio::post(stream_.get_executor(),
               [self = shared_from_this()] { self->lowest().expires_never(); });
    auto w = std::make_shared<sse_writer<tls::edge_stream>>(
      shared_from_this(), stream_, max_queued);
    w->start(std::move(text));
    // HEAD: the head GET would have, no body (RFC 9110 §9.3.2).
    if (head_only)
      w->close({});
    return w;
  }

  /// Called by the responder from any thread.
  void deliver(http_response resp) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), resp = std::move(resp)]() mutable {
                 self->do_write(std::move(resp));
               });
  }

private:
  /// TLS (if on) and the first request head, both by the header timeout:
  /// a stalled handshake holds no socket longer than a slow head.
  void do_handshake() {
    lowest().expires_after(settings_.header_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) {
                                self->note_revoked();
                                return self->do_close();
                              }
                              self->read_certificate();
                              self->do_read(false);
                            });
  }

  /// A handshake refused for a revoked client certificate ([edge_tls]
  /// crl_file): a log line and an audit record with its serial.
  void note_revoked() {
    auto* tls = stream_.tls();
    auto serial = tls ? tls::revoked_serial(tls->native_handle()) : "";
    if (serial.empty())
      return;
    beast::error_code ignored;
    auto source = lowest().socket().remote_endpoint(ignored).address();
    logger("gateway")->warn("client certificate serial {} from {} refused: "
                            "revoked (edge_tls.crl_file)",
                            serial, source.to_string());
    audit("auth.certificate_revoked", {{"serial", serial},
                                       {"source", source.to_string()},
                                       {"credential", "certificate"}});
  }

  /// The names of a verified client certificate, once per connection.
  void read_certificate() {
    if (auto* tls = stream_.tls())
      certificate_ = tls::client_certificate_names(tls->native_handle());
  }

  /// `new_deadline` false: the first head, still under the deadline of
  /// the handshake.
  void do_read(bool new_deadline = true) {
    parser_.emplace();
    parser_->body_limit(settings_.body_limit);
    parser_->header_limit(static_cast<uint32_t>(settings_.header_limit));
    // The head must be complete by the header timeout (slow-header
    // clients hold no socket longer); the body then has the idle timeout.
    if (new_deadline)
      lowest().expires_after(settings_.header_timeout);
    http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) {
        self->on_header(ec);
      });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return on_read(ec);
    lowest().expires_after(settings_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  /// Registrations per source address: 429 over the rate.
  bool too_many_registrations(const http_request& req) {
    if (api::match(req.method, req.target).kind
        != api::route::register_terminal)
      return false;
    auto wait = registrations_->take(req.peer);
    if (wait.count() == 0)
      return false;
    keep_alive_ = false;
    reject(api::error_response(errc::too_many_requests,
                               "too many registrations from " + req.peer
                                 + "; retry later",
                               static_cast<uint32_t>(jittered_seconds(wait))));
    return true;
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout
        || ec == asio::error::connection_reset
        || ec == asio::error::operation_aborted
        || ec.category() == asio::error::get_ssl_category()
        || ec == asio::ssl::error::stream_truncated) {
      return do_close(); // a broken TLS stream gets no answer either
    }
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return reject(api::error_response(errc::payload_too_large,
                                        "request body is larger than "
                                          + std::to_string(settings_.body_limit)
                                          + " bytes"));
    }
    if (ec) {
      keep_alive_ = false;
      return reject(api::error_response(
        errc::bad_request, "malformed HTTP request: " + ec.message()));
    }
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    http_request out;
    out.method = std::string{req.method_string()};
    // HEAD is GET without the body (RFC 9110 §9.3.2): routed as GET, the
    // answer's headers are written, its body is not.
    head_ = out.method == "HEAD";
    if (head_)
      out.method = "GET";
    out.target = std::string{req.target()};
    out.authorization = std::string{req[http::field::authorization]};
    out.last_event_id = std::string{req["Last-Event-ID"].substr(0, 256)};
    out.body = std::move(req.body());
    out.certificate = certificate_;
    beast::error_code ignored;
    auto peer = lowest().socket().remote_endpoint(ignored);
    out.peer = peer.address().to_string();
    parser_.reset();
    if (too_many_registrations(out))
      return;
    // The responder holds this session until the gateway answers.
    caf::anon_send(gateway_, std::move(out),
                   http_responder_ptr{
                     std::make_shared<responder>(shared_from_this(), head_)});
  }

  /// An answer given here, before any routing: the gateway counts it
  /// with the others (/metrics).
  void reject(http_response resp) {
    caf::anon_send(gateway_, answered_atom::value,
                   static_cast<uint16_t>(resp.status));
    do_write(std::move(resp));
  }

  void do_write(http_response resp) {
    if (std::exchange(head_, false)) {
      auto msg = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(resp.status), 11);
      set_headers(*msg, resp);
      msg->content_length(resp.body.size());
      return send(msg);
    }
    auto msg = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(resp.status), 11);
    set_headers(*msg, resp);
    msg->body() = std::move(resp.body);
    msg->prepare_payload();
    send(msg);
  }

  template <class Message>
  void set_headers(Message& msg, const http_response& resp) {
    msg.set(http::field::server, "tetherd");
    msg.set(http::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers)
      msg.set(name, value);
    msg.keep_alive(keep_alive_);
  }

  template <class Message>
  void send(std::shared_ptr<Message> msg) {
    lowest().expires_after(settings_.idle_timeout);
    http::async_write(
      stream_, *msg,
      [self = shared_from_this(), msg](beast::error_code ec, size_t) {
        if (ec || !self->keep_alive_)
          return self->do_close();
        self->do_read();
      });
  }

  void do_close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream& lowest() { return stream_.next_layer(); }

  struct responder : http_responder, stream_opener {
    responder(std::shared_ptr<http_session> s, bool head)
        : session(std::move(s)), head_only(head) {}
    void respond(http_response resp) override {
      session->deliver(std::move(resp));
    }
    std::shared_ptr<event_sink> open_stream(const http_response& head,
                                            size_t max_queued) override {
      return session->open_stream(head, max_queued, head_only);
    }
    std::shared_ptr<http_session> session;
    bool head_only; // the request is a HEAD
  };

  live_count::token token_; // counts this connection against the cap
  tls::edge_stream stream_;
  std::string certificate_; // client_certificate_names; empty without one
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http_gateway_actor gateway_;
  http_settings settings_;
  std::shared_ptr<source_buckets> registrations_;
  bool keep_alive_ = true;
  bool head_ = false; // the request being answered is a HEAD
};

class http_listener : public listener<http_listener, http_server> {
public:
  http_listener(asio::io_context& io, http_gateway_actor gateway,
                http_settings settings)
      : listener(io, "HTTP", "http"), gateway_(std::move(gateway)),
        settings_(std::move(settings)),
        registrations_(std::make_shared<source_buckets>(
          settings_.register_rate, settings_.register_burst)) {}

  void start() { accept(); }

private:
  friend listener;

  bool full() const {
    return static_cast<size_t>(connections_.value())
        >= settings_.max_connections;
  }

  void on_socket(strand_socket socket) {
    std::make_shared<http_session>(tcp::socket{std::move(socket)}, gateway_,
                                   settings_, registrations_,
                                   connections_.track())
      ->run();
  }

  http_gateway_actor gateway_;
  http_settings settings_;
  std::shared_ptr<source_buckets> registrations_; // shared with the sessions
};

} // namespace

std::shared_ptr<http_server> http_server::start(asio::io_context& io,
                                                const config::endpoint& at,
                                                http_gateway_actor gateway,
                                                http_settings settings,
                                                std::string& error) {
  auto listener = std::make_shared<http_listener>(io, std::move(gateway),
                                                  std::move(settings));
  if (!listener->open(at, error))
    return nullptr;
  listener->start();
  return listener;
}

} // namespace tether::net
