#include "tests/support/callback_server.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace tether::test {

struct callback_server::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::optional<ssl::context> tls; // set for HTTPS
  std::vector<int> statuses;
  size_t next = 0;
  mutable std::mutex mtx;
  std::vector<std::string> bodies;
  std::vector<std::string> signatures; // Tether-Signature of each body
  size_t failed_handshakes = 0;
  std::vector<std::string> server_names;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec)
        return;
      if (tls)
        handshake(std::make_shared<beast::ssl_stream<beast::tcp_stream>>(
          std::move(s), *tls));
      else
        serve(std::make_shared<beast::tcp_stream>(std::move(s)));
      accept();
    });
  }

  void handshake(std::shared_ptr<beast::ssl_stream<beast::tcp_stream>> stream) {
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds{5});
    stream->async_handshake(
      ssl::stream_base::server, [this, stream](beast::error_code ec) {
        std::lock_guard<std::mutex> guard{mtx};
        if (ec) {
          ++failed_handshakes;
          return;
        }
        auto* name = SSL_get_servername(stream->native_handle(),
                                        TLSEXT_NAMETYPE_host_name);
        server_names.emplace_back(name ? name : "");
        asio::post(io, [this, stream] { serve(stream); });
      });
  }

  template <class Stream>
  void serve(std::shared_ptr<Stream> stream) {
    auto buf = std::make_shared<beast::flat_buffer>();
    auto req = std::make_shared<http::request<http::string_body>>();
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds{5});
    http::async_read(
      *stream, *buf, *req,
      [this, stream, buf, req](beast::error_code ec, size_t) {
        if (ec)
          return;
        int status = 200;
        {
          std::lock_guard<std::mutex> guard{mtx};
          bodies.push_back(req->body());
          signatures.emplace_back(req->base()["Tether-Signature"]);
          if (next < statuses.size())
            status = statuses[next++];
        }
        auto res = std::make_shared<http::response<http::string_body>>(
          static_cast<http::status>(status), 11);
        res->body() = "{}";
        res->keep_alive(false);
        res->prepare_payload();
        http::async_write(*stream, *res,
                          [stream, res](beast::error_code, size_t) {
                            // No TLS close_notify: a test
                            // server may close abruptly.
                            beast::error_code ignored;
                            beast::get_lowest_layer(*stream).socket().shutdown(
                              tcp::socket::shutdown_both, ignored);
                          });
      });
  }
};

callback_server::callback_server(std::vector<int> statuses)
    : impl_(std::make_unique<impl>()) {
  impl_->statuses = std::move(statuses);
  impl_->accept();
  impl_->thread = std::thread{[this] {
    impl_->io.run();
  }};
}

callback_server::callback_server(const tls_identity& identity,
                                 std::vector<int> statuses)
    : impl_(std::make_unique<impl>()) {
  impl_->statuses = std::move(statuses);
  auto& tls = impl_->tls.emplace(ssl::context::tls_server);
  tls.use_certificate_chain(asio::buffer(identity.cert_pem));
  tls.use_private_key(asio::buffer(identity.key_pem), ssl::context::pem);
  impl_->accept();
  impl_->thread = std::thread{[this] {
    impl_->io.run();
  }};
}

callback_server::~callback_server() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string callback_server::url(const std::string& path,
                                 const std::string& host) const {
  return std::string{impl_->tls ? "https://" : "http://"} + host + ":"
       + std::to_string(impl_->acceptor.local_endpoint().port()) + path;
}

std::vector<std::string> callback_server::bodies() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->bodies;
}

std::vector<std::string> callback_server::signatures() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->signatures;
}

bool verify_callback_signature(const std::string& secret,
                               const std::string& header,
                               const std::string& body, std::string& why) {
  // As docs/API.md tells a service: t=<unix>,v1=<hex>; the MAC is
  // HMAC-SHA256(secret, "<t>.<body>"); t within 5 minutes of now.
  auto comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) {
    why = "malformed header \"" + header + "\"";
    return false;
  }
  auto t = header.substr(2, comma - 2);
  auto mac = header.substr(comma + 4);
  long long when = std::atoll(t.c_str());
  if (std::llabs(static_cast<long long>(std::time(nullptr)) - when) > 300) {
    why = "timestamp " + t + " is not within 5 minutes of now";
    return false;
  }
  std::string signed_text = t + "." + body;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()),
       signed_text.size(), out, &len);
  std::string expected;
  char hex[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", out[i]);
    expected += hex;
  }
  if (expected.size() != mac.size()
      || CRYPTO_memcmp(expected.data(), mac.data(), mac.size()) != 0) {
    why = "v1 " + mac + " is not HMAC-SHA256 of the body (" + expected + ")";
    return false;
  }
  return true;
}

size_t callback_server::failed_handshakes() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->failed_handshakes;
}

std::vector<std::string> callback_server::server_names() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->server_names;
}

} // namespace tether::test
