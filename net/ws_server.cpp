#include "net/ws_server.hpp"

#include <atomic>
#include <list>
#include <optional>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/send.hpp>

#include "actors/policy/api.hpp"
#include "actors/system/audit.hpp"
#include "actors/system/close_codes.hpp"
#include "actors/system/log.hpp"
#include "net/burst_trim.hpp"
#include "net/connect_query.hpp"
#include "net/exact_allocator.hpp"
#include "net/frame_gated_stream.hpp"
#include "net/full_refusal.hpp"
#include "net/limits/flap_ban.hpp"
#include "net/limits/retry_after.hpp"
#include "net/limits/source_buckets.hpp"
#include "net/listener.hpp"
#include "net/rest_queue.hpp"
#include "net/resting_websocket.hpp"
#include "net/source_address.hpp"
#include "net/tls/edge_stream.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace tether::net {

namespace {

std::atomic<uint64_t> next_conn_id{1};

/// A balancer connection's socket and (while busy) Beast's stream over it.
/// No permessage-deflate (never negotiated here): its state is left out.
using connection_ws = resting_websocket<tls::socket_edge_stream>;

/// Bytes a read asks for between messages (see ws_session::do_read).
constexpr size_t idle_read_size = 128;

/// The signing key a token names (empty when it names none).
std::string token_kid(std::string_view token) {
  auto claims = auth::peek_token(token);
  return claims ? claims->kid : std::string{};
}

/// The source IP of a connected socket ("" if it cannot be read).
std::string peer_address(const strand_socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec)
    return {};
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6())
      .to_string();
  return a.to_string();
}

/// The limits one listener shares with its connections (thread-safe).
struct ws_limits {
  explicit ws_limits(const ws_settings& s)
      : per_source(s.accept_rate, s.accept_burst),
        total(s.total_accept_rate, s.total_accept_burst, 1),
        flaps(std::make_shared<flap_ban>(s.flap_limit, s.flap_ban)) {}

  source_buckets per_source;
  source_buckets total;            // every source together: one bucket
  std::shared_ptr<flap_ban> flaps; // shared with the balancer
  live_count pending; // accepted sockets not yet upgraded (nor refused)
};

class ws_session;

/// What a listener shares with its connections: the settings, the streams
/// held (net/resting_websocket.hpp) and the queue of quiet connections.
struct ws_common {
  explicit ws_common(ws_settings s) : settings(std::move(s)) {}
  const ws_settings settings;
  live_count streams;           // Beast streams held (busy connections)
  rest_queue<ws_session> quiet; // swept every settings.stream_rest
};

