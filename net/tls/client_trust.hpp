// client_trust: what the gateway's TLS listener trusts in client
// certificates ([edge_tls] client_ca_file and crl_file, docs/SECURITY.md
// "Device certificates"): the device CAs and their CRLs, read and checked
// at start (trust_files.hpp) and re-read every crl_reload_s when either
// file changed. A bad new file (either one) keeps both in force, logged
// and audited. Each handshake takes the CAs in force when it starts (a
// verify store of its own, installed by the certificate callback), so a
// reload never changes a store under a running handshake. Revocation is
// checked for every certificate of a chain (X509_V_FLAG_CRL_CHECK_ALL): the
// CRL of a root CA can revoke an intermediate CA, the intermediate's CRL
// its devices. Resumed sessions: the server cache is emptied at a reload;
// a ticket is refused when its certificate was revoked since, or when it
// was issued before the CAs last changed. Thread-safe: handshakes on any
// I/O thread read the current set while the reload thread replaces it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <openssl/ssl.h>

#include "net/tls/trust_files.hpp"

namespace tether::net::tls {

class client_trust {
public:
  /// `crl_file` may be empty (no revocation lists).
  client_trust(std::string ca_file, std::string crl_file);
  /// Stops the reload thread (at most one check in progress is awaited).
  ~client_trust();
  client_trust(const client_trust&) = delete;
  client_trust& operator=(const client_trust&) = delete;

  /// The first read; false with the reason in `error` (naming the setting
  /// and the file).
  bool load(std::string& error);

  /// `ctx` asks for client certificates and checks them against what is in
  /// force: at the handshake, and when a session is resumed.
  void attach(SSL_CTX* ctx);

  /// Re-reads both files when the modification time, size or inode of one
  /// changed: true when new ones are in force; false when unchanged or
  /// when a new file is bad (logged and audited, naming the file; what was
  /// in force stays).
  bool reload_if_changed();

  /// reload_if_changed every `period` on a thread of its own until
  /// destroyed; a zero period: never.
  void start_reloading(std::chrono::seconds period);

  /// Whether `cert` is listed in the current CRLs of its issuer.
  bool revoked(X509* cert) const;

  /// Verifies `cert` (with the untrusted certificates `chain`, may be
  /// null) as a handshake starting now would: X509_V_OK or the error.
  int verify(X509* cert, STACK_OF(X509) * chain) const;

  /// The CRLs in force (an empty set without a crl_file).
  std::shared_ptr<const crl_set> crls() const;

  /// Raised at every reload that changed the CAs.
  uint64_t generation() const;

  /// The verify store of the CAs in force, with a reference for the
  /// caller (null if none can be taken): revocation checked through this
  /// object's CRLs, for every certificate of a chain.
  X509_STORE* new_store() const;

  /// The names of the CAs in force, as sent in a CertificateRequest (a
  /// copy for the caller).
  STACK_OF(X509_NAME) * ca_names() const;

private:
  struct file_stamp {
    long long mtime_ns = -1;
    long long size = -1;
    unsigned long long inode = 0;
    bool operator==(const file_stamp&) const = default;
  };
  static file_stamp stamp_of(const std::string& path);
  /// Both files read; false with the reason in `error`.
  bool read(std::shared_ptr<const ca_set>& cas,
            std::shared_ptr<const crl_set>& crls, std::string& error) const;

  /// Puts `cas` and `crls` in force (`new_cas`: the CAs changed).
  void install(const ca_set& cas, std::shared_ptr<const crl_set> crls,
               bool new_cas);

  std::string ca_file_;
  std::string crl_file_;
  mutable std::mutex mutex_;    // store_, names_, crls_, generation_, ctx_
  X509_STORE* store_ = nullptr; // the CAs in force
  STACK_OF(X509_NAME) * names_ = nullptr; // ... their names
  std::shared_ptr<const crl_set> crls_;
  uint64_t generation_ = 0;
  SSL_CTX* ctx_ = nullptr;
  file_stamp seen_ca_, seen_crl_; // only the reload thread (and load)

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread reloader_;
};

/// The serial (upper-case hex) of the client certificate that failed the
/// handshake of `ssl` as revoked; empty for any other outcome.
std::string revoked_serial(const SSL* ssl);

} // namespace tether::net::tls
