#include "tests/support/callback_server.hpp"

#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace tether::test {

struct callback_server::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::vector<int> statuses;
  size_t next = 0;
  mutable std::mutex mtx;
  std::vector<std::string> bodies;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec)
        return;
      serve(std::make_shared<beast::tcp_stream>(std::move(s)));
      accept();
    });
  }

  void serve(std::shared_ptr<beast::tcp_stream> stream) {
    auto buf = std::make_shared<beast::flat_buffer>();
    auto req = std::make_shared<http::request<http::string_body>>();
    stream->expires_after(std::chrono::seconds{5});
    http::async_read(*stream, *buf, *req,
                     [this, stream, buf, req](beast::error_code ec, size_t) {
                       if (ec)
                         return;
                       int status = 200;
                       {
                         std::lock_guard<std::mutex> guard{mtx};
                         bodies.push_back(req->body());
                         if (next < statuses.size())
                           status = statuses[next++];
                       }
                       auto res = std::make_shared<
                         http::response<http::string_body>>(
                         static_cast<http::status>(status), 11);
                       res->body() = "{}";
                       res->keep_alive(false);
                       res->prepare_payload();
                       http::async_write(*stream, *res,
                                         [stream, res](beast::error_code,
                                                       size_t) {
                                           beast::error_code ignored;
                                           stream->socket().shutdown(
                                             tcp::socket::shutdown_both,
                                             ignored);
                                         });
                     });
  }
};

callback_server::callback_server(std::vector<int> statuses)
  : impl_(std::make_unique<impl>()) {
  impl_->statuses = std::move(statuses);
  impl_->accept();
  impl_->thread = std::thread{[this] { impl_->io.run(); }};
}

callback_server::~callback_server() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string callback_server::url(const std::string& path) const {
  return "http://127.0.0.1:"
         + std::to_string(impl_->acceptor.local_endpoint().port()) + path;
}

std::vector<std::string> callback_server::bodies() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->bodies;
}

} // namespace tether::test
