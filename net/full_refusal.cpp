#include "net/full_refusal.hpp"

#include "actors/policy/api.hpp"

#include <array>

namespace tether::net {

std::string full_refusal_text(int64_t retry_after_s) {
  auto body
    = api::error_response(errc::unavailable,
                          "too many WebSocket handshakes in progress here "
                          "for their pace ([limits] ws_max_pending, "
                          "ws_max_wait); retry after the time in "
                          "Retry-After")
        .body;
  std::string out = "HTTP/1.1 503 Service Unavailable\r\n"
                    "Server: tetherd\r\n"
                    "Content-Type: application/json\r\n"
                    "Retry-After: ";
  out += std::to_string(retry_after_s);
  out += "\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

void refuse_over_pending_cap(strand_socket& socket, bool tls,
                             int64_t retry_after_s) {
  boost::system::error_code ec;
  if (!tls) {
    socket.non_blocking(true, ec);
    // What the client sent so far is read (closing on unread bytes would
    // reset the connection before the answer arrives), at most 16 KiB: a
    // client that keeps sending does not hold the I/O thread here.
    std::array<char, 2048> sink;
    for (int i = 0;
         i < 8 && !ec && socket.read_some(boost::asio::buffer(sink), ec) > 0;
         ++i)
      ;
    auto text = full_refusal_text(retry_after_s);
    socket.write_some(boost::asio::buffer(text), ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }
  socket.close(ec);
}

} // namespace tether::net
