// lean_stream: TLS over a beast::tcp_stream (or a bare socket: the
// balancer's connections, basic_lean_stream<socket>) with no buffer of its
// own.
//
// Asio's ssl::stream keeps, per connection and for its whole life, two
// 17 KiB buffers plus an OpenSSL BIO pair of 2 x 17 KiB between OpenSSL and
// the socket. Here OpenSSL reads and writes the socket itself through a
// small BIO (non-blocking recv/send on the descriptor), so the only buffers
// are OpenSSL's records, which SSL_MODE_RELEASE_BUFFERS frees while idle.
//
// Waiting goes through the stream below, so a tcp_stream's deadlines
// (expires_after) bound the handshake and every record, as with ssl::stream
// (over a bare socket the owner's timer closes the socket instead):
// - to wait for input, a one-byte async_read_some on the tcp_stream; the
//   byte is then handed to OpenSSL first (`stash_`);
// - to wait for output room, the bytes OpenSSL could not send (they stay in
//   its write buffer until sent, see ssl3_write_pending) are sent by an
//   async_write_some on the tcp_stream; when OpenSSL retries the same bytes
//   the BIO reports them written (`credit_`).
// One read, one write and one handshake or shutdown may be in flight at
// once (WebSocket reads and writes at the same time), all on one strand:
// each OpenSSL call is short and never concurrent; an operation that needs
// input or output room while another already waits for it joins that wait.
//
// Header-only, Boost and OpenSSL (the simulator uses it too).
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include <sys/socket.h>
#include <sys/types.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/assert.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tether::net::tls {

/// The socket under a stream: tcp_stream's, or the socket itself.
inline boost::asio::ip::tcp::socket&
socket_of(boost::beast::tcp_stream& s) noexcept {
  return s.socket();
}
template <class Executor>
boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>&
socket_of(boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>&
            s) noexcept {
  return s;
}

/// `Next`: the stream OpenSSL's bytes go through (tcp_stream or a socket).
template <class Next>
class basic_lean_stream {
public:
  using error_code = boost::system::error_code;
  using verify_callback
    = std::function<bool(bool, boost::asio::ssl::verify_context&)>;

  basic_lean_stream(Next& tcp, boost::asio::ssl::context& ctx)
      : tcp_(tcp), ssl_(SSL_new(ctx.native_handle())) {
    if (ssl_ == nullptr)
      return; // every operation then fails with `no_memory`
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE
                         | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                         | SSL_MODE_RELEASE_BUFFERS);
    SSL_set_app_data(ssl_, this);
    BIO* bio = BIO_new(bio_method());
    BIO_set_data(bio, this);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_, bio, bio);
  }
  // The BIO and the verify callback point at this object.
  basic_lean_stream(const basic_lean_stream&) = delete;
  basic_lean_stream& operator=(const basic_lean_stream&) = delete;
  ~basic_lean_stream() {
    if (ssl_ != nullptr)
      SSL_free(ssl_);
  }

  SSL* native_handle() noexcept { return ssl_; }
  /// Input already taken off the socket: a stashed byte, or bytes in
  /// OpenSSL's record buffer (SSL_has_pending: decrypted or not yet).
  /// A reader that waits for the socket's readability must not then.
  bool holds_input() const noexcept {
    return stashed_ || (ssl_ != nullptr && SSL_has_pending(ssl_) != 0);
  }
  Next& next_layer() noexcept { return tcp_; }

  /// As ssl::stream::set_verify_callback (e.g. host_name_verification).
  void set_verify_callback(verify_callback cb) {
    verify_ = std::move(cb);
    SSL_set_verify(ssl_, SSL_get_verify_mode(ssl_),
                   &basic_lean_stream::on_verify);
  }

  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type side,
                       Token&& token) {
    if (ssl_ != nullptr) {
      if (side == boost::asio::ssl::stream_base::server)
        SSL_set_accept_state(ssl_);
      else
        SSL_set_connect_state(ssl_);
    }
    return start<false>(
      token, [](SSL* ssl, size_t&) { return SSL_do_handshake(ssl); });
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    auto b = first_buffer<boost::asio::mutable_buffer>(buffers);
    return start<true, true>(
      token,
      [b](SSL* ssl, size_t& n) {
        return SSL_read_ex(ssl, b.data(), b.size(), &n);
      },
      b.size() == 0);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    auto b = first_buffer<boost::asio::const_buffer>(buffers);
    return start<true>(
      token,
      [b](SSL* ssl, size_t& n) {
        return SSL_write_ex(ssl, b.data(), b.size(), &n);
      },
      b.size() == 0);
  }

  /// Sends close_notify (once sent, done: the caller then closes TCP, as
  /// a WebSocket teardown does; the peer's close_notify is not awaited).
  template <class Token>
  auto async_shutdown(Token&& token) {
    return start<false>(token, [](SSL* ssl, size_t&) {
      int r = SSL_shutdown(ssl);
      return r == 0 ? 1 : r;
    });
  }

  /// Best effort without waiting: close_notify if the socket takes it.
  void shutdown(error_code& ec) {
    ec = {};
    if (ssl_ == nullptr || SSL_shutdown(ssl_) >= 0)
      return;
    ec = boost::asio::error::would_block;
  }

