// asio_fwd: forward declarations of the Asio types the servers' headers
// name (net/http_server.hpp, net/ws_server.hpp), so that their includers do
// not pay for Asio's headers.
#pragma once

namespace boost::asio {
class io_context;
namespace ssl {
class context;
} // namespace ssl
} // namespace boost::asio
