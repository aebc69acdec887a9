#include "net/tls/crl_store.hpp"

#include <sys/stat.h>

#include <utility>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "actors/system/log.hpp"

namespace tether::net::tls {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using crl_ptr = std::unique_ptr<X509_CRL, deleter<X509_CRL, X509_CRL_free>>;
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
template <class T, T* (*Read)(BIO*, T**, pem_password_cb*, void*),
          void (*Free)(T*)>
bool read_all(const std::string& path,
              std::vector<std::unique_ptr<T, deleter<T, Free>>>& out) {
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

class crl_set {
public:
  std::vector<crl_ptr> crls;

  /// Its CRLs of `issuer`, each with a reference of its own.
  STACK_OF(X509_CRL) * of(const X509_NAME* issuer) const {
    auto* out = sk_X509_CRL_new_null();
    for (const auto& c : crls)
      if (out != nullptr
          && X509_NAME_cmp(X509_CRL_get_issuer(c.get()), issuer) == 0
          && X509_CRL_up_ref(c.get()) == 1)
        sk_X509_CRL_push(out, c.get());
    return out;
  }

  bool lists(X509* cert) const {
    for (const auto& c : crls) {
      X509_REVOKED* entry = nullptr;
      if (X509_NAME_cmp(X509_CRL_get_issuer(c.get()),
                        X509_get_issuer_name(cert))
            == 0
          && X509_CRL_get0_by_cert(c.get(), &entry, cert) == 1)
        return true;
    }
    return false;
  }
};

crl_load load_crls(const std::string& crl_file, const std::string& ca_file) {
  crl_load out;
  auto set = std::make_shared<crl_set>();
  std::vector<x509_ptr> cas;
  if (!read_all<X509_CRL, PEM_read_bio_X509_CRL, X509_CRL_free>(crl_file,
                                                                set->crls))
    return {nullptr, problem(crl_file, "cannot be read"), {}};
  if (set->crls.empty())
    return {nullptr,
            problem(crl_file, "holds no PEM CRL (-----BEGIN X509 CRL-----)"),
            {}};
  if (!read_all<X509, PEM_read_bio_X509, X509_free>(ca_file, cas)
      || cas.empty())
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

namespace {

int store_index() {
  static const int index
    = X509_STORE_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void free_serial(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(ptr);
}

int ssl_index() {
  static const int index
    = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_serial);
  return index;
}

crl_store* store_of(const X509_STORE_CTX* x) {
  return static_cast<crl_store*>(
    X509_STORE_get_ex_data(X509_STORE_CTX_get0_store(x), store_index()));
}

STACK_OF(X509_CRL) * lookup_crls(const X509_STORE_CTX* x, const X509_NAME* nm) {
  auto* self = store_of(x);
  return self != nullptr ? self->current()->of(nm) : sk_X509_CRL_new_null();
}

std::string serial_of(X509* cert) {
  std::string out;
  if (cert == nullptr)
    return out;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr) {
    out = hex;
    OPENSSL_free(hex);
  }
  BN_free(bn);
  return out;
}

/// A revoked certificate fails the handshake (its serial kept for the
/// gateway's log line and audit record). A CA of client_ca_file without a
/// CRL, or a CRL past its nextUpdate, does not fail it (docs/SECURITY.md).
int on_verify(int ok, X509_STORE_CTX* x) {
  if (ok == 1)
    return 1;
  switch (X509_STORE_CTX_get_error(x)) {
  case X509_V_ERR_UNABLE_TO_GET_CRL:
  case X509_V_ERR_CRL_HAS_EXPIRED:
  case X509_V_ERR_CRL_NOT_YET_VALID:
    X509_STORE_CTX_set_error(x, X509_V_OK);
    return 1;
  case X509_V_ERR_CERT_REVOKED: {
    auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl != nullptr && SSL_get_ex_data(ssl, ssl_index()) == nullptr)
      SSL_set_ex_data(
        ssl, ssl_index(),
        new std::string(serial_of(X509_STORE_CTX_get_current_cert(x))));
    return 0;
  }
  default:
    return 0;
  }
}

/// A resumed session is refused (a full handshake instead) when its
/// client certificate has been revoked since.
SSL_TICKET_RETURN on_ticket(SSL*, SSL_SESSION* session, const unsigned char*,
                            size_t, SSL_TICKET_STATUS status, void* arg) {
  switch (status) {
  case SSL_TICKET_SUCCESS:
  case SSL_TICKET_SUCCESS_RENEW: {
    X509* peer = SSL_SESSION_get0_peer(session);
    if (peer != nullptr && static_cast<crl_store*>(arg)->revoked(peer))
      return SSL_TICKET_RETURN_IGNORE;
    return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE
                                        : SSL_TICKET_RETURN_USE_RENEW;
  }
  case SSL_TICKET_FATAL_ERR_MALLOC:
  case SSL_TICKET_FATAL_ERR_OTHER:
    return SSL_TICKET_RETURN_ABORT;
  default: // none, or one this server cannot decrypt: a new one
    return SSL_TICKET_RETURN_IGNORE_RENEW;
  }
}

} // namespace

crl_store::crl_store(std::string crl_file, std::string ca_file)
    : crl_file_(std::move(crl_file)), ca_file_(std::move(ca_file)) {}

crl_store::~crl_store() {
  {
    std::lock_guard lock{stop_mutex_};
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reloader_.joinable())
    reloader_.join();
}

crl_store::file_stamp crl_store::stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return {};
  return {static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL
            + st.st_mtim.tv_nsec,
          static_cast<long long>(st.st_size),
          static_cast<unsigned long long>(st.st_ino)};
}