/// One device connection. Also the balancer's ws_link to it.
class ws_session : public ws_link,
                   public std::enable_shared_from_this<ws_session> {
public:
  /// `busy`: answer the upgrade request 503 with a Retry-After of about
  /// that long (a limit was reached at accept); zero: go on.
  ws_session(strand_socket&& socket, std::string address,
             cluster_balancer_actor balancer, std::shared_ptr<ws_common> common,
             std::shared_ptr<ws_limits> limits, live_count::token token,
             std::chrono::milliseconds busy)
      : token_(std::move(token)),
        hs_(std::make_unique<handshake_state>(std::move(limits), busy,
                                              socket.get_executor())),
        address_(address), ws_(std::move(socket), common->settings.tls.get()),
        balancer_(std::move(balancer)), common_(std::move(common)),
        conn_(next_conn_id++) {}

  void run() {
    asio::dispatch(ws_.io().get_executor(),
                   [self = shared_from_this()] { self->do_handshake(); });
  }

  // -- ws_link (any thread) ---------------------------------------------------

  std::string remote_address() const override { return address_.str(); }

  void admitted(uint16_t status, std::string body) override {
    asio::post(ws_.io().get_executor(), [self = shared_from_this(), status,
                                         body = std::move(body)]() mutable {
      if (status == 0)
        self->do_accept();
      else
        self->do_refuse(static_cast<http::status>(status), std::move(body));
    });
  }

  void send_text(std::string text) override {
    asio::post(ws_.io().get_executor(),
               [self = shared_from_this(), text = std::move(text)]() mutable {
                 self->do_send(std::move(text));
               });
  }

  void close(uint16_t code, std::string reason) override {
    asio::post(ws_.io().get_executor(), [self = shared_from_this(), code,
                                         reason = std::move(reason)]() mutable {
      self->do_close(code, std::move(reason));
    });
  }

  /// A sweep of the quiet queue asks whether the connection rests
  /// (net/rest_queue.hpp; any thread).
  void sweep() {
    asio::post(ws_.io().get_executor(),
               [self = shared_from_this()] { self->on_sweep(); });
  }

private:
  // -- upgrade ----------------------------------------------------------------

  /// TLS (if on), then the upgrade request, both by the handshake
  /// timeout; until then the connection counts as pending.
  void do_handshake() {
    arm_handshake_deadline();
    ws_.io().next_layer().async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](beast::error_code ec) {
        if (ec) { // not TLS, or stalled: closed without an answer
          self->close_socket();
          return;
        }
        self->do_read_upgrade();
      });
  }

  /// The socket has no deadlines of its own (no tcp_stream): this timer
  /// closes it when the handshake timeout passes first, which ends the
  /// pending TLS handshake, upgrade read or refusal write. It holds the
  /// session weakly: a session that ends meanwhile takes the timer along.
  void arm_handshake_deadline() {
    auto& timer = hs_->deadline;
    timer.expires_after(settings().handshake_timeout);
    timer.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec)
        self->close_socket();
    });
  }

  const ws_settings& settings() const { return common_->settings; }

  beast::flat_buffer& read_buffer() {
    if (!buffer_)
      buffer_ = std::make_unique<beast::flat_buffer>();
    return *buffer_;
  }

  void close_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_.io()).close(ignored);
  }

  void do_read_upgrade() {
    hs_->parser.header_limit(static_cast<uint32_t>(settings().header_limit));
    hs_->parser.body_limit(0);
    http::async_read(ws_.io(), read_buffer(), hs_->parser,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read_upgrade(ec);
                     });
  }

  void on_read_upgrade(beast::error_code ec) {
    if (ec == http::error::end_of_stream
        || ec == asio::error::operation_aborted // the handshake deadline
        || ec == asio::error::bad_descriptor || ec == beast::error::timeout
        || ec == asio::error::connection_reset
        || ec.category() == asio::error::get_ssl_category()
        || ec == asio::ssl::error::stream_truncated)
      return;
    if (ec)
      return do_refuse_error(errc::bad_request,
                             "malformed HTTP request: " + ec.message());
    if (hs_->busy.count() > 0)
      return do_refuse_error(errc::unavailable,
                             "too many connections; retry later",
                             jittered_seconds(hs_->busy));
    auto& req = hs_->parser.get();
    auto target = std::string_view{req.target()};
    auto path = target.substr(0, target.find('?'));
    if (path != settings().path)
      return do_refuse_error(errc::not_found,
                             "no such endpoint; devices connect to "
                               + settings().path);
    if (!websocket::is_upgrade(req)) {
      auto body = api::error_response(errc::bad_request,
                                      "this endpoint only accepts WebSocket "
                                      "upgrades")
                    .body;
      return do_refuse(http::status::upgrade_required, std::move(body));
    }
    auto query = parse_connect_query(target); // once for both parameters
    auto& terminal = hs_->terminal_id;
    terminal = std::move(query.terminal_id);
    if (!api::valid_id(terminal))
      return do_refuse_error(errc::bad_request,
                             "query parameter \"terminal_id\" is missing or "
                             "not 1-128 characters from [A-Za-z0-9._:-]");
    // The token first: only a device that proves its identity counts
    // towards its id's flapping ban (or anyone could get a device banned).
    if (!token_valid(req, std::move(query.token)) || flapping())
      return;
    hs_->deadline.cancel(); // the balancer answers; the upgrade has its own
    caf::anon_send(balancer_, admit_atom::value, conn_, terminal,
                   ws_link_ptr{shared_from_this()});
    hs_->limits.reset(); // its limits are passed
  }

  /// The flapping ban: this id connected too often; answered 429.
  bool flapping() {
    const auto& terminal = hs_->terminal_id;
    auto verdict = hs_->limits->flaps->connect(terminal);
    if (verdict.retry_after.count() == 0)
      return false;
    if (verdict.banned_now) {
      logger("balancer")
        ->warn("terminal {} banned for {} s: more than {} connects a minute "
               "(last from {})",
               terminal, settings().flap_ban.count() / 1000,
               settings().flap_limit, address_.str());
      audit("terminal.banned",
            {{"terminal_id", terminal},
             {"source", address_.str()},
             {"seconds", std::to_string(settings().flap_ban.count() / 1000)}});
    }
    do_refuse_error(errc::too_many_requests,
                    "terminal \"" + terminal
                      + "\" connects too often; retry later",
                    jittered_seconds(verdict.retry_after));
    return true;
  }

  /// Whether the request carries a valid connect token for the terminal
  /// and this cluster (or none is needed); false after refusing with 401.
  /// Only then is the balancer asked, so that without a valid token the
  /// connected device is not disturbed. `token`: the query's `token`
  /// parameter (empty: none); an `Authorization: Bearer` header wins.
  bool token_valid(const http::request<http::empty_body>& req,
                   std::string token) {
    if (!settings().tokens)
      return true;
    const auto& terminal = hs_->terminal_id;
    auto authz = std::string_view{req[http::field::authorization]};
    if (authz.substr(0, 7) == "Bearer ")
      token = std::string{authz.substr(7)};
    auto why = settings().tokens->verify(
      token, terminal, settings().cluster_id,
      std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count());
    if (why.empty()) {
      hs_->token = std::move(token); // forgotten once upgraded (on_accept)
      return true;
    }
    logger("balancer")
      ->info("connect of {} from {} refused: {}", terminal, address_.str(),
             why);
    audit("auth.token_refused", {{"terminal_id", terminal},
                                 {"source", address_.str()},
                                 {"key_id", token_kid(token)},
                                 {"reason", why}});
    do_refuse_error(errc::unauthorized, why);
    return false;
  }

  void do_refuse_error(errc code, std::string message,
                       int64_t retry_after_s = 0) {
    do_refuse(static_cast<http::status>(http_status(code)),
              api::error_response(code, message).body, retry_after_s);
  }

  void do_refuse(http::status status, std::string body,
                 int64_t retry_after_s = 0) {
    hs_->pending = live_count::token{}; // answered: no longer pending
    auto msg = std::make_shared<http::response<http::string_body>>(status, 11);
    msg->set(http::field::server, "tetherd");
    msg->set(http::field::content_type, "application/json");
    if (retry_after_s > 0)
      msg->set(http::field::retry_after, std::to_string(retry_after_s));
    else if (status == http::status::service_unavailable)
      msg->set(http::field::retry_after, "2");
    msg->keep_alive(false);
    msg->body() = std::move(body);
    msg->prepare_payload();
    arm_handshake_deadline();
    http::async_write(
      ws_.io(), *msg,
      [self = shared_from_this(), msg](beast::error_code, size_t) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_.io())
          .shutdown(tcp::socket::shutdown_send, ignored);
      });
  }

  /// What each Beast stream of the connection is given (the upgrade's
  /// and those made after rests).
  connection_ws::options stream_options() const {
    return {.read_message_max = settings().max_frame,
            .close_timeout = settings().handshake_timeout,
            .held = common_->streams};
  }

  void do_accept() {
    auto& ws = ws_.for_upgrade(stream_options());
    ws_.io().gate_frames(); // the accept only writes: frames next
    ws.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "tetherd");
      }));
    ws.async_accept(hs_->parser.get(),
                    [self = shared_from_this()](beast::error_code ec) {
                      self->on_accept(ec);
                    });
  }

  /// The open Beast stream, made again if the connection rested; null
  /// (the socket closed) if that failed, which only a bug in it can do.
  connection_ws::stream_type* stream() {
    if (auto* held = ws_.held())
      return held;
    bool ok = false;
    auto& ws = ws_.open(stream_options(), ok);
    if (ok)
      return &ws;
    logger("balancer")
      ->error("connection {}: Beast refused to open its "
              "stream again after a rest; closed",
              conn_);
    ws_.rest();
    close_socket();
    return nullptr;
  }

  // -- rests (net/resting_websocket.hpp, net/rest_queue.hpp) ----------------

  /// Holding a stream with nothing pending, between messages.
  bool quiet() const {
    return open_ && !reading_ && !writing_ && !closing_ && !close_sent_
        && !notified_ && queue_.empty() && !ws_.resting()
        && ws_.between_messages();
  }

  /// After each read or write that leaves the connection quiet.
  void went_quiet() {
    if (quiet() && rests_.quiet())
      common_->quiet.add(weak_from_this());
  }

  void on_sweep() {
    switch (rests_.at_sweep(quiet())) {
    case rest_marks::verdict::rest:
      return ws_.rest();
    case rest_marks::verdict::requeue:
      return common_->quiet.add(weak_from_this());
    case rest_marks::verdict::keep:
      return;
    }
  }

  void on_accept(beast::error_code ec) {
    if (!ec && settings().tokens) // its connect went through (connect_token)
      settings().tokens->connected(hs_->token);
    hs_.reset();     // upgraded (or gone): no longer pending
    buffer_.reset(); // the upgrade request's room
    if (ec) {
      caf::anon_send(balancer_, closed_atom::value, conn_);
      return;
    }
    open_ = true;
    caf::anon_send(balancer_, open_atom::value, conn_);
    do_read();
  }

  // -- frames -----------------------------------------------------------------

  /// Between messages, with no input off the socket yet (frame_gated_stream:
  /// Beast's buffer is empty then), the connection waits for readability
  /// and starts Beast's read only when bytes arrive: an idle connection
  /// keeps a socket wait pending, not Beast's read (docs/BENCHMARKS.md).
  void do_read() {
    if (ws_.between_messages() && !ws_.io().holds_input())
      return wait_readable();
    read_frames();
  }

  void wait_readable() {
    went_quiet();
    beast::get_lowest_layer(ws_.io()).async_wait(
      tcp::socket::wait_read,
      asio::bind_allocator(exact_allocator<void>{},
                           [self = shared_from_this()](beast::error_code ec) {
                             if (ec)
                               return self->notify_closed();
                             self->read_frames();
                           }));
  }

  /// Beast prepares the read buffer before it waits: between messages a
  /// read asks for only `idle_read_size` bytes, then for the rest of the
  /// message.
  void read_frames() {
    auto* ws = stream();
    if (ws == nullptr)
      return notify_closed();
    reading_ = true;
    auto limit = ws->is_message_done() ? idle_read_size : 0;
    ws->async_read_some(read_buffer(), limit,
                        asio::bind_allocator(exact_allocator<void>{},
                                             [self = shared_from_this()](
                                               beast::error_code ec, size_t) {
                                               self->on_read(ec);
                                             }));
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (ec) {
      if (ec == websocket::error::message_too_big)
        do_close(1009, "frame larger than "
                         + std::to_string(settings().max_frame) + " bytes");
      return notify_closed();
    }
    if (!ws_.between_messages())
      return do_read();
    // The read just ended on the held stream (rests run on this strand).
    if (!ws_.held()->got_text()) {
      buffer_.reset();
      do_close(1003, "binary frames are not supported");
      return notify_closed();
    }
    std::string text = beast::buffers_to_string(buffer_->data());
    buffer_.reset(); // idle connections keep no read buffer
    caf::anon_send(balancer_, frame_atom::value, conn_, std::move(text));
    do_read();
  }

  /// A close must finish within the handshake timeout even when the peer
  /// neither reads (a write stuck on a zero TCP window) nor answers: then
  /// the socket is shut, which ends every pending operation.
  void arm_close_deadline() {
    if (closing_state_)
      return;
    closing_state_ = std::make_unique<closing_state>(ws_.io().get_executor());
    auto& timer = closing_state_->deadline;
    timer.expires_after(settings().handshake_timeout);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->close_socket();
    });
  }

  void notify_closed() {
    if (closing_state_)
      closing_state_->deadline.cancel();
    if (notified_)
      return;
    notified_ = true;
    caf::anon_send(balancer_, closed_atom::value, conn_);
  }

  void do_send(std::string text) {
    if (!open_ || closing_)
      return;
    if (queue_.size() >= settings().max_queue) {
      // The device does not read: drop it rather than buffer forever. The
      // front frame may be in flight (Beast writes from our buffer), so it
      // stays until its write completes.
      queue_.resize(writing_ ? 1 : 0);
      return do_close(close_code::policy,
                      "too many unsent frames: the device is not reading");
    }
    queue_.push_back(std::move(text));
    if (!writing_)
      do_write();
  }

  void do_write() {
    auto* ws = stream();
    if (ws == nullptr) {
      queue_.clear();
      return;
    }
    writing_ = true;
    ws->text(true);
    ws->async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      // The stream failed: the socket goes too (the pending wait or read
      // then reports the end), so that no rest brings back an open stream
      // over a connection that lost part of a frame.
      queue_.clear();
      close_socket();
      return;
    }
    queue_.pop_front();
    if (closing_ && closing_state_ && closing_state_->pending) {
      auto [code, reason] = std::move(*closing_state_->pending);
      closing_state_->pending.reset();
      closing_ = false;
      return do_close(code, std::move(reason));
    }
    if (!queue_.empty())
      return do_write();
    went_quiet();
  }

  void do_close(uint16_t code, std::string reason) {
    if (!open_ || close_sent_)
      return;
    arm_close_deadline();
    if (writing_) {
      // Let the frame in flight finish, then close.
      closing_ = true;
      closing_state_->pending.emplace(code, std::move(reason));
      return;
    }
    closing_ = true;
    close_sent_ = true;
    queue_.clear(); // nothing is in flight here
    if (reason.size() > 120)
      reason.resize(120); // a close reason must fit in a control frame
    websocket::close_reason cr{static_cast<websocket::close_code>(code),
                               reason};
    auto* ws = stream();
    if (ws == nullptr)
      return;
    ws->async_close(cr, [self = shared_from_this()](beast::error_code) {
      // The read loop sees the close and reports it.
    });
  }

  /// What only the TLS handshake and the upgrade need: freed once upgraded
  /// (an idle connection holds none of it; docs/BENCHMARKS.md).
  struct handshake_state {
    handshake_state(std::shared_ptr<ws_limits> l, std::chrono::milliseconds b,
                    const strand_socket::executor_type& ex)
        : pending(l->pending.track()), limits(std::move(l)), busy(b),
          deadline(ex) {}
    live_count::token pending; // counted as pending until upgraded/refused
    std::shared_ptr<ws_limits> limits; // until the balancer is asked
    std::chrono::milliseconds busy;    // > 0: answer 503 (a limit was reached)
    std::string terminal_id;           // of the upgrade request
    std::string token; // the connect token, once it was found valid
    http::request_parser<http::empty_body> parser;
    asio::steady_timer deadline; // the handshake timeout (no tcp_stream)
  };

  live_count::token token_; // counts this object in the listener's gauge
  std::unique_ptr<handshake_state> hs_; // until upgraded
  source_address address_; // the device's source IP, read at accept
  // The socket, and Beast's stream only while busy.
  connection_ws ws_;
  cluster_balancer_actor balancer_;
  std::shared_ptr<ws_common> common_;
  uint64_t conn_;
  /// The read buffer, only while a request or message is being read.
  std::unique_ptr<beast::flat_buffer> buffer_;
  std::list<std::string> queue_; // a list: nothing allocated while empty
  /// Only while closing (allocated then): the close's deadline, and a
  /// close waiting for the frame in flight.
  struct closing_state {
    explicit closing_state(const strand_socket::executor_type& ex)
        : deadline(ex) {}
    asio::steady_timer deadline;
    std::optional<std::pair<uint16_t, std::string>> pending;
  };
  std::unique_ptr<closing_state> closing_state_;
  bool open_ = false;
  bool reading_ = false; // a read of Beast's stream is pending
  rest_marks rests_;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool notified_ = false;
};

