// A device CA, a foreign CA of the same name, two devices and the files of
// [edge_tls] client_ca_file and crl_file in a temporary directory, for the
// tests of net/tls (trust_files_test, client_trust_test).
#pragma once

#include <memory>
#include <string>

#include <openssl/pem.h>

#include "net/tls/trust_files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tls_identity.hpp"

namespace tether::test {

struct pki {
  temp_dir dir;
  tls_identity ca = make_self_signed("devices-ca", "DNS:devices-ca");
  tls_identity other_ca = make_self_signed("devices-ca", "DNS:ca");
  tls_identity d1 = make_issued(ca, "D1", "");
  tls_identity d2 = make_issued(ca, "D2", "");
  std::string ca_file = dir.path() + "/ca.pem";
  std::string crl_file = dir.path() + "/crl.pem";

  pki() { write_file(ca_file, ca.cert_pem); }

  std::string load_error(const std::string& crl_pem) {
    write_file(crl_file, crl_pem);
    return net::tls::load_crls(crl_file, ca_file).error;
  }
};

/// Whether `error` names edge_tls.crl_file.
inline bool names_setting(const std::string& error) {
  return error.find("edge_tls.crl_file") != std::string::npos;
}

/// The certificate of `id`, parsed.
inline std::unique_ptr<X509, void (*)(X509*)> x509_of(const tls_identity& id) {
  BIO* bio
    = BIO_new_mem_buf(id.cert_pem.data(), static_cast<int>(id.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return {cert, &X509_free};
}

} // namespace tether::test