bool crl_store::load(std::string& error) {
  seen_ = stamp_of(crl_file_);
  auto loaded = load_crls(crl_file_, ca_file_);
  if (!loaded.crls) {
    error = loaded.error;
    return false;
  }
  for (const auto& w : loaded.warnings)
    logger("tls")->warn("{}", w);
  std::lock_guard lock{mutex_};
  current_ = std::move(loaded.crls);
  return true;
}

void crl_store::attach(SSL_CTX* ctx) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  X509_STORE_set_ex_data(store, store_index(), this);
  X509_STORE_set_lookup_crls(store, &lookup_crls);
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx) | SSL_VERIFY_PEER,
                     &on_verify);
  SSL_CTX_set_session_ticket_cb(ctx, nullptr, &on_ticket, this);
  std::lock_guard lock{mutex_};
  ctx_ = ctx;
}

bool crl_store::reload_if_changed() {
  auto now = stamp_of(crl_file_);
  if (now == seen_)
    return false;
  seen_ = now; // a bad file is reported once, not at every check
  auto loaded = load_crls(crl_file_, ca_file_);
  if (!loaded.crls) {
    logger("tls")->error("{}: keeping the CRLs in force", loaded.error);
    return false;
  }
  for (const auto& w : loaded.warnings)
    logger("tls")->warn("{}", w);
  auto count = loaded.crls->crls.size();
  SSL_CTX* ctx = nullptr;
  {
    std::lock_guard lock{mutex_};
    current_ = std::move(loaded.crls);
    ctx = ctx_;
  }
  // Sessions of the server cache were made under the old CRLs: gone, so
  // that a revoked device cannot resume one (tickets: on_ticket).
  if (ctx != nullptr)
    SSL_CTX_flush_sessions(ctx, 0);
  logger("tls")->info("edge_tls.crl_file \"{}\": reloaded ({} CRLs)", crl_file_,
                      count);
  return true;
}

void crl_store::start_reloading(std::chrono::seconds period) {
  if (period.count() <= 0 || reloader_.joinable())
    return;
  reloader_ = std::thread([this, period] {
    std::unique_lock lock{stop_mutex_};
    while (!stop_cv_.wait_for(lock, period, [this] { return stopping_; }))
      reload_if_changed();
  });
}

bool crl_store::revoked(X509* cert) const {
  return current()->lists(cert);
}

std::shared_ptr<const crl_set> crl_store::current() const {
  std::lock_guard lock{mutex_};
  return current_;
}

std::string revoked_serial(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_ERR_CERT_REVOKED)
    return {};
  auto* serial
    = static_cast<const std::string*>(SSL_get_ex_data(ssl, ssl_index()));
  return serial != nullptr ? *serial : std::string{};
}

} // namespace tether::net::tls
