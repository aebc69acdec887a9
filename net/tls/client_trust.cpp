#include "net/tls/client_trust.hpp"

#include <sys/stat.h>

#include <cstring>
#include <utility>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "actors/system/audit.hpp"
#include "actors/system/log.hpp"

namespace tether::net::tls {

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

const client_trust* trust_of(const X509_STORE_CTX* x) {
  return static_cast<const client_trust*>(
    X509_STORE_get_ex_data(X509_STORE_CTX_get0_store(x), store_index()));
}

STACK_OF(X509_CRL) * lookup_crls(const X509_STORE_CTX* x, const X509_NAME* nm) {
  const auto* self = trust_of(x);
  return self != nullptr ? self->crls()->of(nm) : sk_X509_CRL_new_null();
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

/// Before the server's certificate is chosen, in every full handshake: the
/// handshake verifies against the CAs in force now, and names them in its
/// CertificateRequest.
int on_client_hello(SSL* ssl, void* arg) {
  const auto* self = static_cast<const client_trust*>(arg);
  X509_STORE* store = self->new_store();
  bool ok = store != nullptr && SSL_set1_verify_cert_store(ssl, store) == 1;
  X509_STORE_free(store);
  if (ok)
    SSL_set_client_CA_list(ssl, self->ca_names());
  return ok ? 1 : 0;
}

/// A new ticket carries the generation of the CAs it was made under.
int on_new_ticket(SSL* ssl, void* arg) {
  auto generation = static_cast<const client_trust*>(arg)->generation();
  return SSL_SESSION_set1_ticket_appdata(SSL_get0_session(ssl), &generation,
                                         sizeof generation);
}

/// Whether a ticket's session with client certificate `peer` may resume:
/// not revoked since, and made under the CAs in force.
bool may_resume(const client_trust& self, SSL_SESSION* session, X509* peer) {
  if (self.revoked(peer))
    return false;
  void* data = nullptr;
  size_t size = 0;
  uint64_t generation = 0;
  if (SSL_SESSION_get0_ticket_appdata(session, &data, &size) != 1
      || size != sizeof generation)
    return false;
  std::memcpy(&generation, data, sizeof generation);
  return generation == self.generation();
}

/// A resumed session is refused (a full handshake instead) when its client
/// certificate has been revoked since, or the CAs changed since.
SSL_TICKET_RETURN on_ticket(SSL*, SSL_SESSION* session, const unsigned char*,
                            size_t, SSL_TICKET_STATUS status, void* arg) {
  switch (status) {
  case SSL_TICKET_SUCCESS:
  case SSL_TICKET_SUCCESS_RENEW: {
    X509* peer = SSL_SESSION_get0_peer(session);
    if (peer != nullptr
        && !may_resume(*static_cast<const client_trust*>(arg), session, peer))
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

client_trust::client_trust(std::string ca_file, std::string crl_file)
    : ca_file_(std::move(ca_file)), crl_file_(std::move(crl_file)),
      crls_(std::make_shared<crl_set>()) {}

client_trust::~client_trust() {
  {
    std::lock_guard lock{stop_mutex_};
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reloader_.joinable())
    reloader_.join();
  X509_STORE_free(store_);
  sk_X509_NAME_pop_free(names_, X509_NAME_free);
}

client_trust::file_stamp client_trust::stamp_of(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0)
    return {};
  return {static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL
            + st.st_mtim.tv_nsec,
          static_cast<long long>(st.st_size),
          static_cast<unsigned long long>(st.st_ino)};
}

bool client_trust::read(std::shared_ptr<const ca_set>& cas,
                        std::shared_ptr<const crl_set>& crls,
                        std::string& error) const {
  auto read_cas = load_client_cas(ca_file_);
  if (!read_cas.cas) {
    error = read_cas.error;
    return false;
  }
  cas = std::move(read_cas.cas);
  crls = std::make_shared<crl_set>();
  if (crl_file_.empty())
    return true;
  auto read_crls = load_crls(crl_file_, ca_file_);
  for (const auto& w : read_crls.warnings)
    logger("tls")->warn("{}", w);
  if (!read_crls.crls) {
    error = read_crls.error;
    return false;
  }
  crls = std::move(read_crls.crls);
  return true;
}

void client_trust::install(const ca_set& cas,
                           std::shared_ptr<const crl_set> crls, bool new_cas) {
  X509_STORE* store = nullptr;
  STACK_OF(X509_NAME)* names = nullptr;
  if (new_cas) {
    store = X509_STORE_new();
    names = sk_X509_NAME_new_null();
    for (const auto& ca : cas.cas) {
      X509_STORE_add_cert(store, ca.get());
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca.get())));
    }
    X509_STORE_set_ex_data(store, store_index(), this);
    X509_STORE_set_verify_cb(store, &on_verify);
    if (!crl_file_.empty()) {
      X509_STORE_set_lookup_crls(store, &lookup_crls);
      X509_STORE_set_flags(store,
                           X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
    ERR_clear_error(); // a CA listed twice reads as an error
  }
  std::lock_guard lock{mutex_};
  crls_ = std::move(crls);
  if (!new_cas)
    return;
  std::swap(store, store_);
  std::swap(names, names_);
  ++generation_;
  X509_STORE_free(store); // handshakes under way keep their reference
  sk_X509_NAME_pop_free(names, X509_NAME_free);
}

bool client_trust::load(std::string& error) {
  seen_ca_ = stamp_of(ca_file_);
  seen_crl_ = stamp_of(crl_file_);
  std::shared_ptr<const ca_set> cas;
  std::shared_ptr<const crl_set> crls;
  if (!read(cas, crls, error))
    return false;
  install(*cas, std::move(crls), true);
  return true;
}

void client_trust::attach(SSL_CTX* ctx) {
  SSL_CTX_set_cert_cb(ctx, &on_client_hello, this);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &on_verify);
  SSL_CTX_set_session_ticket_cb(ctx, &on_new_ticket, &on_ticket, this);
  std::lock_guard lock{mutex_};
  ctx_ = ctx;
}

bool client_trust::reload_if_changed() {
  auto ca_now = stamp_of(ca_file_);
  auto crl_now = stamp_of(crl_file_);
  bool new_cas = !(ca_now == seen_ca_);
  if (!new_cas && crl_now == seen_crl_)
    return false;
  seen_ca_ = ca_now; // a bad file is reported once, not at every check
  seen_crl_ = crl_now;
  std::shared_ptr<const ca_set> cas;
  std::shared_ptr<const crl_set> crls;
  std::string error;
  if (!read(cas, crls, error)) {
    logger("tls")->error("{}: keeping the client CAs and CRLs in force", error);
    audit("tls.reload_refused", {{"problem", error}});
    return false;
  }
  install(*cas, crls, new_cas);
  SSL_CTX* ctx = nullptr;
  {
    std::lock_guard lock{mutex_};
    ctx = ctx_;
  }
  // Sessions of the server cache were made under the old files: gone, so
  // that a device no longer trusted cannot resume one (tickets: on_ticket).
  if (ctx != nullptr)
    SSL_CTX_flush_sessions(ctx, 0);
  logger("tls")->info("edge_tls.client_ca_file \"{}\" ({} CAs) and crl_file "
                      "\"{}\" ({} CRLs): reloaded",
                      ca_file_, cas->cas.size(), crl_file_, crls->crls.size());
  return true;
}

void client_trust::start_reloading(std::chrono::seconds period) {
  if (period.count() <= 0 || reloader_.joinable())
    return;
  reloader_ = std::thread([this, period] {
    std::unique_lock lock{stop_mutex_};
    while (!stop_cv_.wait_for(lock, period, [this] { return stopping_; }))
      reload_if_changed();
  });
}

bool client_trust::revoked(X509* cert) const {
  return crls()->lists(cert);
}

int client_trust::verify(X509* cert, STACK_OF(X509) * chain) const {
  X509_STORE* store = new_store();
  X509_STORE_CTX* x = X509_STORE_CTX_new();
  int result = X509_V_ERR_UNSPECIFIED;
  if (store != nullptr && x != nullptr
      && X509_STORE_CTX_init(x, store, cert, chain) == 1) {
    X509_STORE_CTX_set_purpose(x, X509_PURPOSE_SSL_CLIENT);
    result = X509_verify_cert(x) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(x);
  }
  X509_STORE_CTX_free(x);
  X509_STORE_free(store);
  ERR_clear_error();
  return result;
}

std::shared_ptr<const crl_set> client_trust::crls() const {
  std::lock_guard lock{mutex_};
  return crls_;
}

uint64_t client_trust::generation() const {
  std::lock_guard lock{mutex_};
  return generation_;
}

X509_STORE* client_trust::new_store() const {
  std::lock_guard lock{mutex_};
  if (store_ == nullptr || X509_STORE_up_ref(store_) != 1)
    return nullptr;
  return store_;
}

STACK_OF(X509_NAME) * client_trust::ca_names() const {
  std::lock_guard lock{mutex_};
  return SSL_dup_CA_list(names_);
}

std::string revoked_serial(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_ERR_CERT_REVOKED)
    return {};
  auto* serial
    = static_cast<const std::string*>(SSL_get_ex_data(ssl, ssl_index()));
  return serial != nullptr ? *serial : std::string{};
}

} // namespace tether::net::tls
