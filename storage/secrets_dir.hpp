// secrets_dir: the deployment's secrets under DATA/secrets/ (mode 0700):
// one file per secret, created with random content on first start, read on
// every later start. Who uses which file: docs/SECURITY.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace tether::storage {

class secrets_dir {
public:
  /// DATA/secrets; created (0700) by `open` when missing.
  explicit secrets_dir(std::string data_dir);

  /// Creates the folder when missing and checks that only its owner may
  /// read it; false with the reason in `error` otherwise.
  bool open(std::string& error);

  const std::string& path() const { return path_; }

  /// The secret in file `name` (a relative path, e.g. "admin-key" or
  /// "enrollment/default"), without its trailing newline. When the file is
  /// missing it is created (0600) with `random_bytes` random bytes as hex;
  /// `created` tells the caller (to print where it is). Nothing with the
  /// reason in `error` when it cannot be read or written.
  std::optional<std::string> read_or_create(const std::string& name,
                                            size_t random_bytes, bool& created,
                                            std::string& error) const;

  /// The secret in file `name` if it exists (nothing, no error, when not).
  std::optional<std::string> read(const std::string& name,
                                  std::string& error) const;

  /// Writes (0600, replacing) the secret in file `name`.
  bool write(const std::string& name, const std::string& value,
             std::string& error) const;

private:
  std::string path_;
};

/// `n` random bytes from the kernel's generator, as lowercase hex: for
/// secrets (API keys, the admin key), which never pass through a pool.
std::string random_hex(size_t n);

/// The same from this thread's random_pool (random_pool.hpp): for ids
/// made at a high rate (job ids), without a system call each.
std::string pooled_random_hex(size_t n);

} // namespace tether::storage
