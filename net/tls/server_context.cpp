#include "net/tls/server_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/tls/client_trust.hpp"

namespace tether::net::tls {

namespace {

/// OpenSSL's last error as text (and its queue emptied).
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

bool fail(std::string& error, const std::string& setting,
          const std::string& file, const std::string& what) {
  error = setting + " \"" + file + "\": " + what + " (" + openssl_error() + ")";
  return false;
}

/// The certificate and key; `where`: the table that set them, for errors
/// ("edge_tls", "clusters.balancers").
bool load_identity(SSL_CTX* ctx, const config::edge_tls_config& cfg,
                   const std::string& where, std::string& error) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cfg.cert_file.c_str()) != 1)
    return fail(error, where + ".cert_file", cfg.cert_file,
                "cannot load a PEM certificate (chain) from it");
  if (SSL_CTX_use_PrivateKey_file(ctx, cfg.key_file.c_str(), SSL_FILETYPE_PEM)
      != 1)
    return fail(error, where + ".key_file", cfg.key_file,
                "cannot load a PEM private key from it, or it is not the key "
                "of the certificate in "
                  + where + ".cert_file");
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(error, where + ".key_file", cfg.key_file,
                "is not the key of the certificate in " + where + ".cert_file");
  return true;
}

void make_lean(SSL_CTX* ctx) {
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION
                             | SSL_OP_CIPHER_SERVER_PREFERENCE
                             | SSL_OP_NO_COMPRESSION);
  // Resumption for reconnect storms: TLS 1.2 sessions from the server
  // cache (or tickets), TLS 1.3 tickets (stateless).
  static const unsigned char id[] = "tether-edge";
  SSL_CTX_set_session_id_context(ctx, id, sizeof id - 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, 1 << 16);
  SSL_CTX_set_timeout(ctx, 3600);
  SSL_CTX_set_num_tickets(ctx, 1);
}

/// `context` asking for client certificates when edge_tls.client_ca_file
/// is set, and checking them against its CAs and edge_tls.crl_file (both
/// re-read every crl_reload_s); not required (services and operators have
/// none; devices may prove their identity by a proof header instead). What
/// is trusted lives as long as the context.
std::shared_ptr<boost::asio::ssl::context>
with_client_trust(std::shared_ptr<boost::asio::ssl::context> context,
                  const config::edge_tls_config& cfg, std::string& error) {
  if (cfg.client_ca_file.empty())
    return context;
  auto trust = std::make_shared<client_trust>(cfg.client_ca_file, cfg.crl_file);
  if (!trust->load(error))
    return nullptr;
  trust->attach(context->native_handle());
  trust->start_reloading(std::chrono::seconds{cfg.crl_reload_s});
  auto* raw = context.get();
  return {raw, [context = std::move(context), trust](auto*) mutable {
            context.reset(); // the context first: it points at the trust
            trust.reset();
          }};
}

} // namespace

std::shared_ptr<boost::asio::ssl::context>
make_server_context(const config::edge_tls_config& cfg, std::string& error,
                    const std::string& where) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    error = "edge_tls: cannot require TLS 1.2 (" + openssl_error() + ")";
    return nullptr;
  }
  if (!load_identity(ctx, cfg, where, error))
    return nullptr;
  make_lean(ctx);
  return with_client_trust(std::move(context), cfg, error);
}

config::edge_tls_config balancer_tls(const config::edge_tls_config& edge,
                                     const config::balancer_config& b) {
  auto out = edge;
  out.client_ca_file.clear();
  out.crl_file.clear();
  if (!b.cert_file.empty()) {
    out.cert_file = b.cert_file;
    out.key_file = b.key_file;
  }
  return out;
}

std::string plaintext_refusal(const config::edge_tls_config& cfg,
                              const config::endpoint& at,
                              const std::string& what) {
  if (cfg.enabled() || cfg.insecure)
    return {};
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(at.host, ec);
  if (!ec && address.is_v6() && address.to_v6().is_v4_mapped())
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                               address.to_v6());
  if (!ec && address.is_loopback())
    return {};
  // A host name is not resolved here (what it names may change): only a
  // loopback address is taken, and the message says which to write.
  auto where = ec ? ", a host name, not a loopback address (write 127.0.0.1 "
                    "or ::1 for this machine only),"
                  : ", which is not loopback,";
  return what + " listens on " + at.to_string() + where
       + " without TLS: set edge_tls.cert_file and "
         "edge_tls.key_file (or insecure = true at the top of the file to "
         "allow plaintext "
         "there, never on a network others can reach)";
}

} // namespace tether::net::tls
