// lean_stream (the TLS layer of edge_stream) over loopback sockets: both
// handshake sides with SNI and host name verification, several MiB both
// ways at once, a peer closing in the middle of a record, stalled peers cut
// off by the tcp_stream's deadlines, garbage instead of a ClientHello,
// session resumption (TLS 1.3 tickets, TLS 1.2 session cache), close_notify.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <openssl/ssl.h>

#include "net/tls/edge_stream.hpp"
#include "net/tls/server_context.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tls_identity.hpp"

using namespace tether;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
using net::tls::edge_stream;
using namespace std::chrono_literals;

namespace {

constexpr auto server = ssl::stream_base::server;
constexpr auto client = ssl::stream_base::client;

/// A server context as the edge builds it and a client context trusting
/// its certificate (CN localhost, SAN localhost and 127.0.0.1).
struct contexts {
  test::temp_dir dir;
  std::shared_ptr<ssl::context> server_ctx;
  ssl::context client_ctx{ssl::context::tls_client};

  contexts() {
    auto id = test::make_self_signed("localhost", "DNS:localhost,IP:127.0.0.1");
    config::edge_tls_config cfg;
    cfg.cert_file = dir.path() + "/cert.pem";
    cfg.key_file = dir.path() + "/key.pem";
    test::write_file(cfg.cert_file, id.cert_pem);
    test::write_file(cfg.key_file, id.key_pem);
    std::string error;
    server_ctx = net::tls::make_server_context(cfg, error);
    EXPECT_TRUE(server_ctx) << error;
    client_ctx.set_verify_mode(ssl::verify_peer);
    client_ctx.load_verify_file(cfg.cert_file);
    SSL_CTX_set_mode(client_ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  }
};

/// One loopback connection: `server_side` accepted (TLS with the server
/// context), `client_side` connected, TLS from use_client_tls on.
struct connection {
  asio::io_context& io;
  std::optional<edge_stream> server_side;
  edge_stream client_side;

  connection(asio::io_context& io, ssl::context* server_ctx)
      : io(io), client_side(io.get_executor()) {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client_side.next_layer().connect(acceptor.local_endpoint());
    server_side.emplace(acceptor.accept(), server_ctx);
  }

  void use_client_tls(ssl::context& ctx, const std::string& host) {
    client_side.use_tls(ctx);
    SSL_set_tlsext_host_name(client_side.tls()->native_handle(), host.c_str());
    client_side.tls()->set_verify_callback(ssl::host_name_verification(host));
  }
};

/// Runs `io` until `done()` holds or 10 s passed; whether it holds.
template <class Done>
bool run_until(asio::io_context& io, Done done) {
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(100ms);
  return done();
}

struct handshakes {
  std::optional<error_code> server_ec, client_ec;
};

handshakes handshake(connection& c) {
  handshakes h;
  c.server_side->async_handshake(server,
                                 [&](error_code ec) { h.server_ec = ec; });
  c.client_side.async_handshake(client,
                                [&](error_code ec) { h.client_ec = ec; });
  EXPECT_TRUE(run_until(c.io, [&] { return h.server_ec && h.client_ec; }));
  return h;
}

/// `from` writes `text`, `to` reads it back.
std::string echo(asio::io_context& io, edge_stream& from, edge_stream& to,
                 const std::string& text) {
  std::string got(text.size(), '\0');
  std::optional<error_code> wrote, read;
  asio::async_write(from, asio::buffer(text),
                    [&](error_code ec, size_t) { wrote = ec; });
  asio::async_read(to, asio::buffer(got),
                   [&](error_code ec, size_t) { read = ec; });
  EXPECT_TRUE(run_until(io, [&] { return wrote && read; }));
  EXPECT_FALSE(wrote && *wrote) << wrote->message();
  EXPECT_FALSE(read && *read) << read->message();
  return got;
}

/// Server and client contexts, an io_context and one loopback connection.
class LeanTlsStream : public ::testing::Test {
protected:
  /// Client TLS for `host`, both handshakes done and successful.
  void establish(const std::string& host = "localhost") {
    c.use_client_tls(ctx.client_ctx, host);
    auto h = handshake(c);
    ASSERT_FALSE(*h.server_ec) << h.server_ec->message();
    ASSERT_FALSE(*h.client_ec) << h.client_ec->message();
  }

