// Asynchronous HTTP POST for job callbacks (Boost.Beast), on the process's
// io_context. One connection per post, a timeout on the whole exchange;
// success means a 2xx answer. Only http:// URLs for now.
#pragma once

#include <chrono>
#include <memory>

#include "actors/messages.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

http_poster_ptr make_http_poster(boost::asio::io_context& io,
                                 std::chrono::milliseconds timeout
                                 = std::chrono::seconds{5});

} // namespace tether::net