class ws_listener : public listener<ws_listener, ws_server> {
public:
  ws_listener(asio::io_context& io, ws_settings settings)
      : listener(io, "WebSocket", "balancer"),
        common_(std::make_shared<ws_common>(std::move(settings))),
        limits_(std::make_shared<ws_limits>(common_->settings)),
        trim_(common_->settings.trim_after_connects,
              common_->settings.trim_quiet),
        trim_timer_(asio::make_strand(io)),
        sweep_timer_(asio::make_strand(io)) {}

  live_count connections() const override { return connections_; }

  live_count streams() const override { return common_->streams; }

  void start(cluster_balancer_actor balancer) override {
    balancer_ = std::move(balancer);
    accept();
    asio::dispatch(sweep_timer_.get_executor(),
                   [self = shared_from_this()] { self->arm_sweep(); });
  }

  void stop() override {
    listener::stop();
    asio::dispatch(sweep_timer_.get_executor(), [self = shared_from_this()] {
      self->sweeping_ = false;
      self->sweep_timer_.cancel();
    });
  }

  size_t trims() const override { return trim_.trims(); }

  std::shared_ptr<flap_ban> flaps() const override { return limits_->flaps; }

private:
  friend listener;

  const ws_settings& settings() const { return common_->settings; }

  /// Over the cap a socket gets a fixed 503 written at once (full_refusal).
  bool full() const {
    return static_cast<size_t>(limits_->pending.value())
        >= settings().max_pending;
  }

