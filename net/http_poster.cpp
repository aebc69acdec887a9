#include "net/http_poster.hpp"

#include <functional>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace tether::net {

namespace {

using done_fn = std::function<void(bool, std::string)>;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// Where to post, taken apart from the URL.
struct target_parts {
  std::string host; // decoded, IPv6 without brackets: for DNS and TLS
  std::string port;
  std::string authority; // the Host header: host[:port] as written
  std::string target;    // path and query
};

/// host_name_verification, plus a verify result that says why: OpenSSL
/// reports a failed callback as a bare "certificate verify failed", and
/// the log should name the host-name mismatch.
struct verify_host {
  ssl::host_name_verification check;
  bool is_address;

  bool operator()(bool preverified, ssl::verify_context& ctx) const {
    bool ok = check(preverified, ctx);
    if (preverified && !ok)
      X509_STORE_CTX_set_error(ctx.native_handle(),
                               is_address ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                          : X509_V_ERR_HOSTNAME_MISMATCH);
    return ok;
  }
};

/// Name lookups run blocking getaddrinfo calls; Asio's own resolver runs
/// all of an io_context's lookups on one thread, so one host whose DNS never
/// answers would hold up every other callback. These threads run several at
/// once; a lookup cannot be interrupted, so a post stops waiting for it at
/// its deadline and a late answer is dropped.
class name_lookups {
public:
  using results = tcp::resolver::results_type;
  using done_fn = std::function<void(beast::error_code, results)>;

  explicit name_lookups(size_t threads) : pool_(threads) {}

  void resolve(std::string host, std::string port, done_fn done) {
    asio::post(pool_, [this, host = std::move(host), port = std::move(port),
                       done = std::move(done)] {
      tcp::resolver resolver{pool_.get_executor()};
      beast::error_code ec;
      auto found = resolver.resolve(host, port, ec);
      done(ec, std::move(found));
    });
  }

private:
  asio::thread_pool pool_;
};

/// One POST over `Stream` (beast::tcp_stream for http, tls_stream for
/// https): resolve, connect, [TLS handshake,] write, read, report once.
/// Everything runs on one strand; the timeout covers the whole exchange.
template <class Stream>
class post_op : public std::enable_shared_from_this<post_op<Stream>> {
public:
  static constexpr bool tls = std::is_same_v<Stream, tls_stream>;

  /// `stream_args` follow the executor in Stream's constructor (the
  /// ssl::context for TLS, nothing for plain TCP).
  template <class... StreamArgs>
  post_op(asio::io_context& io, std::shared_ptr<name_lookups> lookups,
          std::shared_ptr<const callback_guard> guard,
          std::chrono::milliseconds timeout, done_fn done,
          StreamArgs&... stream_args)
      : strand_(asio::make_strand(io)), lookups_(std::move(lookups)),
        guard_(std::move(guard)), stream_(strand_, stream_args...),
        resolve_deadline_(strand_), timeout_(timeout), done_(std::move(done)) {}

