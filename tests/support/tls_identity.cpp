#include "tests/support/tls_identity.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace tether::test {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using cert_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* step) {
  if (!ok)
    throw std::runtime_error(std::string{"make_self_signed: "} + step);
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, value);
  bool added = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  check(added, "X509_add_ext");
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

/// A v3 certificate for a new P-256 key (`key`): random serial, valid from
/// an hour ago for a day, subject CN `common_name`; not signed yet.
cert_ptr new_certificate(const std::string& common_name, key_ptr& key) {
  key.reset(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  cert_ptr cert{X509_new()};
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), 2) == 1, "X509_set_version"); // v3
  // A random serial: two test certificates with one subject stay distinct.
  std::unique_ptr<BIGNUM, deleter<BIGNUM, BN_free>> serial{BN_new()};
  check(serial
          && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)
               == 1,
        "BN_rand");
  check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))
          != nullptr,
        "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr,
        "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr,
        "notAfter");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
          0)
          == 1,
        "CN");
  return cert;
}

/// The PEM of `cert` and `key`.
tls_identity pem_of(X509* cert, EVP_PKEY* key) {
  tls_identity out;
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  check(cert_bio && PEM_write_bio_X509(cert_bio.get(), cert) == 1,
        "PEM_write_bio_X509");
  out.cert_pem = drain(cert_bio.get());
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  check(key_bio
          && PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0,
                                      nullptr, nullptr)
               == 1,
        "PEM_write_bio_PrivateKey");
  out.key_pem = drain(key_bio.get());
  return out;
}

template <class T, T* (*Read)(BIO*, T**, pem_password_cb*, void*)>
T* read_pem(const std::string& pem) {
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  check(bio != nullptr, "BIO_new_mem_buf");
  return Read(bio.get(), nullptr, nullptr, nullptr);
}

} // namespace

tls_identity make_self_signed(const std::string& common_name,
                              const std::string& alt_names) {
  key_ptr key;
  auto cert = new_certificate(common_name, key);
  X509* c = cert.get();
  check(X509_set_issuer_name(c, X509_get_subject_name(c)) == 1, "issuer");
  add_extension(c, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(c, NID_subject_key_identifier, "hash");
  add_extension(c, NID_key_usage,
                "critical,digitalSignature,keyCertSign,cRLSign");
  add_extension(c, NID_subject_alt_name, alt_names.c_str());
  check(X509_sign(c, key.get(), EVP_sha256()) > 0, "X509_sign");
  return pem_of(c, key.get());
}

namespace {

/// A certificate signed by `ca`; `is_ca`: an intermediate CA, else an
/// end-entity certificate with the subjectAltName entries `alt_names`.
tls_identity issue(const tls_identity& ca, const std::string& common_name,
                   const std::string& alt_names, bool is_ca) {
  cert_ptr ca_cert{read_pem<X509, PEM_read_bio_X509>(ca.cert_pem)};
  key_ptr ca_key{read_pem<EVP_PKEY, PEM_read_bio_PrivateKey>(ca.key_pem)};
  check(ca_cert && ca_key, "the CA's PEM");
  key_ptr key;
  auto cert = new_certificate(common_name, key);
  X509* c = cert.get();
  check(X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get())) == 1,
        "issuer");
  if (is_ca) {
    add_extension(c, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(c, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(c, NID_key_usage, "critical,digitalSignature");
    add_extension(c, NID_ext_key_usage, "clientAuth,serverAuth");
  }
  if (!alt_names.empty())
    add_extension(c, NID_subject_alt_name, alt_names.c_str());
  check(X509_sign(c, ca_key.get(), EVP_sha256()) > 0, "X509_sign");
  return pem_of(c, key.get());
}

} // namespace

tls_identity make_issued(const tls_identity& ca, const std::string& common_name,
                         const std::string& alt_names) {
  return issue(ca, common_name, alt_names, false);
}

tls_identity make_intermediate(const tls_identity& ca,
                               const std::string& common_name) {
  return issue(ca, common_name, "", true);
}

std::string make_crl(const tls_identity& ca,
                     const std::vector<tls_identity>& revoked,
                     long next_update_s) {
  cert_ptr ca_cert{read_pem<X509, PEM_read_bio_X509>(ca.cert_pem)};
  key_ptr ca_key{read_pem<EVP_PKEY, PEM_read_bio_PrivateKey>(ca.key_pem)};
  check(ca_cert && ca_key, "the CA's PEM");
  std::unique_ptr<X509_CRL, deleter<X509_CRL, X509_CRL_free>> crl{
    X509_CRL_new()};
  check(crl && X509_CRL_set_version(crl.get(), 1) == 1, "X509_CRL_new"); // v2
  check(
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert.get()))
      == 1,
    "CRL issuer");
  std::unique_ptr<ASN1_TIME, deleter<ASN1_TIME, ASN1_TIME_free>> at{
    X509_gmtime_adj(nullptr, -3600)};
  check(at && X509_CRL_set1_lastUpdate(crl.get(), at.get()) == 1, "lastUpdate");
  check(X509_gmtime_adj(at.get(), next_update_s) != nullptr
          && X509_CRL_set1_nextUpdate(crl.get(), at.get()) == 1,
        "nextUpdate");
  for (const auto& r : revoked) {
    cert_ptr cert{read_pem<X509, PEM_read_bio_X509>(r.cert_pem)};
    X509_REVOKED* entry = X509_REVOKED_new();
    check(cert && entry
            && X509_REVOKED_set_serialNumber(entry,
                                             X509_get_serialNumber(cert.get()))
                 == 1
            && X509_REVOKED_set_revocationDate(entry, at.get()) == 1
            && X509_CRL_add0_revoked(crl.get(), entry) == 1,
          "revoked entry");
  }
  check(X509_CRL_sort(crl.get()) == 1
          && X509_CRL_sign(crl.get(), ca_key.get(), EVP_sha256()) > 0,
        "X509_CRL_sign");
  bio_ptr bio{BIO_new(BIO_s_mem())};
  check(bio && PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1,
        "PEM_write_bio_X509_CRL");
  return drain(bio.get());
}

} // namespace tether::test
