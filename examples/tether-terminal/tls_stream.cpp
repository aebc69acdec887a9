#include "tether-terminal/tls_stream.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tether::terminal {

namespace ssl = boost::asio::ssl;

ssl::context& client_tls_context() {
  static ssl::context ctx{ssl::context::tls_client};
  return ctx;
}

/// The client certificate and key (both given or neither); false with the
/// reason in `error`.
bool use_client_certificate(ssl::context& ctx, const std::string& cert_file,
                            const std::string& key_file, std::string& error) {
  if (cert_file.empty() || key_file.empty())
    return true;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.native_handle(), cert_file.c_str())
      != 1) {
    error = "--client-cert " + cert_file + ": cannot load a PEM certificate";
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.native_handle(), key_file.c_str(),
                                  SSL_FILETYPE_PEM)
        != 1
      || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    error = "--client-key " + key_file
          + ": cannot load a PEM private key, or it is not the key of "
            "--client-cert";
    return false;
  }
  return true;
}

bool configure_client_tls(const std::string& ca_file, std::string& error,
                          const std::string& cert_file,
                          const std::string& key_file) {
  auto& ctx = client_tls_context();
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // Small idle footprint for fleets, and sessions resumed on reconnect
  // (the server decides; the client keeps what it was given).
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  ctx.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (!ca_file.empty())
    ctx.load_verify_file(ca_file, ec);
  if (ec) {
    error = "--ca " + ca_file + ": cannot load PEM certificates ("
          + ec.message() + ")";
    return false;
  }
  return use_client_certificate(ctx, cert_file, key_file, error);
}

void use_tls(tls_stream& stream, const std::string& host) {
  stream.use_tls(client_tls_context());
  auto& tls = *stream.tls();
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec) // SNI carries names only
    SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
  tls.set_verify_callback(ssl::host_name_verification(host));
}

} // namespace tether::terminal
