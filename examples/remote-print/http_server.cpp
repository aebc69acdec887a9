#include "remote-print/http_server.hpp"

#include "remote-print/beast_names.hpp"
#include "remote-print/log.hpp"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <exception>
#include <optional>

namespace tether::print {

namespace {

constexpr std::string_view server_name = "tether-print-service";

// Lingering close: after an answer that ends the connection, what the client
// still sends (e.g. the rest of a refused upload) is read and dropped, up to
// these bounds, so the client reads our answer instead of a connection reset.
constexpr std::chrono::seconds linger_timeout{2};
constexpr std::size_t linger_max_bytes = 8u << 20;

bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout
      || ec == net::error::eof || ec == net::error::connection_reset
      || ec == net::error::broken_pipe || ec == net::error::operation_aborted;
}

http_response too_large(std::uint64_t limit) {
  auto r = error_response(413, "payload_too_large",
                          "request body is larger than " + std::to_string(limit)
                            + " bytes");
  r.close = true;
  return r;
}

// One connection. Owned by the shared_ptrs held in its pending operation and in
// the responder of the request being handled; gone when neither exists.
//
//   read_header -> [100 Continue] -> read_body -> handler ... respond -> write
//   -> read_header
//                                                                             \-> linger -> close
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, http_handler& handler,
               const http_server_settings& settings)
      : stream_(std::move(socket)), handler_(handler), settings_(settings) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec)
      peer_ = ep.address().to_string();
  }

  void run() { do_read_header(); }

private:
  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(settings_.header_limit);
    // The route's own limit is known only after the header; until then, the
    // largest any route accepts (the parser checks Content-Length against it
    // while parsing the header).
    parser_->body_limit(settings_.max_body);
    stream_.expires_after(settings_.idle_timeout);
    http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&http_session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return refuse(too_large(settings_.max_body));
    if (is_disconnect(ec))
      return do_close();
    if (ec)
      return refuse(malformed(ec));

    auto& req = parser_->get();
    limit_ = std::min(handler_.body_limit(req.method_string(), req.target()),
                      settings_.max_body);
    if (auto length = parser_->content_length(); length && *length > limit_)
      return refuse(too_large(limit_));
    parser_->body_limit(limit_);

    // A client that asked to wait (curl does for large uploads) is told to go
    // ahead only now that the size is known to be acceptable.
    if (beast::iequals(req[http::field::expect], "100-continue")
        && !parser_->is_done()) {
      continue_.emplace(http::status::continue_, 11);
      stream_.expires_after(settings_.transfer_timeout);
      http::async_write(
        stream_, *continue_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->continue_.reset();
          if (ec)
            return self->do_close();
          self->do_read_body();
        });
      return;
    }
    do_read_body();
  }

  void do_read_body() {
    if (parser_->is_done())
      return on_body({}, 0); // no body, or all of it already buffered
    stream_.expires_after(settings_.transfer_timeout);
    http::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&http_session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return refuse(too_large(limit_));
    if (is_disconnect(ec))
      return do_close();
    if (ec)
      return refuse(malformed(ec));

    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    http_request out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    out.content_type = std::string(req[http::field::content_type]);
    out.body = std::move(req.body());
    out.peer = peer_;
    parser_.reset();

    answered_ = false;
    try {
      handler_.handle(std::move(out),
                      [self = shared_from_this()](http_response r) {
                        self->do_write(std::move(r));
                      });
    } catch (const std::exception& e) {
      // The service is written not to throw; this keeps one bug from ending the
      // process.
      logger("http")->error("handler failed for a request from {}: {}", peer_,
                            e.what());
      if (!answered_)
        do_write(error_response(500, "internal", "internal error"));
    }
  }

  void refuse(http_response r) {
    r.close = true;
    do_write(std::move(r));
  }

  static http_response malformed(const beast::error_code& ec) {
    return error_response(400, "bad_request",
                          "malformed HTTP request: " + ec.message());
  }

  void do_write(http_response r) {
    answered_ = true;
    if (r.close)
      keep_alive_ = false;
    if (!r.file.empty()) {
      http::file_body::value_type file;
      beast::error_code ec;
      file.open(r.file.c_str(), beast::file_mode::scan, ec);
      if (!ec) {
        auto msg = std::make_shared<http::response<http::file_body>>(
          static_cast<http::status>(r.status), 11);
        msg->body() = std::move(file);
        return send(std::move(msg), r);
      }
      // The store said the file exists; it vanished or cannot be read.
      logger("http")->warn("cannot open {}: {}", r.file, ec.message());
      r = error_response(500, "internal", "stored data cannot be read");
    }
    auto msg = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(r.status), 11);
    msg->body() = std::move(r.body);
    send(std::move(msg), r);
  }

  template <class Body>
  void send(std::shared_ptr<http::response<Body>> msg, const http_response& r) {
    msg->set(http::field::server, server_name);
    msg->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers)
      msg->set(name, value);
    msg->keep_alive(keep_alive_);
    msg->prepare_payload();
    stream_.expires_after(settings_.transfer_timeout);
    http::async_write(
      stream_, *msg,
      [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
        if (ec)
          return self->do_close();
        if (!self->keep_alive_)
          return self->do_linger();
        self->do_read_header();
      });
  }

  void do_linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_timeout);
    scratch_ = std::make_unique<std::array<char, 4096>>();
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(
      net::buffer(*scratch_),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->drained_ += n;
        if (ec || self->drained_ > linger_max_bytes)
          return self->do_close();
        self->do_drain();
      });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  http_handler& handler_;
  const http_server_settings
    settings_; // a copy: a session may outlive the listener
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::uint64_t limit_ = 0;
  bool keep_alive_ = true;
  bool answered_ = false;
  std::unique_ptr<std::array<char, 4096>> scratch_; // only while lingering
  std::size_t drained_ = 0;
};

// No strands: the program runs the io_context on one thread, so every handler
// of every connection (and the service behind them) already runs serialized.
class http_listener : public http_server,
                      public std::enable_shared_from_this<http_listener> {
public:
  http_listener(net::io_context& io, http_handler& handler,
                http_server_settings settings)
      : io_(io), acceptor_(io), retry_(io), handler_(handler),
        settings_(settings) {}

  bool open(const std::string& host, std::uint16_t port, std::string& error) {
    beast::error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec) {
      error = "'" + host + "' is not an IP address";
      return false;
    }
    tcp::endpoint ep{address, port};
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on " + host + ":" + std::to_string(port) + ": "
            + ec.message();
      return false;
    }
    port_ = acceptor_.local_endpoint().port();
    return true;
  }

  void do_accept() {
    acceptor_.async_accept(
      io_,
      beast::bind_front_handler(&http_listener::on_accept, shared_from_this()));
  }

  std::uint16_t port() const override { return port_; }

  void stop() override {
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open())
      return;
    if (ec) {
      // Typically EMFILE: keep serving the connections we have, try again
      // shortly.
      logger("http")->warn("accept failed: {}", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec)
          self->do_accept();
      });
      return;
    }
    std::make_shared<http_session>(std::move(socket), handler_, settings_)
      ->run();
    do_accept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  http_handler& handler_;
  http_server_settings settings_;
  std::uint16_t port_ = 0;
};

} // namespace

std::shared_ptr<http_server>
http_server::start(net::io_context& io, const std::string& host,
                   std::uint16_t port, http_handler& handler,
                   http_server_settings settings, std::string& error) {
  auto listener = std::make_shared<http_listener>(io, handler, settings);
  if (!listener->open(host, port, error))
    return nullptr;
  listener->do_accept();
  return listener;
}

} // namespace tether::print