  /// Starts the post on its strand (the caller is another thread).
  void run(target_parts to, std::string body, bool verify) {
    asio::dispatch(strand_,
                   [self = this->shared_from_this(), to = std::move(to),
                    body = std::move(body), verify]() mutable {
                     self->start(std::move(to), std::move(body), verify);
                   });
  }

private:
  void start(target_parts to, std::string body, bool verify) {
    req_.method(http::verb::post);
    req_.target(to.target);
    req_.version(11);
    req_.set(http::field::host, to.authority);
    req_.set(http::field::user_agent, "tetherd");
    req_.set(http::field::content_type, "application/json");
    req_.set("Tether-Signature", guard_->signature(body));
    req_.body() = std::move(body);
    req_.prepare_payload();
    if constexpr (tls) {
      boost::system::error_code not_address;
      asio::ip::make_address(to.host, not_address);
      // SNI carries DNS names only (RFC 6066 §3).
      if (not_address
          && !SSL_set_tlsext_host_name(stream_.native_handle(),
                                       to.host.c_str()))
        return finish(false, "TLS: cannot set the server name");
      if (verify)
        stream_.set_verify_callback(
          verify_host{ssl::host_name_verification{to.host}, !not_address});
    }
    lowest().expires_after(timeout_);
    // The stream's timeout does not cover the name lookup, and cancelling
    // the resolver does not interrupt a lookup already running: the deadline
    // reports the failure itself; the late answer is then ignored.
    resolving_ = true;
    resolve_deadline_.expires_after(timeout_);
    resolve_deadline_.async_wait([self = this->shared_from_this()](
                                   beast::error_code ec) {
      if (!ec && self->resolving_) {
        self->resolving_ = false;
        self->finish(false, "resolve: timed out after "
                              + std::to_string(self->timeout_.count()) + " ms");
      }
    });
    // The lookup holds the post weakly: a post that gave up is freed (with
    // its body) at once, not when a hanging lookup returns.
    std::weak_ptr<post_op> weak = this->shared_from_this();
    lookups_->resolve(to.host, to.port,
                      [weak, strand = strand_](beast::error_code ec,
                                               name_lookups::results found) {
                        asio::post(strand,
                                   [weak, ec, found = std::move(found)] {
                                     if (auto self = weak.lock())
                                       self->on_resolved(ec, found);
                                   });
                      });
  }

