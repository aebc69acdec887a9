// tether-print-service: the short names of Asio and Beast that its two
// Beast files (http_client.cpp, http_server.cpp) use, and the headers they
// both need. Included by those two only, so the rest compiles quickly.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tether::print {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

} // namespace tether::print
