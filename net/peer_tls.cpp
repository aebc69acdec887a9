#include "net/peer_tls.hpp"

#include <array>
#include <mutex>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "actors/system/log.hpp"

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace tether::net {

peer_tls_files peer_tls_files_of(const config::process_tls_config& cfg,
                                 const std::string& process) {
  return {cfg.ca, cfg.certs + "/" + process + ".crt",
          cfg.certs + "/" + process + ".key"};
}

namespace {

using boost::system::error_code;

// A handshake that has not finished by then is closed.
constexpr std::chrono::seconds handshake_timeout{10};

/// Whether `cert` names `name` (a DNS subjectAltName, or the common name
/// when it has none), as OpenSSL's host check reads it.
bool names(X509* cert, const std::string& name) {
  return cert != nullptr
      && X509_check_host(cert, name.data(), name.size(),
                         X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr)
           == 1;
}

std::string ssl_reason(const error_code& ec) {
  auto text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    if (const char* r = ERR_reason_error_string(ec.value()))
      text = r;
  }
  return text;
}

/// One relayed connection: a TLS side and a plaintext loopback side, on
/// one strand; bytes are copied both ways until either side ends.
class relay : public std::enable_shared_from_this<relay> {
public:
  relay(tcp::socket tls_side, ssl::context& ctx, tcp::socket plain)
      : tls_(std::move(tls_side), ctx), plain_(std::move(plain)),
        deadline_(tls_.get_executor()) {}

  ssl::stream<tcp::socket>& tls() { return tls_; }
  tcp::socket& plain() { return plain_; }

  /// Closes both sides unless the handshake finished in time.
  void arm_deadline() {
    deadline_.expires_after(handshake_timeout);
    deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->relaying_)
        self->close();
    });
  }

  void start_relaying() {
    relaying_ = true;
    deadline_.cancel();
    pump_in();
    pump_out();
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    error_code ignored;
    deadline_.cancel();
    tls_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    tls_.lowest_layer().close(ignored);
    plain_.shutdown(tcp::socket::shutdown_both, ignored);
    plain_.close(ignored);
  }

private:
  /// TLS → loopback.
  void pump_in() { pump(tls_, plain_, in_); }

  /// Loopback → TLS.
  void pump_out() { pump(plain_, tls_, out_); }

  /// Copies what `from` reads into `to` through `buffer` (a member: the
  /// relay outlives the operation, which holds `self`), until either ends.
  template <class From, class To>
  void pump(From& from, To& to, std::array<char, 16384>& buffer) {
    from.async_read_some(
      asio::buffer(buffer), [self = shared_from_this(), &from, &to,
                             &buffer](error_code ec, size_t n) {
        if (ec)
          return self->close();
        asio::async_write(to, asio::buffer(buffer, n),
                          [self, &from, &to, &buffer](error_code ec2, size_t) {
                            if (ec2)
                              return self->close();
                            self->pump(from, to, buffer);
                          });
      });
  }

  ssl::stream<tcp::socket> tls_;
  tcp::socket plain_;
  asio::steady_timer deadline_;
  std::array<char, 16384> in_{};
  std::array<char, 16384> out_{};
  bool relaying_ = false;
  bool closed_ = false;
};

bool make_context(ssl::context& ctx, const peer_tls_files& f,
                  std::string& error) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                  | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                  | ssl::context::no_tlsv1_1);
  error_code ec;
  if (ctx.load_verify_file(f.ca, ec); ec) {
    error = "process_tls.ca: cannot load \"" + f.ca + "\": " + ssl_reason(ec);
    return false;
  }
  if (ctx.use_certificate_chain_file(f.cert, ec); ec) {
    error = "process_tls.certs: cannot load the certificate \"" + f.cert
          + "\": " + ssl_reason(ec);
    return false;
  }
  if (ctx.use_private_key_file(f.key, ssl::context::pem, ec); ec) {
    error = "process_tls.certs: cannot load the key \"" + f.key
          + "\": " + ssl_reason(ec);
    return false;
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    error = "process_tls.certs: the key \"" + f.key
          + "\" does not belong to the certificate \"" + f.cert + "\"";
    return false;
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return true;
}

