#include "net/http_poster.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace tether::net {

namespace {

using done_fn = std::function<void(bool, std::string)>;

/// One POST: resolve, connect, write, read, report once.
class post_op : public std::enable_shared_from_this<post_op> {
public:
  post_op(asio::io_context& io, std::chrono::milliseconds timeout,
          done_fn done)
    : resolver_(asio::make_strand(io)),
      stream_(resolver_.get_executor()),
      timeout_(timeout),
      done_(std::move(done)) {
  }

  void run(std::string host, std::string port, std::string target,
           std::string body) {
    req_.method(http::verb::post);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, host);
    req_.set(http::field::user_agent, "tetherd");
    req_.set(http::field::content_type, "application/json");
    req_.body() = std::move(body);
    req_.prepare_payload();
    stream_.expires_after(timeout_);
    resolver_.async_resolve(
      host, port,
      [self = shared_from_this()](beast::error_code ec,
                                  tcp::resolver::results_type results) {
        if (ec)
          return self->finish(false, "resolve: " + ec.message());
        self->stream_.async_connect(
          results, [self](beast::error_code ec, const tcp::endpoint&) {
            if (ec)
              return self->finish(false, "connect: " + ec.message());
            http::async_write(self->stream_, self->req_,
                              [self](beast::error_code ec, size_t) {
                                if (ec)
                                  return self->finish(false, "write: "
                                                               + ec.message());
                                self->do_read();
                              });
          });
      });
  }

  void finish(bool ok, std::string detail) {
    if (!done_)
      return;
    auto done = std::move(done_);
    done_ = nullptr;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    done(ok, std::move(detail));
  }

private:
  void do_read() {
    parser_.body_limit(64 * 1024);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec)
                         return self->finish(false, "read: " + ec.message());
                       auto status = self->parser_.get().result_int();
                       self->finish(status >= 200 && status < 300,
                                    "HTTP " + std::to_string(status));
                     });
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::chrono::milliseconds timeout_;
  done_fn done_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

class beast_poster : public http_poster {
public:
  beast_poster(asio::io_context& io, std::chrono::milliseconds timeout)
    : io_(io), timeout_(timeout) {
  }

  void post(std::string url, std::string body, done_fn done) override {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
      return done(false, "not a URL: " + parsed.error().message());
    const auto& u = *parsed;
    if (u.scheme_id() != boost::urls::scheme::http)
      return done(false, "only http:// callback URLs are supported");
    std::string host = u.host_address();  // decoded, IPv6 without brackets
    if (host.empty())
      return done(false, "callback URL has no host");
    std::string port = u.has_port() ? std::string{u.port()} : "80";
    std::string target = u.encoded_path().empty() ? "/"
                                                  : std::string{u.encoded_path()};
    if (u.has_query())
      target += "?" + std::string{u.encoded_query()};
    std::make_shared<post_op>(io_, timeout_, std::move(done))
      ->run(std::move(host), std::move(port), std::move(target),
            std::move(body));
  }

private:
  asio::io_context& io_;
  std::chrono::milliseconds timeout_;
};

} // namespace

http_poster_ptr make_http_poster(asio::io_context& io,
                                 std::chrono::milliseconds timeout) {
  return std::make_shared<beast_poster>(io, timeout);
}

} // namespace tether::net
