#include "net/tetherctl/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace tether::ctl {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

std::string parse_server_url(const std::string& text, server_url& out) {
  auto sep = text.find("://");
  if (sep == std::string::npos)
    return "server URL \"" + text + "\" must start with http://";
  out.scheme = text.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https")
    return "server URL \"" + text + "\": scheme must be http or https";
  auto rest = text.substr(sep + 3);
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.find('/') != std::string::npos)
    return "server URL \"" + text + "\" must not have a path";
  auto colon = rest.rfind(':');
  bool bracketed = !rest.empty() && rest.front() == '[';
  if (colon != std::string::npos && (!bracketed || rest[colon - 1] == ']')) {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
  } else {
    out.host = rest;
    out.port = out.scheme == "https" ? "443" : "80";
  }
  if (bracketed && out.host.size() > 2 && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty() || out.port.empty()
      || out.port.find_first_not_of("0123456789") != std::string::npos)
    return "server URL \"" + text + "\" needs a host and a numeric port";
  return {};
}

namespace {

/// Starts one asynchronous operation with `start(handler)` and runs `ioc`
/// until it completes: the tcp_stream's deadline (expires_after) bounds
/// it, which the synchronous calls would not honour.
template <class Start>
beast::error_code await(boost::asio::io_context& ioc, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

/// What failed, with "within N ms" when it was the deadline.
std::string failure(const std::string& what, beast::error_code ec,
                    std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return what + ": no answer within " + std::to_string(timeout.count())
         + " ms";
  return what + ": " + ec.message();
}

/// Writes `req` and reads the answer on `stream` (plain or TLS), each
/// within the timeout; the problem in `out.error` when there is no answer.
template <class Stream>
void exchange(boost::asio::io_context& ioc, Stream& stream,
              http::request<http::string_body>& req, const std::string& where,
              std::chrono::milliseconds timeout, http_answer& out) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto ec = await(ioc, [&](auto h) { http::async_write(stream, req, h); });
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  if (!ec) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    ec = await(ioc,
               [&](auto h) { http::async_read(stream, buffer, parser, h); });
  }
  if (ec) {
    out.error = failure("no answer from " + where, ec, timeout);
    return;
  }
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
}

http::request<http::string_body> make_request(const std::string& method,
                                              const std::string& target,
                                              const std::string& body,
                                              const std::string& authorization,
                                              const std::string& where) {
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, where);
  req.set(http::field::user_agent, "tetherctl");
  if (!authorization.empty())
    req.set(http::field::authorization, authorization);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  return req;
}

/// Resolves and connects `stream` within the timeout; false with
/// `out.error` set when it cannot.
bool connect(boost::asio::io_context& ioc, beast::tcp_stream& stream,
             const server_url& url, std::chrono::milliseconds timeout,
             http_answer& out) {
  tcp::resolver resolver{ioc};
  beast::error_code ec;
  auto addrs = resolver.resolve(url.host, url.port, ec);
  if (ec) {
    out.error = "cannot resolve " + url.host + ": " + ec.message();
    return false;
  }
  stream.expires_after(timeout);
  ec = await(ioc, [&](auto h) { stream.async_connect(addrs, h); });
  if (ec) {
    out.error
      = failure("cannot connect to " + url.host + ":" + url.port, ec, timeout);
    return false;
  }
  return true;
}

/// Plain HTTP/1.1, a fresh connection per request, every step within the
/// timeout.
class plain_transport : public transport {
public:
  plain_transport(server_url url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), timeout_(timeout) {}

  http_answer send(const std::string& method, const std::string& target,
                   const std::string& body,
                   const std::string& authorization) override {
    http_answer out;
    boost::asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    auto where = url_.host + ":" + url_.port;
    if (!connect(ioc, stream, url_, timeout_, out))
      return out;
    auto req = make_request(method, target, body, authorization, where);
    exchange(ioc, stream, req, where, timeout_, out);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
  }

private:
  server_url url_;
  std::chrono::milliseconds timeout_;
};

/// HTTPS: TLS 1.2 or newer, the server's certificate verified against
/// `ca_file` (or the system's trust store when empty) and its name (or IP
/// address) checked against the URL's host; SNI for host names.
class tls_transport : public transport {
public:
  tls_transport(server_url url, std::chrono::milliseconds timeout,
                std::shared_ptr<ssl::context> ctx)
      : url_(std::move(url)), timeout_(timeout), ctx_(std::move(ctx)) {}

  http_answer send(const std::string& method, const std::string& target,
                   const std::string& body,
                   const std::string& authorization) override {
    http_answer out;
    boost::asio::io_context ioc;
    beast::ssl_stream<beast::tcp_stream> stream{ioc, *ctx_};
    auto where = url_.host + ":" + url_.port;
    if (!connect(ioc, beast::get_lowest_layer(stream), url_, timeout_, out))
      return out;
    boost::system::error_code ec;
    boost::asio::ip::make_address(url_.host, ec);
    if (ec) // a name, not an address: SNI
      SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str());
    stream.set_verify_callback(ssl::host_name_verification(url_.host));
    beast::get_lowest_layer(stream).expires_after(timeout_);
    ec = await(ioc, [&](auto h) {
      stream.async_handshake(ssl::stream_base::client, h);
    });
    if (ec) {
      out.error
        = failure("TLS handshake with " + where + " failed", ec, timeout_);
      return out;
    }
    auto req = make_request(method, target, body, authorization, where);
    exchange(ioc, stream, req, where, timeout_, out);
    // The server may just close, or not answer: not an error here.
    beast::get_lowest_layer(stream).expires_after(timeout_);
    await(ioc, [&](auto h) { stream.async_shutdown(h); });
    return out;
  }

private:
  server_url url_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<ssl::context> ctx_;
};

} // namespace

std::unique_ptr<transport> make_transport(const server_url& url,
                                          std::chrono::milliseconds timeout,
                                          std::string& error,
                                          const std::string& ca_file) {
  if (url.scheme == "http")
    return std::make_unique<plain_transport>(url, timeout);
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                   | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(ca_file, ec);
  if (ec) {
    error = (ca_file.empty() ? std::string{"cannot read the system's CA "
                                           "certificates"}
                             : "cannot read CA file " + ca_file)
          + ": " + ec.message();
    return nullptr;
  }
  return std::make_unique<tls_transport>(url, timeout, std::move(ctx));
}

} // namespace tether::ctl