  contexts ctx;
  asio::io_context io;
  connection c{io, ctx.server_ctx.get()};
};

TEST_F(LeanTlsStream, HandshakesBothSidesWithSniAndHostNameVerification) {
  ASSERT_NO_FATAL_FAILURE(establish());
  SSL* server_ssl = c.server_side->tls()->native_handle();
  EXPECT_STREQ(SSL_get_servername(server_ssl, TLSEXT_NAMETYPE_host_name),
               "localhost");
  EXPECT_EQ(SSL_version(server_ssl), TLS1_3_VERSION);
  EXPECT_EQ(echo(io, c.client_side, *c.server_side, "hello"), "hello");
  EXPECT_EQ(echo(io, *c.server_side, c.client_side, "hi back"), "hi back");
}

TEST_F(LeanTlsStream, ClientRefusesACertificateForAnotherName) {
  c.use_client_tls(ctx.client_ctx, "other.example");
  auto h = handshake(c);
  ASSERT_TRUE(*h.client_ec);
  EXPECT_EQ(h.client_ec->category(), asio::error::get_ssl_category())
    << h.client_ec->message();
  EXPECT_NE(h.client_ec->message().find("certificate verify failed"),
            std::string::npos)
    << h.client_ec->message();
  EXPECT_TRUE(*h.server_ec); // the client's alert, or its close
}

TEST_F(LeanTlsStream, SeveralMebibytesBothWaysAtOnce) {
  ASSERT_NO_FATAL_FAILURE(establish("127.0.0.1"));
  constexpr size_t size = 6u << 20;
  std::string up(size, '\0'), down(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    up[i] = static_cast<char>(i * 7 + i / 4096);
    down[i] = static_cast<char>(i * 13 + 1);
  }
  std::string got_up(size, '\0'), got_down(size, '\0');
  std::optional<error_code> w1, w2, r1, r2;
  asio::async_write(c.client_side, asio::buffer(up),
                    [&](error_code ec, size_t) { w1 = ec; });
  asio::async_write(*c.server_side, asio::buffer(down),
                    [&](error_code ec, size_t) { w2 = ec; });
  asio::async_read(*c.server_side, asio::buffer(got_up),
                   [&](error_code ec, size_t) { r1 = ec; });
  asio::async_read(c.client_side, asio::buffer(got_down),
                   [&](error_code ec, size_t) { r2 = ec; });
  ASSERT_TRUE(run_until(io, [&] { return w1 && w2 && r1 && r2; }));
  EXPECT_FALSE(*w1 || *w2 || *r1 || *r2);
  EXPECT_TRUE(got_up == up);
  EXPECT_TRUE(got_down == down);
}

TEST_F(LeanTlsStream, EmptyBuffersCompleteAtOnceAndAFourthWaitFails) {
  ASSERT_NO_FATAL_FAILURE(establish());
  // Nothing asked for: done with 0 bytes, without waiting for input.
  std::optional<error_code> r0, w0;
  size_t rn = 1, wn = 1;
  c.server_side->async_read_some(asio::mutable_buffer{},
                                 [&](error_code ec, size_t n) {
                                   r0 = ec;
                                   rn = n;
                                 });
  c.server_side->async_write_some(asio::const_buffer{},
                                  [&](error_code ec, size_t n) {
                                    w0 = ec;
                                    wn = n;
                                  });
  ASSERT_TRUE(run_until(io, [&] { return r0 && w0; }));
  EXPECT_FALSE(*r0 || *w0);
  EXPECT_EQ(rn, 0u);
  EXPECT_EQ(wn, 0u);
  // A read, a write and a handshake or shutdown may wait at once; a fourth
  // waiting operation is a caller's bug and fails instead of hanging.
  char bytes[4][8];
  std::optional<error_code> reads[4];
  for (int i = 0; i < 4; ++i)
    c.server_side->async_read_some(
      asio::buffer(bytes[i]), [&, i](error_code ec, size_t) { reads[i] = ec; });
  ASSERT_TRUE(run_until(io, [&] { return reads[3].has_value(); }));
  EXPECT_EQ(*reads[3], asio::error::operation_not_supported);
  EXPECT_FALSE(reads[0] || reads[1] || reads[2]); // still waiting for input
  // Input arrives: the three waiting reads go on.
  static const std::string x = "x";
  asio::async_write(c.client_side, asio::buffer(x), [](error_code, size_t) {});
  EXPECT_TRUE(run_until(io, [&] { return reads[0].has_value(); }));
}

TEST_F(LeanTlsStream, PeerClosingInTheMiddleOfARecordIsATruncation) {
  ASSERT_NO_FATAL_FAILURE(establish());
  // An application-data record header announcing 64 bytes, 10 of them,
  // then FIN.
  std::string part
    = std::string("\x17\x03\x03\x00\x40", 5) + std::string(10, 'x');
  auto& raw = c.client_side.next_layer().socket();
  asio::write(raw, asio::buffer(part));
  raw.shutdown(tcp::socket::shutdown_send);
  char buf[100];
  std::optional<error_code> read;
  c.server_side->async_read_some(asio::buffer(buf),
                                 [&](error_code ec, size_t) { read = ec; });
  ASSERT_TRUE(run_until(io, [&] { return read.has_value(); }));
  EXPECT_EQ(*read, ssl::error::stream_truncated) << read->message();
}

TEST_F(LeanTlsStream, AStalledHandshakeIsCutOffByTheDeadline) {
  // The client never speaks.
  c.server_side->next_layer().expires_after(200ms);
  std::optional<error_code> ec;
  auto start = std::chrono::steady_clock::now();
  c.server_side->async_handshake(server, [&](error_code e) { ec = e; });
  ASSERT_TRUE(run_until(io, [&] { return ec.has_value(); }));
  EXPECT_EQ(*ec, boost::beast::error::timeout) << ec->message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(LeanTlsStream, APeerThatStopsReadingIsCutOffByTheWriteDeadline) {
  ASSERT_NO_FATAL_FAILURE(establish());
  // 64 MiB: more than both socket buffers hold; the client reads nothing.
  std::string big(64u << 20, 'z');
  c.server_side->next_layer().expires_after(300ms);
  std::optional<error_code> wrote;
  size_t n = 0;
  asio::async_write(*c.server_side, asio::buffer(big),
                    [&](error_code ec, size_t k) {
                      wrote = ec;
                      n = k;
                    });
  ASSERT_TRUE(run_until(io, [&] { return wrote.has_value(); }));
  EXPECT_EQ(*wrote, boost::beast::error::timeout) << wrote->message();
  EXPECT_LT(n, big.size());
}

TEST_F(LeanTlsStream, GarbageInsteadOfAClientHelloFailsTheHandshake) {
  asio::write(c.client_side.next_layer().socket(),
              asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::optional<error_code> ec;
  c.server_side->async_handshake(server, [&](error_code e) { ec = e; });
  ASSERT_TRUE(run_until(io, [&] { return ec.has_value(); }));
  EXPECT_EQ(ec->category(), asio::error::get_ssl_category()) << ec->message();
  EXPECT_NE(ec->message().find("http request"), std::string::npos)
    << ec->message();
}

/// Handshake, one echo each way (TLS 1.3 tickets arrive after the
/// handshake), then the client's session; `resumed` whether both sides
/// said this connection resumed `session`.
SSL_SESSION* connect_once(contexts& ctx, SSL_SESSION* session, bool& resumed) {
  asio::io_context io;
  connection c(io, ctx.server_ctx.get());
  c.use_client_tls(ctx.client_ctx, "localhost");
  SSL* cs = c.client_side.tls()->native_handle();
  if (session != nullptr)
    SSL_set_session(cs, session);
  auto h = handshake(c);
  EXPECT_FALSE(*h.server_ec || *h.client_ec);
  EXPECT_EQ(echo(io, *c.server_side, c.client_side, "ticket"), "ticket");
  EXPECT_EQ(echo(io, c.client_side, *c.server_side, "ack"), "ack");
  SSL* ss = c.server_side->tls()->native_handle();
  resumed = SSL_session_reused(cs) == 1 && SSL_session_reused(ss) == 1;
  // close_notify both ways: OpenSSL marks the session of a connection
  // freed without it as not resumable (as with ssl::stream).
  error_code ignored;
  c.client_side.tls()->shutdown(ignored);
  c.server_side->tls()->shutdown(ignored);
  return SSL_get1_session(cs);
}

void expect_resumption(contexts& ctx) {
  bool resumed = true;
  SSL_SESSION* first = connect_once(ctx, nullptr, resumed);
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(resumed);
  SSL_SESSION* second = connect_once(ctx, first, resumed);
  EXPECT_TRUE(resumed);
  SSL_SESSION_free(first);
  SSL_SESSION_free(second);
}

TEST_F(LeanTlsStream, ReconnectsResumeTheirSessionWithTls13Tickets) {
  expect_resumption(ctx);
}

TEST_F(LeanTlsStream, ReconnectsResumeTheirSessionFromTheTls12Cache) {
  SSL_CTX_set_max_proto_version(ctx.client_ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.client_ctx.native_handle(), SSL_OP_NO_TICKET);
  expect_resumption(ctx);
}

TEST_F(LeanTlsStream, TeardownSendsCloseNotifyAndThePeerReadsEof) {
  ASSERT_NO_FATAL_FAILURE(establish());
  std::optional<error_code> closed, read;
  char buf[16];
  c.server_side->async_read_some(asio::buffer(buf),
                                 [&](error_code ec, size_t) { read = ec; });
  async_teardown(boost::beast::role_type::client, c.client_side,
                 [&](error_code ec) { closed = ec; });
  ASSERT_TRUE(run_until(io, [&] { return read.has_value(); }));
  EXPECT_EQ(*read, asio::error::eof) << read->message();
  // The server's side of the TCP teardown: close, so the client's
  // teardown (waiting for the peer's FIN) ends.
  c.server_side->next_layer().close();
  ASSERT_TRUE(run_until(io, [&] { return closed.has_value(); }));
  EXPECT_FALSE(*closed) << closed->message();
}

TEST_F(LeanTlsStream, PlainTcpStaysPlain) {
  connection plain(io, nullptr);
  EXPECT_FALSE(plain.server_side->is_tls());
  auto h = handshake(plain);
  EXPECT_FALSE(*h.server_ec || *h.client_ec);
  EXPECT_EQ(echo(io, plain.client_side, *plain.server_side, "plain"), "plain");
}

} // namespace
