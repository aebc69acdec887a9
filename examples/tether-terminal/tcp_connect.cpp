#include "tether-terminal/tcp_connect.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <netinet/in.h>

#include <memory>

namespace tether::terminal {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

void connect_endpoint(beast::tcp_stream& stream, const tcp::endpoint& ep,
                      const std::optional<net::ip::address>& source,
                      connect_handler done) {
  if (source && source->is_v4() == ep.address().is_v4()) {
    auto& sock = stream.socket();
    beast::error_code ec;
    sock.open(ep.protocol(), ec);
#ifdef IP_BIND_ADDRESS_NO_PORT
    if (!ec) {
      beast::error_code
        ignored; // an old kernel without it only loses port sharing
      sock.set_option(
        net::detail::socket_option::boolean<IPPROTO_IP,
                                            IP_BIND_ADDRESS_NO_PORT>(true),
        ignored);
    }
#endif
    if (!ec)
      sock.bind(tcp::endpoint(*source, 0), ec);
    if (ec) {
      beast::error_code ignored;
      sock.close(ignored);
      net::post(stream.get_executor(),
                [done = std::move(done), ec] { done(ec); });
      return;
    }
  }
  stream.async_connect(
    ep, [&stream, done = std::move(done)](beast::error_code ec) {
      // TLS writes several small records in a row: no Nagle delay between.
      beast::error_code ignored;
      if (!ec)
        stream.socket().set_option(tcp::no_delay(true), ignored);
      done(ec);
    });
}

} // namespace

void async_connect_from(beast::tcp_stream& stream, const std::string& host,
                        std::uint16_t port,
                        std::optional<net::ip::address> source,
                        connect_handler done) {
  beast::error_code ec;
  auto literal = net::ip::make_address(host, ec);
  if (!ec) { // the common case (cluster URLs carry addresses): no resolver, no
             // thread hop
    connect_endpoint(stream, tcp::endpoint(literal, port), source,
                     std::move(done));
    return;
  }
  auto resolver = std::make_shared<tcp::resolver>(stream.get_executor());
  resolver->async_resolve(
    host, std::to_string(port),
    [resolver, &stream, source, done = std::move(done)](
      beast::error_code ec,
      const tcp::resolver::results_type& results) mutable {
      if (ec)
        return done(ec);
      if (results.empty())
        return done(net::error::host_not_found);
      // Prefer an endpoint of the source address's family, so the bind can
      // apply.
      auto chosen = results.begin()->endpoint();
      if (source)
        for (const auto& entry : results)
          if (entry.endpoint().address().is_v4() == source->is_v4()) {
            chosen = entry.endpoint();
            break;
          }
      connect_endpoint(stream, chosen, source, std::move(done));
    });
}

} // namespace tether::terminal
