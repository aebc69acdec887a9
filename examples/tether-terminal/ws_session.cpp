#include "tether-terminal/ws_session.hpp"

#include "tether-terminal/failover.hpp"
#include "tether-terminal/tcp_connect.hpp"
#include "tether-terminal/tls_stream.hpp"
#include "tether-terminal/url.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <vector>

namespace tether::terminal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

std::atomic<std::int64_t> g_alive{0};

// A flat_buffer keeps its capacity after consume(); one large frame would
// otherwise pin its size for the life of an idle connection. Above this, the
// buffer is shrunk again.
constexpr std::size_t idle_buffer_capacity = 4096;
constexpr std::size_t write_buffer_bytes = 1024;

class ws_session final : public ws_connection,
                         public std::enable_shared_from_this<ws_session> {
public:
  ws_session(net::any_io_executor ex, ws_params params,
             std::shared_ptr<ws_events> owner,
             std::atomic<std::int64_t>& open_gauge)
      : ws_(ex), params_(std::move(params)), owner_(std::move(owner)),
        open_gauge_(open_gauge), buffer_(params_.read_message_max + 1024) {
    g_alive.fetch_add(1, std::memory_order_relaxed);
  }
  ~ws_session() override { g_alive.fetch_sub(1, std::memory_order_relaxed); }

  void start() {
    std::string error;
    auto url = parse_url(params_.url, {"ws", "wss"}, error);
    if (!url) {
      // Report asynchronously, as every other outcome.
      net::post(ws_.get_executor(), [self = shared_from_this(), error] {
        self->fail("url " + error);
      });
      return;
    }
    host_header_ = std::move(url->host_header);
    target_ = std::move(url->target);
    if (url->scheme == "wss")
      use_tls(ws_.next_layer(), url->host);
    beast::get_lowest_layer(ws_).expires_after(params_.connect_timeout);
    async_connect_from(beast::get_lowest_layer(ws_), url->host, url->port,
                       params_.source,
                       [self = shared_from_this()](beast::error_code ec) {
                         self->on_connect(ec);
                       });
  }

  bool send(std::string text) override {
    if (state_ != state::open)
      return false;
    if (queue_.size() >= params_.send_queue_max) {
      // The server is not reading: drop the connection rather than buffer
      // without bound.
      abort_transport();
      return false;
    }
    queue_.push_back(std::move(text));
    if (!writing_)
      do_write();
    return true;
  }

  void close() override {
    switch (state_) {
    case state::connecting:
      state_ = state::closing;
      abort_transport(); // the pending connect / upgrade fails, fail() reports
                         // it
      break;
    case state::open:
      state_ = state::closing;
      // Frames not yet started are dropped; the one being written finishes
      // first, because a close frame may not interleave with a data frame's
      // bytes.
      if (queue_.size() > 1)
        queue_.resize(1);
      if (!writing_)
        do_close();
      break;
    case state::closing:
    case state::ended:
      break;
    }
  }

  void detach() override { owner_.reset(); }
  bool is_open() const override { return state_ == state::open; }

private:
  enum class state { connecting, open, closing, ended };

  void on_connect(beast::error_code ec) {
    if (ec)
      return fail("connect: " + ec.message(), ec);
    if (state_ != state::connecting)
      return fail("connect: aborted");
    // TLS (wss://) under the connect deadline, then the upgrade.
    ws_.next_layer().async_handshake(
      net::ssl::stream_base::client,
      [self = shared_from_this()](beast::error_code ec) { self->on_tls(ec); });
  }

  void on_tls(beast::error_code ec) {
    if (ec)
      return fail("tls: " + ec.message(), ec);
    if (state_ != state::connecting)
      return fail("connect: aborted");

    // From here on, the WebSocket layer's own timeouts apply instead of the TCP
    // stream's.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout
      = params_.connect_timeout;                  // upgrade and close handshake
    timeouts.idle_timeout = params_.idle_timeout; // server pings reset it
    timeouts.keep_alive_pings
      = false; // liveness is the server's application ping
    ws_.set_option(timeouts);
    ws_.set_option(
      websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(http::field::user_agent, "tether-terminal/0.1");
      }));
    ws_.read_message_max(params_.read_message_max);
    // A client masks every frame through this buffer. Device frames are small,
    // so 1 KiB (not the default 4 KiB) saves memory per connection; with
    // auto_fragment off a larger frame is still sent as one frame, masked in 1
    // KiB pieces.
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(write_buffer_bytes);

    response_ = std::make_unique<websocket::response_type>();
    ws_.async_handshake(
      *response_, host_header_, target_,
      beast::bind_front_handler(&ws_session::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      unsigned status = 0;
      if (ec == websocket::error::upgrade_declined && response_)
        status = response_->result_int();
      return fail(status ? "upgrade declined: HTTP " + std::to_string(status)
                         : "upgrade: " + ec.message(),
                  ec, status, status ? retry_after() : std::chrono::seconds{0});
    }
    response_.reset();
    target_.clear();
    target_.shrink_to_fit();
    // Open from here: counted, and ended only by end() (which uncounts it).
    open_gauge_.fetch_add(1, std::memory_order_relaxed);
    ws_.text(true);
    if (state_
        != state::connecting) { // close() came while upgrading: close politely
      do_read();
      do_close();
      return;
    }
    state_ = state::open;
    if (auto owner = owner_)
      owner->on_ws_open(*this);
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read,
                                                      shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return end(ec);
    if (state_ == state::open) {
      auto data = buffer_.cdata();
      std::string_view text(static_cast<const char*>(data.data()), data.size());
      if (auto owner = owner_)
        owner->on_ws_message(*this, text);
    }
    // Frames arriving while closing are read (to reach the server's close
    // frame) and dropped.
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > idle_buffer_capacity)
      buffer_.shrink_to_fit();
    if (state_ != state::ended)
      do_read();
  }

  void do_write() {
    writing_ = true;
    ws_.async_write(
      net::buffer(queue_.front()),
      beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
      // The pending read fails as well and reports the end; make sure it does.
      abort_transport();
      return;
    }
    queue_.erase(queue_.begin());
    if (state_ == state::closing) {
      queue_.clear();
      return do_close();
    }
    if (!queue_.empty() && state_ == state::open)
      do_write();
  }

  void do_close() {
    if (close_started_)
      return;
    close_started_ = true;
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code) {
                      // Nothing to do: the pending read completes with "closed"
                      // (or an error) and end() reports it.
                    });
  }

  // The read loop ended: the connection is over.
  void end(beast::error_code ec) {
    if (state_ == state::ended)
      return;
    state_ = state::ended;
    open_gauge_.fetch_sub(1, std::memory_order_relaxed);
    ws_ended info;
    info.error = ec.message();
    info.code = static_cast<std::uint16_t>(ws_.reason().code);
    info.reason
      = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
    queue_.clear();
    abort_transport();
    if (auto owner = std::move(owner_))
      owner->on_ws_closed(*this, info);
  }

  // The declined upgrade's Retry-After in whole seconds (0: none).
  std::chrono::seconds retry_after() const {
    auto it = response_->find(http::field::retry_after);
    return it == response_->end() ? std::chrono::seconds{0}
                                  : retry_after_seconds(it->value());
  }

  // Connecting or upgrading failed (or was aborted by close()).
  void fail(std::string error, beast::error_code ec = {},
            unsigned http_status = 0,
            std::chrono::seconds retry_after = std::chrono::seconds{0}) {
    if (state_ == state::ended)
      return;
    state_ = state::ended;
    response_.reset();
    abort_transport();
    if (auto owner = std::move(owner_))
      owner->on_ws_failed(*this,
                          {std::move(error), http_status, ec, retry_after});
  }

  // Closes the socket: every pending operation completes with an error.
  void abort_transport() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<tls_stream> ws_;
  ws_params params_;
  std::shared_ptr<ws_events> owner_;
  std::atomic<std::int64_t>& open_gauge_;
  beast::flat_buffer buffer_;
  std::string host_header_, target_;
  std::unique_ptr<websocket::response_type> response_; // only while upgrading
  std::vector<std::string> queue_; // front() is being written when writing_
  state state_ = state::connecting;
  bool writing_ = false;
  bool close_started_ = false;
};

} // namespace

std::shared_ptr<ws_connection>
start_ws_connection(net::any_io_executor ex, ws_params params,
                    std::shared_ptr<ws_events> owner,
                    std::atomic<std::int64_t>& open_gauge) {
  auto session = std::make_shared<ws_session>(std::move(ex), std::move(params),
                                              std::move(owner), open_gauge);
  session->start();
  return session;
}

std::int64_t ws_connections_alive() {
  return g_alive.load(std::memory_order_relaxed);
}

} // namespace tether::terminal
