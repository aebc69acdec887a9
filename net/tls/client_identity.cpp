#include "net/tls/client_identity.hpp"

#include <string_view>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace tether::net::tls {

namespace {

bool could_be_terminal_id(std::string_view s) {
  if (s.empty() || s.size() > 128)
    return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':'
          || c == '-'))
      return false;
  return true;
}

void add(std::string& names, const ASN1_STRING* s) {
  if (s == nullptr)
    return;
  std::string_view v{reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s))};
  if (!could_be_terminal_id(v))
    return;
  if (!names.empty())
    names += ' ';
  names += v;
}

void add_common_names(std::string& names, X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i))
    add(names, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
}

void add_alt_names(std::string& names, X509* cert) {
  auto* alts = static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (alts == nullptr)
    return;
  for (int i = 0; i < sk_GENERAL_NAME_num(alts); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(alts, i);
    if (g->type == GEN_DNS)
      add(names, g->d.dNSName);
    else if (g->type == GEN_URI)
      add(names, g->d.uniformResourceIdentifier);
  }
  GENERAL_NAMES_free(alts);
}

} // namespace

std::string client_certificate_names(const SSL* ssl) {
  // Only where certificates are asked for and checked (client_ca_file).
  if (ssl == nullptr || (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) == 0
      || SSL_get_verify_result(ssl) != X509_V_OK)
    return {};
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr)
    return {};
  std::string names;
  add_common_names(names, cert);
  add_alt_names(names, cert);
  return names;
}

} // namespace tether::net::tls