  void refuse_full(strand_socket& socket) {
    refuse_over_pending_cap(socket, settings().tls != nullptr);
  }

  void on_socket(strand_socket socket) {
    auto address = peer_address(socket);
    auto busy = busy_for(address);
    if (settings().trim_after_connects > 0
        && trim_.on_connect(burst_trim::clock::now()))
      arm_trim(trim_.quiet());
    std::make_shared<ws_session>(std::move(socket), std::move(address),
                                 balancer_, common_, limits_,
                                 connections_.track(), busy)
      ->run();
  }

  /// Every stream_rest, the quiet connections are asked whether they
  /// rest (net/rest_queue.hpp). On the sweep timer's strand.
  void arm_sweep() {
    if (!sweeping_)
      return;
    sweep_timer_.expires_after(settings().stream_rest);
    sweep_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self || ec)
        return;
      for (auto& c : self->common_->quiet.take())
        if (auto conn = c.lock())
          conn->sweep();
      self->arm_sweep();
    });
  }

  /// Zero when a new connection from `address` may go on; else about how
  /// long it should wait (it is answered 503): the connection cap, its
  /// source address's accept bucket, or the listener's total accept rate
  /// (after the source's, so one flooding source does not use it up).
  std::chrono::milliseconds busy_for(const std::string& address) {
    if (static_cast<size_t>(connections_.value()) >= settings().max_connections)
      return settings().retry_after;
    if (auto wait = limits_->per_source.take(address); wait.count() > 0)
      return wait;
    return limits_->total.take({});
  }

  /// Checks in `after` whether the connect burst is over (burst_trim).
  void arm_trim(burst_trim::clock::duration after) {
    asio::dispatch(trim_timer_.get_executor(),
                   [weak = weak_from_this(), after] {
                     auto self = weak.lock();
                     if (!self)
                       return;
                     self->trim_timer_.expires_after(after);
                     self->trim_timer_.async_wait([weak](beast::error_code ec) {
                       if (auto self = weak.lock(); self && !ec)
                         self->on_trim_check();
                     });
                   });
  }

  void on_trim_check() {
    auto check = trim_.on_check(burst_trim::clock::now());
    if (check.again.count() > 0)
      return arm_trim(check.again);
    if (check.trim) {
      bool released = burst_trim::trim();
      logger("balancer")
        ->debug("connect burst over: free heap {}given back (malloc_trim)",
                released ? "" : "not ");
    }
  }

  std::shared_ptr<ws_common> common_; // shared with the sessions
  std::shared_ptr<ws_limits> limits_; // shared with the sessions
  cluster_balancer_actor balancer_;
  burst_trim trim_;
  asio::steady_timer trim_timer_;  // on its own strand
  asio::steady_timer sweep_timer_; // on its own strand
  bool sweeping_ = true;           // until stopped
};

} // namespace

std::shared_ptr<ws_server> ws_server::bind(asio::io_context& io,
                                           const config::endpoint& at,
                                           ws_settings settings,
                                           std::string& error) {
  auto listener = std::make_shared<ws_listener>(io, std::move(settings));
  if (!listener->open(at, error))
    return nullptr;
  return listener;
}

} // namespace tether::net
