#include "net/acceptor.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "actors/system/log.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace tether::net {

tcp_listener::tcp_listener(asio::io_context& io, std::string what,
                           std::string log_module)
    : io_(io), what_(std::move(what)), log_module_(std::move(log_module)),
      acceptor_(asio::make_strand(io)), retry_(acceptor_.get_executor()) {}

bool tcp_listener::open(const config::endpoint& at, std::string& error) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(at.host, ec);
  if (ec) {
    error = "invalid " + what_ + " listen address " + at.host;
    return false;
  }
  tcp::endpoint ep{address, at.port};
  acceptor_.open(ep.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(ep, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen for " + what_ + " on " + at.to_string() + ": "
          + ec.message();
    return false;
  }
  port_ = acceptor_.local_endpoint().port();
  return true;
}

void tcp_listener::start(handler on_socket) {
  on_socket_ = std::move(on_socket);
  asio::dispatch(acceptor_.get_executor(),
                 [self = shared_from_this()] { self->accept(); });
}

void tcp_listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
}

void tcp_listener::accept() {
  acceptor_.async_accept(asio::make_strand(io_),
                         [self = shared_from_this()](
                           boost::system::error_code ec, strand_socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void tcp_listener::on_accept(boost::system::error_code ec,
                             strand_socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open())
    return;
  if (ec) {
    logger(log_module_)->warn("accept failed: {}", ec.message());
    retry_.expires_after(std::chrono::milliseconds{100});
    retry_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (!e)
        self->accept();
    });
    return;
  }
  on_socket_(std::move(socket));
  accept();
}

} // namespace tether::net
