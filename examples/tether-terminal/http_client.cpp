#include "tether-terminal/http_client.hpp"

#include "tether-terminal/failover.hpp"
#include "tether-terminal/tcp_connect.hpp"
#include "tether-terminal/tls_stream.hpp"
#include "tether-terminal/url.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <memory>

namespace tether::terminal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::atomic<std::int64_t> g_in_flight{0};

constexpr std::string_view user_agent = "tether-terminal/0.1";
// Upper bound for a discarded body: the bytes are only counted, the limit just
// stops a server streaming forever within the deadline.
constexpr std::uint64_t discard_limit = 1ull << 30;

// A Beast body that stores nothing and counts what it is given: a print fetch
// reports "fetched N bytes" without holding the document in memory (a fleet may
// fetch thousands).
struct counting_body {
  using value_type = std::uint64_t;

  class reader {
  public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& count)
        : count_(count) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) {
      count_ = 0; // the message's body value starts uninitialized
      ec = {};
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      ec = {};
      auto n = net::buffer_size(buffers);
      count_ += n;
      return n;
    }
    void finish(beast::error_code& ec) { ec = {}; }

  private:
    value_type& count_;
  };
};

// One exchange. Owned by the shared_ptrs in its pending handlers; gone when
// done.
template <class Body>
class http_exchange : public std::enable_shared_from_this<http_exchange<Body>> {
public:
  http_exchange(net::any_io_executor ex, http_request request,
                http_handler done)
      : stream_(ex), request_(std::move(request)), done_(std::move(done)) {
    g_in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  ~http_exchange() { g_in_flight.fetch_sub(1, std::memory_order_relaxed); }

  void run() {
    std::string error;
    auto url = parse_url(request_.url, {"http", "https"}, error);
    if (!url)
      return fail_soon(error);

    req_.method(request_.method);
    req_.target(url->target);
    req_.version(11);
    req_.set(http::field::host, url->host_header);
    req_.set(http::field::user_agent, user_agent);
    req_.set(http::field::connection, "close");
    if (request_.authorize)
      req_.set(
        http::field::authorization,
        request_.authorize(req_.method_string(), url->target, request_.body));
    if (!request_.body.empty()) {
      req_.set(http::field::content_type, "application/json");
      req_.body() = std::move(request_.body);
    }
    req_.prepare_payload();
    if constexpr (std::is_same_v<Body, counting_body>)
      parser_.body_limit(discard_limit);
    else
      parser_.body_limit(request_.body_limit);

    if (url->scheme == "https")
      use_tls(stream_, url->host);
    // One deadline for connect, TLS, write and read together.
    tcp().expires_after(request_.timeout);
    async_connect_from(tcp(), url->host, url->port, request_.source,
                       [self = this->shared_from_this()](beast::error_code ec) {
                         self->on_connect(ec);
                       });
  }

private:
  void on_connect(beast::error_code ec) {
    if (ec)
      return finish("connect: " + ec.message());
    stream_.async_handshake(
      net::ssl::stream_base::client,
      [self = this->shared_from_this()](beast::error_code ec) {
        self->on_handshake(ec);
      });
  }

  void on_handshake(beast::error_code ec) {
    if (ec)
      return finish("tls: " + ec.message());
    http::async_write(stream_, req_,
                      beast::bind_front_handler(&http_exchange::on_write,
                                                this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec)
      return finish("write: " + ec.message());
    http::async_read(stream_, buffer_, parser_,
                     beast::bind_front_handler(&http_exchange::on_read,
                                               this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return finish("read: " + ec.message());
    auto& res = parser_.get();
    response_.status = res.result_int();
    if constexpr (std::is_same_v<Body, counting_body>) {
      response_.body_bytes = res.body();
    } else {
      response_.body = std::move(res.body());
      response_.body_bytes = response_.body.size();
    }
    if (auto it = res.find(http::field::retry_after); it != res.end())
      response_.retry_after = retry_after_seconds(it->value());
    finish({});
  }

  void finish(std::string error) {
    beast::error_code ignored;
    tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    tcp().close();
    response_.error = std::move(error);
    auto done = std::move(done_);
    done(std::move(response_));
  }

  // Errors found before any I/O are still reported asynchronously (contract:
  // never inline).
  void fail_soon(std::string error) {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), error]() mutable {
                self->finish(std::move(error));
              });
  }

  beast::tcp_stream& tcp() { return stream_.next_layer(); }

  tls_stream stream_;
  http_request request_;
  http_handler done_;
  beast::flat_buffer buffer_{64 * 1024};
  http::request<http::string_body> req_;
  http::response_parser<Body> parser_;
  http_response response_;
};

} // namespace

std::string http_response::describe() const {
  if (!error.empty())
    return error;
  auto out = "HTTP " + std::to_string(status);
  // The contract's error body {"error":{"code","message"}}: its words say
  // why (a 503 alone does not tell "control down" from "no node").
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object())
    return out;
  const auto* err = v.as_object().if_contains("error");
  if (err == nullptr || !err->is_object())
    return out;
  if (const auto* m = err->as_object().if_contains("message");
      m != nullptr && m->is_string() && !m->as_string().empty())
    out += ": " + std::string{m->as_string().subview().substr(0, 300)};
  return out;
}

void async_http(net::any_io_executor ex, http_request request,
                http_handler done) {
  if (request.discard_body)
    std::make_shared<http_exchange<counting_body>>(ex, std::move(request),
                                                   std::move(done))
      ->run();
  else
    std::make_shared<http_exchange<http::string_body>>(ex, std::move(request),
                                                       std::move(done))
      ->run();
}

std::int64_t http_exchanges_in_flight() {
  return g_in_flight.load(std::memory_order_relaxed);
}

} // namespace tether::terminal
