// crl_store: the certificate revocation lists of the device CA ([edge_tls]
// crl_file, docs/SECURITY.md "Device certificates"). Loaded and checked at
// start (every CRL issued and signed by a CA of client_ca_file), attached
// to the gateway's server context so that a revoked client certificate
// fails the TLS handshake, and re-read when the file changes (a bad new
// file keeps the CRLs in force). Thread-safe: handshakes on any I/O thread
// read the current set while the reload thread replaces it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

namespace tether::net::tls {

/// The CRLs of one read of the file (immutable once loaded).
class crl_set;

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

class crl_store {
public:
  crl_store(std::string crl_file, std::string ca_file);
  /// Stops the reload thread (at most one check in progress is awaited).
  ~crl_store();
  crl_store(const crl_store&) = delete;
  crl_store& operator=(const crl_store&) = delete;

  /// The first read; false with the reason in `error`.
  bool load(std::string& error);

  /// `ctx` checks client certificates against the current CRLs from now
  /// on: at the handshake, and when a session is resumed.
  void attach(SSL_CTX* ctx);

  /// Re-reads the file when its modification time, size or inode changed:
  /// true when new CRLs are in force; false when unchanged or when the new
  /// file is bad (logged, naming the file; the old CRLs stay).
  bool reload_if_changed();

  /// reload_if_changed every `period` on a thread of its own until
  /// destroyed; a zero period: never.
  void start_reloading(std::chrono::seconds period);

  /// Whether `cert` is listed in the current CRLs of its issuer.
  bool revoked(X509* cert) const;

  std::shared_ptr<const crl_set> current() const;

private:
  struct file_stamp {
    long long mtime_ns = -1;
    long long size = -1;
    unsigned long long inode = 0;
    bool operator==(const file_stamp&) const = default;
  };
  static file_stamp stamp_of(const std::string& path);

  std::string crl_file_;
  std::string ca_file_;
  mutable std::mutex mutex_; // current_, ctx_
  std::shared_ptr<const crl_set> current_;
  SSL_CTX* ctx_ = nullptr;
  file_stamp seen_; // only the reload thread (and load) touch it

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread reloader_;
};

/// The serial (upper-case hex) of the client certificate that failed the
/// handshake of `ssl` as revoked; empty for any other outcome.
std::string revoked_serial(const SSL* ssl);

} // namespace tether::net::tls
