// trust_files: reading and checking the files of what the gateway trusts
// in client certificates ([edge_tls] client_ca_file and crl_file,
// docs/SECURITY.md "Device certificates"): the device CAs, and the
// certificate revocation lists of those CAs. Plain OpenSSL, no actors, no
// logging: tetherd (at start, at each reload, --check-config) and
// `tetherctl check-config` read them the same way. The CAs and CRLs in
// force, and their reload: client_trust.hpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "config/topology.hpp"

namespace tether::net::tls {

/// The CRLs of one read of the file (immutable once loaded).
class crl_set {
public:
  struct crl_free {
    void operator()(X509_CRL* c) const { X509_CRL_free(c); }
  };
  std::vector<std::unique_ptr<X509_CRL, crl_free>> crls;

  /// Its CRLs of `issuer`, each with a reference of its own.
  STACK_OF(X509_CRL) * of(const X509_NAME* issuer) const;
  /// Whether `cert` is listed in a CRL of its issuer.
  bool lists(X509* cert) const;
};

/// What a read of `crl_file` gives: the set, or null and the reason in
/// `error` (naming edge_tls.crl_file and the file); `warnings`: CRLs past
/// their nextUpdate (still used, docs/SECURITY.md says why).
struct crl_load {
  std::shared_ptr<const crl_set> crls;
  std::string error;
  std::vector<std::string> warnings;
};

/// Reads `crl_file` (PEM, one CRL or more): each must be issued by a CA
/// certificate of `ca_file` that may sign CRLs, and carry its signature.
crl_load load_crls(const std::string& crl_file, const std::string& ca_file);

/// The CA certificates of one read of client_ca_file (immutable once
/// loaded), in file order.
class ca_set {
public:
  struct x509_free {
    void operator()(X509* c) const { X509_free(c); }
  };
  std::vector<std::unique_ptr<X509, x509_free>> cas;
};

/// What a read of `ca_file` gives: the set, or null and the reason in
/// `error` (naming edge_tls.client_ca_file and the file).
struct ca_load {
  std::shared_ptr<const ca_set> cas;
  std::string error;
};

/// Reads `ca_file` (PEM, one certificate or more): each must be a CA
/// certificate (basicConstraints CA:TRUE, or a self-signed v1 one), as
/// OpenSSL requires of an issuer.
ca_load load_client_cas(const std::string& ca_file);

/// Reads the client CA file and the CRL file `tls` names, as tetherd does
/// at start: the problems (each naming its setting and file; empty when
/// both are good or unset) and the warnings.
std::vector<std::string> check_trust_files(const config::edge_tls_config& tls,
                                           std::vector<std::string>& warnings);

} // namespace tether::net::tls