  void on_resolved(beast::error_code ec, const name_lookups::results& found) {
    if (!resolving_)
      return; // timed out meanwhile
    resolving_ = false;
    resolve_deadline_.cancel();
    if (ec)
      return finish(false, "resolve: " + ec.message());
    auto checked = allowed(found);
    if (checked.empty())
      return finish(false, std::string{http_poster::refused} + refused_why_);
    lowest().async_connect(
      checked,
      [self = this->shared_from_this()](
        beast::error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
  }

  /// The addresses of `found` a callback may go to, in order: the post
  /// connects to these and no others (no second lookup, so a name cannot
  /// answer differently the second time). The last refusal is kept.
  std::vector<tcp::endpoint> allowed(const name_lookups::results& found) {
    std::vector<tcp::endpoint> out;
    for (const auto& entry : found) {
      auto ep = entry.endpoint();
      auto why = guard_->refusal(ip_of(ep.address()), ep.port());
      if (why.empty())
        out.push_back(ep);
      else
        refused_why_ = entry.host_name() + " resolves to " + why;
    }
    return out;
  }

  static config::ip_address ip_of(const asio::ip::address& a) {
    config::ip_address out;
    out.v6 = a.is_v6();
    if (out.v6) {
      auto b = a.to_v6().to_bytes();
      std::copy(b.begin(), b.end(), out.bytes.begin());
    } else {
      auto b = a.to_v4().to_bytes();
      std::copy(b.begin(), b.end(), out.bytes.begin());
    }
    return out;
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_connect(beast::error_code ec) {
    if (ec)
      return finish(false, "connect: " + ec.message());
    if constexpr (tls) {
      stream_.async_handshake(
        ssl::stream_base::client,
        [self = this->shared_from_this()](beast::error_code ec) {
          if (ec)
            return self->finish(false, self->handshake_failure(ec));
          self->secured_ = true;
          self->do_write();
        });
    } else {
      do_write();
    }
  }

  /// "TLS handshake: certificate verify failed (hostname mismatch)".
  std::string handshake_failure(beast::error_code ec) {
    std::string out = "TLS handshake: " + ec.message();
    if constexpr (tls) {
      auto result = SSL_get_verify_result(stream_.native_handle());
      if (result != X509_V_OK)
        out += std::string{" ("} + X509_verify_cert_error_string(result) + ")";
    }
    return out;
  }

  void do_write() {
    http::async_write(
      stream_, req_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return self->finish(false, "write: " + ec.message());
        self->do_read();
      });
  }

  void do_read() {
    parser_.body_limit(64 * 1024);
    http::async_read(
      stream_, buffer_, parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return self->finish(false, "read: " + ec.message());
        auto status = self->parser_.get().result_int();
        self->finish(status >= 200 && status < 300,
                     "HTTP " + std::to_string(status));
      });
  }

  /// Reports the outcome, then closes the connection (over TLS, with a
  /// close_notify when the session was established, bounded by a second).
  void finish(bool ok, std::string detail) {
    if (!done_)
      return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(ok, std::move(detail));
    if constexpr (tls) {
      if (secured_) {
        lowest().expires_after(std::chrono::seconds{1});
        stream_.async_shutdown([self = this->shared_from_this()](
                                 beast::error_code) { self->close(); });
        return;
      }
    }
    close();
  }

  void close() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  asio::strand<asio::io_context::executor_type> strand_;
  std::shared_ptr<name_lookups> lookups_;
  std::shared_ptr<const callback_guard> guard_;
  std::string refused_why_;
  Stream stream_;
  asio::steady_timer resolve_deadline_;
  bool resolving_ = false;
  std::chrono::milliseconds timeout_;
  done_fn done_;
  bool secured_ = false; // TLS handshake done
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

class beast_poster : public http_poster {
public:
  beast_poster(asio::io_context& io, std::shared_ptr<ssl::context> tls,
               bool verify, std::shared_ptr<const callback_guard> guard,
               std::chrono::milliseconds timeout)
      : io_(io), tls_(std::move(tls)), verify_(verify),
        guard_(std::move(guard)), timeout_(timeout) {}

  /// A lookup that hangs at shutdown delays the exit until it returns.
  ~beast_poster() override = default;

  void post(std::string url, std::string body, done_fn done) override {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
      return done(false, "not a URL: " + parsed.error().message());
    const auto& u = *parsed;
    bool https = u.scheme_id() == boost::urls::scheme::https;
    if (!https && u.scheme_id() != boost::urls::scheme::http)
      return done(false, "only http:// and https:// callback URLs are "
                         "supported");
    target_parts to;
    to.host = u.host_address();
    if (to.host.empty())
      return done(false, "callback URL has no host");
    to.port = u.has_port() ? std::string{u.port()} : https ? "443" : "80";
    to.authority = std::string{u.encoded_host_and_port()};
    to.target = u.encoded_path().empty() ? "/" : std::string{u.encoded_path()};
    if (u.has_query())
      to.target += "?" + std::string{u.encoded_query()};
    if (https)
      std::make_shared<post_op<tls_stream>>(io_, lookups_, guard_, timeout_,
                                            std::move(done), *tls_)
        ->run(std::move(to), std::move(body), verify_);
    else
      std::make_shared<post_op<beast::tcp_stream>>(io_, lookups_, guard_,
                                                   timeout_, std::move(done))
        ->run(std::move(to), std::move(body), verify_);
  }

private:
  asio::io_context& io_;
  std::shared_ptr<name_lookups> lookups_ = std::make_shared<name_lookups>(4);
  // Shared by every https post; OpenSSL's SSL objects hold their own
  // reference to it as well.
  std::shared_ptr<ssl::context> tls_;
  bool verify_;
  std::shared_ptr<const callback_guard> guard_;
  std::chrono::milliseconds timeout_;
};

} // namespace

http_poster_ptr make_http_poster(asio::io_context& io,
                                 const config::callbacks_config& cfg,
                                 std::shared_ptr<const callback_guard> guard,
                                 std::string& error,
                                 std::chrono::milliseconds timeout) {
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                     | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                     | ssl::context::no_tlsv1_1,
                   ec);
  if (!ec)
    tls->set_default_verify_paths(ec);
  if (ec) {
    error = "callbacks: cannot set up TLS: " + ec.message();
    return nullptr;
  }
  if (!cfg.ca_file.empty()) {
    tls->load_verify_file(cfg.ca_file, ec);
    if (ec) {
      error = "callbacks.ca_file: cannot load \"" + cfg.ca_file
            + "\": " + ec.message();
      return nullptr;
    }
  }
  tls->set_verify_mode(cfg.verify ? ssl::verify_peer : ssl::verify_none);
  return std::make_shared<beast_poster>(io, std::move(tls), cfg.verify,
                                        std::move(guard), timeout);
}

} // namespace tether::net
