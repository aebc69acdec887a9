#include "remote-print/http_client.hpp"

#include "remote-print/beast_names.hpp"
#include "remote-print/url.hpp"

#include <boost/asio/post.hpp>

#include <memory>

namespace tether::print {

namespace {

// One exchange, owned by the shared_ptr in its pending operation.
class http_exchange : public std::enable_shared_from_this<http_exchange> {
public:
  http_exchange(net::any_io_executor ex, http_call call,
                http_result_handler done)
      : resolver_(ex), stream_(ex), call_(std::move(call)),
        done_(std::move(done)) {}

  void run() {
    std::string error;
    auto url = parse_http_url(call_.url, error);
    if (!url)
      return fail_soon(std::move(error));
    auto verb = http::string_to_verb(call_.method);
    if (verb == http::verb::unknown)
      return fail_soon("unknown method " + call_.method);

    req_.method(verb);
    req_.target(url->target);
    req_.version(11);
    req_.set(http::field::host, url->host_header);
    req_.set(http::field::user_agent, "tether-print-service");
    req_.set(http::field::connection, "close");
    if (!call_.bearer.empty())
      req_.set(http::field::authorization, "Bearer " + call_.bearer);
    if (!call_.body.empty()) {
      req_.set(http::field::content_type, "application/json");
      req_.body() = std::move(call_.body);
    }
    req_.prepare_payload();
    parser_.body_limit(call_.body_limit);

    // One deadline for connect, write and read together, counted from here. The
    // resolver has no deadline of its own: an IP literal (the usual case)
    // resolves at once, a host name within the system resolver's own timeouts.
    deadline_ = std::chrono::steady_clock::now() + call_.timeout;
    resolver_.async_resolve(url->host, std::to_string(url->port),
                            beast::bind_front_handler(
                              &http_exchange::on_resolve, shared_from_this()));
  }

private:
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec)
      return finish("resolve: " + ec.message());
    stream_.expires_at(deadline_);
    stream_.async_connect(results,
                          beast::bind_front_handler(&http_exchange::on_connect,
                                                    shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec)
      return finish("connect: " + ec.message());
    http::async_write(
      stream_, req_,
      beast::bind_front_handler(&http_exchange::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec)
      return finish("write: " + ec.message());
    http::async_read(
      stream_, buffer_, parser_,
      beast::bind_front_handler(&http_exchange::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return finish("read: " + ec.message());
    auto& res = parser_.get();
    result_.status = res.result_int();
    result_.body = std::move(res.body());
    if (auto it = res.find(http::field::retry_after); it != res.end())
      result_.retry_after = std::string(it->value());
    finish({});
  }

  void finish(std::string error) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    result_.error = std::move(error);
    auto done = std::move(done_);
    done(std::move(result_));
  }

  void fail_soon(std::string error) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), error]() mutable {
                self->finish(std::move(error));
              });
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  http_call call_;
  http_result_handler done_;
  std::chrono::steady_clock::time_point deadline_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  http_result result_;
};

} // namespace

void async_http(net::any_io_executor ex, http_call call,
                http_result_handler done) {
  std::make_shared<http_exchange>(std::move(ex), std::move(call),
                                  std::move(done))
    ->run();
}

} // namespace tether::print
