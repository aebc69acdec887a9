#include "net/tls/trust_files.hpp"

#include <utility>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace tether::net::tls {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, ca_set::x509_free>;
using crl_ptr = std::unique_ptr<X509_CRL, crl_set::crl_free>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

std::string problem(const std::string& file, const std::string& what) {
  return "edge_tls.crl_file \"" + file + "\": " + what;
}

std::string name_of(const X509_NAME* name) {
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

/// Every PEM block of type T in `path`; false when the file cannot be
/// opened.
template <class T, T* (*Read)(BIO*, T**, pem_password_cb*, void*), class Ptr>
bool read_all(const std::string& path, std::vector<Ptr>& out) {
  bio_ptr bio{BIO_new_file(path.c_str(), "r")};
  if (!bio)
    return false;
  while (T* item = Read(bio.get(), nullptr, nullptr, nullptr))
    out.emplace_back(item);
  ERR_clear_error(); // the end of the file reads as an error
  return true;
}

bool may_sign_crls(X509* ca) {
  return (X509_get_extension_flags(ca) & EXFLAG_KUSAGE) == 0
      || (X509_get_key_usage(ca) & KU_CRL_SIGN) != 0;
}

/// The CA of `cas` that issued and signed `crl`, or why none did.
std::string check_issuer(X509_CRL* crl, const std::vector<x509_ptr>& cas) {
  const X509_NAME* issuer = X509_CRL_get_issuer(crl);
  for (const auto& ca : cas) {
    if (X509_NAME_cmp(X509_get_subject_name(ca.get()), issuer) != 0)
      continue;
    EVP_PKEY* key = X509_get0_pubkey(ca.get());
    if (key == nullptr || X509_CRL_verify(crl, key) != 1)
      continue; // a CA of the same name with another key may follow
    if (!may_sign_crls(ca.get()))
      return "the CA " + name_of(issuer)
           + " may not sign CRLs (its keyUsage lacks cRLSign)";
    return {};
  }
  ERR_clear_error();
  return "a CRL issued by " + name_of(issuer)
       + " is not signed by a CA of edge_tls.client_ca_file";
}

bool past(const ASN1_TIME* t) {
  return t != nullptr && X509_cmp_current_time(t) < 0;
}

} // namespace

STACK_OF(X509_CRL) * crl_set::of(const X509_NAME* issuer) const {
  auto* out = sk_X509_CRL_new_null();
  for (const auto& c : crls)
    if (out != nullptr
        && X509_NAME_cmp(X509_CRL_get_issuer(c.get()), issuer) == 0
        && X509_CRL_up_ref(c.get()) == 1)
      sk_X509_CRL_push(out, c.get());
  return out;
}

bool crl_set::lists(X509* cert) const {
  for (const auto& c : crls) {
    X509_REVOKED* entry = nullptr;
    if (X509_NAME_cmp(X509_CRL_get_issuer(c.get()), X509_get_issuer_name(cert))
          == 0
        && X509_CRL_get0_by_cert(c.get(), &entry, cert) == 1)
      return true;
  }
  return false;
}

crl_load load_crls(const std::string& crl_file, const std::string& ca_file) {
  crl_load out;
  auto set = std::make_shared<crl_set>();
  std::vector<x509_ptr> cas;
  if (!read_all<X509_CRL, PEM_read_bio_X509_CRL>(crl_file, set->crls))
    return {nullptr, problem(crl_file, "cannot be read"), {}};
  if (set->crls.empty())
    return {nullptr,
            problem(crl_file, "holds no PEM CRL (-----BEGIN X509 CRL-----)"),
            {}};
  if (!read_all<X509, PEM_read_bio_X509>(ca_file, cas) || cas.empty())
    return {nullptr,
            problem(crl_file, "edge_tls.client_ca_file \"" + ca_file
                                + "\" holds no CA certificate to check it"),
            {}};
  for (const auto& crl : set->crls) {
    if (auto why = check_issuer(crl.get(), cas); !why.empty())
      return {nullptr, problem(crl_file, why), {}};
    if (past(X509_CRL_get0_nextUpdate(crl.get())))
      out.warnings.push_back(problem(
        crl_file, "the CRL of " + name_of(X509_CRL_get_issuer(crl.get()))
                    + " is past its nextUpdate: still in force, "
                      "publish a new one"));
  }
  out.crls = std::move(set);
  return out;
}

ca_load load_client_cas(const std::string& ca_file) {
  auto where = [&](const std::string& what) {
    return "edge_tls.client_ca_file \"" + ca_file + "\": " + what;
  };
  auto set = std::make_shared<ca_set>();
  if (!read_all<X509, PEM_read_bio_X509>(ca_file, set->cas))
    return {nullptr, where("cannot be read")};
  if (set->cas.empty())
    return {nullptr,
            where("holds no PEM certificate (-----BEGIN CERTIFICATE-----)")};
  for (const auto& ca : set->cas)
    if (X509_check_ca(ca.get()) == 0)
      return {nullptr,
              where("the certificate of "
                    + name_of(X509_get_subject_name(ca.get()))
                    + " is not a CA certificate (basicConstraints CA:TRUE)")};
  return {std::move(set), {}};
}

std::vector<std::string> check_trust_files(const config::edge_tls_config& tls,
                                           std::vector<std::string>& warnings) {
  std::vector<std::string> problems;
  if (!tls.client_ca_file.empty())
    if (auto cas = load_client_cas(tls.client_ca_file); !cas.cas)
      problems.push_back(cas.error);
  if (!tls.crl_file.empty()) {
    auto crls = load_crls(tls.crl_file, tls.client_ca_file);
    warnings.insert(warnings.end(), crls.warnings.begin(), crls.warnings.end());
    if (!crls.crls)
      problems.push_back(crls.error);
  }
  return problems;
}

} // namespace tether::net::tls
