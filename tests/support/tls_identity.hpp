// tls_identity: a self-signed certificate and its key, made at test time
// with OpenSSL's EVP/X509 API (no openssl CLI, no files in the repository).
#pragma once

#include <string>
#include <vector>

namespace tether::test {

struct tls_identity {
  std::string cert_pem;
  std::string key_pem;
};

/// An EC P-256 certificate signed by its own key, valid from an hour ago for
/// a day, with subject CN `common_name` and the subjectAltName entries
/// `alt_names` in OpenSSL's syntax ("IP:127.0.0.1,DNS:localhost"). It is
/// its own CA (basicConstraints CA:TRUE), so trusting it means putting it
/// in a CA file. Throws std::runtime_error if OpenSSL refuses a step.
tls_identity make_self_signed(const std::string& common_name,
                              const std::string& alt_names);

/// An EC P-256 end-entity certificate (CA:FALSE, clientAuth and serverAuth)
/// signed by `ca` (made by make_self_signed), valid as make_self_signed's,
/// with subject CN `common_name` and the subjectAltName entries `alt_names`
/// (none when empty). Throws std::runtime_error if OpenSSL refuses a step.
tls_identity make_issued(const tls_identity& ca, const std::string& common_name,
                         const std::string& alt_names);

/// An intermediate CA certificate (CA:TRUE, keyCertSign and cRLSign)
/// signed by `ca`, valid as make_self_signed's, with subject CN
/// `common_name`: it issues with make_issued and make_crl as a root does.
/// Throws std::runtime_error if OpenSSL refuses a step.
tls_identity make_intermediate(const tls_identity& ca,
                               const std::string& common_name);

/// A v2 CRL (PEM) issued and signed by `ca` (made by make_self_signed)
/// listing the serials of `revoked` (made by make_issued): lastUpdate an
/// hour ago, nextUpdate `next_update_s` seconds from now (negative: already
/// past). Throws std::runtime_error if OpenSSL refuses a step.
std::string make_crl(const tls_identity& ca,
                     const std::vector<tls_identity>& revoked,
                     long next_update_s = 24 * 3600);

} // namespace tether::test
