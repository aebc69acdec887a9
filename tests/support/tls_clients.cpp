#include "tests/support/tls_clients.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace tether::test {

namespace {

ssl::context client_context(const tls_options& tls) {
  ssl::context ctx{ssl::context::tls_client};
  if (!tls.ca_pem.empty())
    ctx.add_certificate_authority(asio::buffer(tls.ca_pem));
  ctx.set_verify_mode(ssl::verify_peer);
  if (tls.max_version != 0) {
    // OpenSSL 3 refuses TLS 1.1 and older at its default security level:
    // level 0 lets this client offer them, so that the server decides.
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), tls.max_version);
  }
  if (tls.min_version != 0)
    SSL_CTX_set_min_proto_version(ctx.native_handle(), tls.min_version);
  if (!tls.cert_pem.empty()) {
    ctx.use_certificate_chain(asio::buffer(tls.cert_pem));
    ctx.use_private_key(asio::buffer(tls.key_pem), ssl::context::pem);
  }
  return ctx;
}

/// Connects and handshakes `stream`; false with the reason in `error`.
/// Every read and write after the connect waits at most `timeout`
/// (synchronous calls ignore tcp_stream deadlines: socket timeouts).
bool connect(beast::ssl_stream<beast::tcp_stream>& stream,
             const std::string& host_port, const tls_options& tls,
             std::chrono::milliseconds timeout, std::string& error) {
  auto colon = host_port.rfind(':');
  tcp::resolver resolver{stream.get_executor()};
  beast::error_code ec;
  auto eps = resolver.resolve(host_port.substr(0, colon),
                              host_port.substr(colon + 1), ec);
  if (!ec)
    beast::get_lowest_layer(stream).connect(eps, ec);
  if (ec) {
    error = "connect: " + ec.message();
    return false;
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  auto fd = beast::get_lowest_layer(stream).socket().native_handle();
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!tls.sni.empty()) {
    SSL_set_tlsext_host_name(stream.native_handle(), tls.sni.c_str());
    stream.set_verify_callback(ssl::host_name_verification(tls.sni));
  }
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    error = "handshake: " + ec.message();
    return false;
  }
  return true;
}

} // namespace

http_result https_call(const std::string& host_port, const tls_options& tls,
                       const std::string& method, const std::string& target,
                       const std::string& body,
                       const std::string& authorization, std::string& error,
                       std::chrono::milliseconds timeout) {
  http_result out;
  asio::io_context io;
  auto ctx = client_context(tls);
  beast::ssl_stream<beast::tcp_stream> stream{io, ctx};
  if (!connect(stream, host_port, tls, timeout, error))
    return out;
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, host_port);
  req.set(http::field::content_type, "application/json");
  if (!authorization.empty())
    req.set(http::field::authorization, authorization);
  req.body() = body;
  req.prepare_payload();
  beast::error_code ec;
  http::write(stream, req, ec);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  if (!ec)
    http::read(stream, buf, res, ec);
  if (ec) {
    error = "exchange: " + ec.message();
    return out;
  }
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (auto& f : res)
    out.headers[std::string{f.name_string()}] = std::string{f.value()};
  return out;
}

bool tls_handshake(const std::string& host_port, const tls_options& tls,
                   std::string& version, std::string& error,
                   std::chrono::milliseconds timeout) {
  asio::io_context io;
  auto ctx = client_context(tls);
  beast::ssl_stream<beast::tcp_stream> stream{io, ctx};
  if (!connect(stream, host_port, tls, timeout, error))
    return false;
  version = SSL_get_version(stream.native_handle());
  return true;
}

} // namespace tether::test