private:
  template <class Buffer, class Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      Buffer b(*it);
      if (b.size() != 0)
        return b;
    }
    return Buffer{};
  }

  /// One OpenSSL call retried until it is done: `call(ssl, n)` returns
  /// OpenSSL's result (> 0 done, with `n` bytes for reads and writes).
  template <class Call, bool Sized, bool Read>
  struct op {
    basic_lean_stream& s;
    Call call;
    bool empty = false; // no bytes asked for: done at once, as ssl::stream
    int state = 0; // 0: first entry, 1: waiting, 2: done, completion posted
    error_code ec_{};
    size_t n_ = 0;

    template <class Self>
    void operator()(Self& self, error_code ec = {}) {
      if (state == 2)
        return done(self, ec_, n_);
      if (state == 1 && ec)
        return finish(self, s.wait_error(ec), 0);
      bool first = state == 0;
      state = 1;
      if (empty)
        return post_finish(self, {}, 0);
      if (Read && first && s.idle_read())
        return s.wait_read(std::move(self));
      n_ = 0;
      ERR_clear_error();
      s.sys_errno_ = 0;
      int r = s.ssl_ == nullptr ? -1 : call(s.ssl_, n_);
      if (r > 0)
        return first ? post_finish(self, {}, n_) : finish(self, {}, n_);
      int err = s.ssl_ == nullptr ? SSL_ERROR_SSL : SSL_get_error(s.ssl_, r);
      if (err == SSL_ERROR_WANT_READ)
        return s.wait_read(std::move(self));
      if (err == SSL_ERROR_WANT_WRITE)
        return s.wait_write(std::move(self));
      auto failed = s.error_of(err);
      return first ? post_finish(self, failed, 0) : finish(self, failed, 0);
    }

    template <class Self>
    static void done(Self& self, error_code ec, size_t n) {
      if constexpr (Sized)
        self.complete(ec, n);
      else
        self.complete(ec);
    }

    template <class Self>
    void finish(Self& self, error_code ec, size_t n) {
      state = 2;
      done(self, ec, n);
    }

    /// Never completes inside the initiating call.
    template <class Self>
    void post_finish(Self& self, error_code ec, size_t n) {
      state = 2;
      ec_ = ec;
      n_ = n;
      boost::asio::post(s.tcp_.get_executor(), std::move(self));
    }
  };

  template <bool Sized, bool Read = false, class Token, class Call>
  auto start(Token& token, Call call, bool empty = false) {
    using signature
      = std::conditional_t<Sized, void(error_code, size_t), void(error_code)>;
    return boost::asio::async_compose<Token, signature>(
      op<Call, Sized, Read>{*this, std::move(call), empty}, token, tcp_);
  }

  /// Nothing to read yet: neither OpenSSL nor the stash holds input. A
  /// read then waits for input before calling SSL_read, which would
  /// otherwise allocate its 16 KiB record buffer and keep it while the
  /// connection is idle (it is released only once a record is consumed).
  bool idle_read() const {
    return ssl_ != nullptr && !stashed_ && SSL_has_pending(ssl_) == 0
        && SSL_is_init_finished(ssl_);
  }

  // -- waiting ---------------------------------------------------------------

  /// The operations waiting for one wait on the socket, owned by that
  /// wait's completion handler: if the I/O context goes away with the wait
  /// pending, they (and the handlers they hold, which may own this stream)
  /// go with it, as with any Asio operation.
  using waiters = std::array<std::function<void(error_code)>, 3>;

  /// At most three operations wait at once: a read, a write and a
  /// handshake or shutdown. Each resumes on its own executor.
  template <class Self>
  void add(waiters& w, Self&& self) {
    auto p = std::make_shared<std::decay_t<Self>>(std::move(self));
    for (auto& slot : w)
      if (!slot) {
        slot = [p, ex = tcp_.get_executor()](error_code ec) {
          auto to = boost::asio::get_associated_executor(*p, ex);
          boost::asio::dispatch(to, [p, ec] { (*p)(ec); });
        };
        return;
      }
    // A fourth operation at once is a caller's bug: it fails rather than
    // waiting forever.
    boost::asio::post(tcp_.get_executor(), [p] {
      (*p)(make_error_code(boost::asio::error::operation_not_supported));
    });
  }

  static void wake(waiters& w, error_code ec) {
    for (auto& f : w)
      if (f)
        std::exchange(f, nullptr)(ec);
  }

  /// Until input arrives, by the tcp_stream's read deadline.
  template <class Self>
  void wait_read(Self&& self) {
    if (read_wait_ != nullptr)
      return add(*read_wait_, std::move(self));
    auto w = std::make_unique<waiters>();
    add(*w, std::move(self));
    if (stashed_) // OpenSSL has not taken the byte yet: retry at once
      return boost::asio::post(tcp_.get_executor(),
                               [w = std::move(w)] { wake(*w, {}); });
    read_wait_ = w.get();
    tcp_.async_read_some(boost::asio::buffer(&stash_, 1),
                         [this, w = std::move(w)](error_code ec, size_t n) {
                           read_wait_ = nullptr;
                           if (!ec && n == 1)
                             stashed_ = true;
                           wake(*w, ec);
                         });
  }

  /// Until OpenSSL's unsent bytes are sent, by the write deadline.
  template <class Self>
  void wait_write(Self&& self) {
    if (write_wait_ != nullptr)
      return add(*write_wait_, std::move(self));
    auto w = std::make_unique<waiters>();
    add(*w, std::move(self));
    write_wait_ = w.get();
    auto done = [this, w = std::move(w)](error_code ec, size_t n) {
      write_wait_ = nullptr;
      if (!ec && n > 0) {
        credit_ = unsent_;
        credit_n_ = n;
      }
      unsent_ = nullptr;
      unsent_n_ = 0;
      wake(*w, ec);
    };
    if (unsent_n_ > 0)
      return tcp_.async_write_some(boost::asio::buffer(unsent_, unsent_n_),
                                   std::move(done));
    // Not expected: OpenSSL wants room but handed over nothing to send.
    // Waiting on the bare socket would have no deadline: fail instead.
    boost::asio::post(tcp_.get_executor(), [done = std::move(done)]() mutable {
      done(make_error_code(boost::system::errc::protocol_error), 0);
    });
  }

  /// A failed wait as the operation's error: the peer's FIN in the middle
  /// of TLS is a truncation (as ssl::stream says), the rest as they are
  /// (beast::error::timeout when a deadline passed).
  static error_code wait_error(error_code ec) {
    if (ec == boost::asio::error::eof)
      return boost::asio::ssl::error::stream_truncated;
    return ec;
  }

  error_code error_of(int err) {
    namespace ssl_error = boost::asio::ssl::error;
    if (err == SSL_ERROR_ZERO_RETURN)
      return boost::asio::error::eof;
    if (ssl_ == nullptr)
      return boost::asio::error::no_memory;
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (err == SSL_ERROR_SYSCALL && code == 0)
      return sys_errno_ != 0
             ? error_code(sys_errno_, boost::system::system_category())
             : error_code(ssl_error::stream_truncated);
    if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
      return ssl_error::stream_truncated;
    if (code == 0)
      return ssl_error::unspecified_system_error;
    return error_code(static_cast<int>(code),
                      boost::asio::error::get_ssl_category());
  }

  static int on_verify(int preverified, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = static_cast<basic_lean_stream*>(SSL_get_app_data(ssl));
    if (self == nullptr || !self->verify_)
      return preverified;
    boost::asio::ssl::verify_context vc(store);
    return self->verify_(preverified != 0, vc) ? 1 : 0;
  }

  // -- the BIO ---------------------------------------------------------------

  int bio_read(BIO* bio, char* out, int len) {
    BIO_clear_retry_flags(bio);
    if (len <= 0)
      return 0;
    int got = 0;
    if (stashed_) {
      out[got++] = static_cast<char>(stash_);
      stashed_ = false;
    } else if (read_wait_
               != nullptr) { // the one-byte read owns the socket's input
      BIO_set_retry_read(bio);
      return -1;
    }
    ssize_t r = ::recv(socket_of(tcp_).native_handle(), out + got,
                       static_cast<size_t>(len - got), MSG_DONTWAIT);
    if (r > 0)
      return got + static_cast<int>(r);
    if (got > 0 || r == 0)
      return got; // 0: the peer's FIN
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      BIO_set_retry_read(bio);
      return -1;
    }
    sys_errno_ = errno;
    return -1;
  }

  int bio_write(BIO* bio, const char* data, int len) {
    BIO_clear_retry_flags(bio);
    if (credit_n_ > 0) { // sent by wait_write: report them now
      if (data != credit_) {
        sys_errno_ = EPROTO; // OpenSSL moved its unsent bytes: cannot be
        credit_n_ = 0;
        return -1;
      }
      int n = static_cast<int>(std::min<size_t>(credit_n_, len));
      credit_n_ = 0;
      credit_ = nullptr;
      return n;
    }
    if (write_wait_ != nullptr) {
      BIO_set_retry_write(bio);
      return -1;
    }
    ssize_t r = ::send(socket_of(tcp_).native_handle(), data,
                       static_cast<size_t>(len), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r >= 0)
      return static_cast<int>(r);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      unsent_ = data;
      unsent_n_ = static_cast<size_t>(len);
      BIO_set_retry_write(bio);
      return -1;
    }
    sys_errno_ = errno;
    return -1;
  }

  static basic_lean_stream* of(BIO* bio) {
    return static_cast<basic_lean_stream*>(BIO_get_data(bio));
  }

  static BIO_METHOD* bio_method() {
    static BIO_METHOD* method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                   "tether-edge-socket");
      BIO_meth_set_write(m, [](BIO* b, const char* d, int n) {
        return of(b)->bio_write(b, d, n);
      });
      BIO_meth_set_read(
        m, [](BIO* b, char* d, int n) { return of(b)->bio_read(b, d, n); });
      BIO_meth_set_ctrl(m, [](BIO*, int cmd, long, void*) -> long {
        return cmd == BIO_CTRL_FLUSH ? 1 : 0;
      });
      return m;
    }();
    return method;
  }

  Next& tcp_;
  SSL* ssl_;
  verify_callback verify_;
  waiters* read_wait_ = nullptr;  // the pending one-byte read's
  waiters* write_wait_ = nullptr; // the pending write's
  const char* unsent_ = nullptr;  // in OpenSSL's write buffer
  size_t unsent_n_ = 0;
  const char* credit_ = nullptr; // sent for OpenSSL, not yet reported
  size_t credit_n_ = 0;
  int sys_errno_ = 0;
  bool stashed_ = false;
  unsigned char stash_ = 0;
};

using lean_stream = basic_lean_stream<boost::beast::tcp_stream>;

} // namespace tether::net::tls