/// The own certificate: signed by the CA and naming `self`.
bool check_own(ssl::context& ctx, const peer_tls_files& f,
               const std::string& self, std::string& error) {
  auto* native = ctx.native_handle();
  X509* cert = SSL_CTX_get0_certificate(native);
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  X509_STORE_CTX* vctx = X509_STORE_CTX_new();
  bool ok = vctx != nullptr && X509_STORE_CTX_init(vctx, store, cert, nullptr)
         && X509_verify_cert(vctx) == 1;
  std::string why
    = vctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx))
           : "out of memory";
  X509_STORE_CTX_free(vctx);
  if (!ok) {
    error = "process_tls.certs: \"" + f.cert
          + "\" is not a valid certificate of the CA process_tls.ca \"" + f.ca
          + "\": " + why;
    return false;
  }
  if (!names(cert, self)) {
    error = "process_tls.certs: \"" + f.cert + "\" does not name process \""
          + self + "\" (subjectAltName DNS:" + self + ")";
    return false;
  }
  return true;
}

class peer_tls_impl : public peer_tls,
                      public std::enable_shared_from_this<peer_tls_impl> {
public:
  explicit peer_tls_impl(asio::io_context& io) : io_(io) {}

  bool init(const peer_tls_files& f, const std::string& self,
            std::string& error) {
    self_ = self;
    return make_context(server_, f, error) && make_context(client_, f, error)
        && check_own(server_, f, self, error);
  }

  bool listen(const std::string& host, uint16_t port, uint16_t local_port,
              std::vector<std::string> dialers, std::string& error) override {
    auto acc = bind(host, port, error);
    if (!acc)
      return false;
    accept_tls(acc, local_port,
               std::make_shared<std::vector<std::string>>(std::move(dialers)));
    return true;
  }

  uint16_t dial_through(const std::string& name, const std::string& host,
                        uint16_t port, std::string& error) override {
    auto acc = bind("127.0.0.1", 0, error);
    if (!acc)
      return 0;
    accept_local(acc, name, host, port);
    return acc->local_endpoint().port();
  }

  /// Closes the acceptors on the I/O threads (where their accepts run).
  void stop() override {
    for (auto& a : acceptors_)
      asio::post(io_, [a] {
        error_code ignored;
        a->close(ignored);
      });
  }

private:
  std::shared_ptr<tcp::acceptor> bind(const std::string& host, uint16_t port,
                                      std::string& error) {
    error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) { // a name: resolve it
      tcp::resolver res{io_};
      auto r = res.resolve(host, std::to_string(port), ec);
      if (!ec && !r.empty())
        addr = r.begin()->endpoint().address();
    }
    auto acc = std::make_shared<tcp::acceptor>(io_);
    tcp::endpoint ep{addr, port};
    if (!ec)
      acc->open(ep.protocol(), ec);
    if (!ec)
      acc->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acc->bind(ep, ec);
    if (!ec)
      acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on " + host + ":" + std::to_string(port) + ": "
            + ec.message();
      return nullptr;
    }
    acceptors_.push_back(acc);
    return acc;
  }

  using names_ptr = std::shared_ptr<std::vector<std::string>>;

  void accept_tls(std::shared_ptr<tcp::acceptor> acc, uint16_t local_port,
                  names_ptr dialers) {
    acc->async_accept(
      asio::make_strand(io_), [this, keep = shared_from_this(), acc, local_port,
                               dialers](error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted || !acc->is_open())
          return;
        if (!ec)
          inbound(std::move(s), local_port, dialers);
        accept_tls(acc, local_port, dialers);
      });
  }

  /// A peer dialed: handshake, check its name, then relay to the CAF port.
  void inbound(tcp::socket s, uint16_t local_port, names_ptr dialers) {
    error_code ignored;
    auto from = s.remote_endpoint(ignored).address().to_string();
    tcp::socket plain{s.get_executor()};
    auto r = std::make_shared<relay>(std::move(s), server_, std::move(plain));
    r->arm_deadline();
    r->tls().async_handshake(
      ssl::stream_base::server, [this, keep = shared_from_this(), r, local_port,
                                 dialers, from](error_code ec) {
        if (ec) {
          refused(from, "TLS handshake failed: " + ssl_reason(ec));
          return r->close();
        }
        X509* cert = SSL_get1_peer_certificate(r->tls().native_handle());
        bool known = false;
        for (const auto& n : *dialers)
          known = known || names(cert, n);
        X509_free(cert);
        if (!known) {
          refused(from, "its certificate names no process that dials this "
                        "one");
          return r->close();
        }
        r->plain().async_connect(
          tcp::endpoint{asio::ip::address_v4::loopback(), local_port},
          [r](error_code ec2) {
            if (ec2)
              return r->close();
            r->start_relaying();
          });
      });
  }

  void accept_local(std::shared_ptr<tcp::acceptor> acc, std::string name,
                    std::string host, uint16_t port) {
    acc->async_accept(
      asio::make_strand(io_), [this, keep = shared_from_this(), acc, name, host,
                               port](error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted || !acc->is_open())
          return;
        if (!ec)
          outbound(std::move(s), name, host, port);
        accept_local(acc, name, host, port);
      });
  }

  /// CAF dials peer `name` through the loopback port: connect, handshake
  /// (the peer's certificate must name it), then relay.
  void outbound(tcp::socket local, const std::string& name,
                const std::string& host, uint16_t port) {
    tcp::socket remote{local.get_executor()};
    auto r
      = std::make_shared<relay>(std::move(remote), client_, std::move(local));
    SSL_set1_host(r->tls().native_handle(), name.c_str());
    SSL_set_hostflags(r->tls().native_handle(),
                      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    r->arm_deadline();
    auto res = std::make_shared<tcp::resolver>(r->plain().get_executor());
    res->async_resolve(
      host, std::to_string(port),
      [this, keep = shared_from_this(), r, res,
       name](error_code ec, const tcp::resolver::results_type& eps) {
        if (ec)
          return r->close();
        asio::async_connect(
          r->tls().lowest_layer(), eps,
          [this, keep, r, name](error_code ec2, const tcp::endpoint&) {
            if (ec2)
              return r->close();
            handshake_out(r, name);
          });
      });
  }

  void handshake_out(const std::shared_ptr<relay>& r, const std::string& name) {
    r->tls().async_handshake(
      ssl::stream_base::client,
      [this, keep = shared_from_this(), r, name](error_code ec) {
        if (ec) {
          refused(name, "TLS handshake failed: " + ssl_reason(ec));
          return r->close();
        }
        r->start_relaying();
      });
  }

  /// Logged once per peer and reason in a row (a retrying peer would
  /// otherwise fill the log).
  void refused(const std::string& who, const std::string& why) {
    auto line = who + ": " + why;
    std::lock_guard lock{mutex_};
    if (line == last_refusal_)
      return;
    last_refusal_ = line;
    logger("peers")->warn("{}: process TLS refused {}", self_, line);
  }

  asio::io_context& io_;
  ssl::context server_{ssl::context::tls_server};
  ssl::context client_{ssl::context::tls_client};
  std::string self_;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;
  std::mutex mutex_;         // refused() runs on any relay's strand
  std::string last_refusal_; // guarded by mutex_
};

} // namespace

std::shared_ptr<peer_tls> peer_tls::create(asio::io_context& io,
                                           const peer_tls_files& files,
                                           const std::string& self,
                                           std::string& error) {
  auto impl = std::make_shared<peer_tls_impl>(io);
  if (!impl->init(files, self, error))
    return nullptr;
  return impl;
}

} // namespace tether::net
