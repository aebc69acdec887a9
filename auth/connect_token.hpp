// connect_token: the credential a device presents to a balancer. The HTTP
// gateway issues it on register and destination; a balancer checks it
// before the WebSocket upgrade, without asking the control.
//
//   token = base64url(claims) "." base64url(Ed25519 signature of claims)
//   claims = "t1" "\n" kid "\n" terminal_id "\n" cluster_id "\n" generation
//            "\n" expires (unix seconds)
//
// kid = the first 16 hex digits of SHA-256(public key): a verifier knows
// several keys (rotation), each token names the one that signed it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace tether::auth {

struct token_claims {
  std::string kid;
  std::string terminal_id;
  std::string cluster_id;
  uint64_t generation = 0;
  int64_t expires_s = 0;
};

/// The claims of a token, unverified; nothing when malformed.
std::optional<token_claims> peek_token(std::string_view token);

/// The kid of a raw 32-byte Ed25519 public key.
std::string key_id(std::string_view public_key);

/// Signs tokens with an Ed25519 private key (its raw 32-byte seed).
class token_signer {
public:
  /// Nothing when `seed` is not 32 bytes or OpenSSL refuses it.
  static std::shared_ptr<token_signer> from_seed(std::string_view seed);
  ~token_signer();

  const std::string& public_key() const { return public_key_; } // raw
  const std::string& kid() const { return kid_; }

  /// A token for `terminal_id` in `cluster_id`, valid until now + ttl.
  std::string issue(std::string_view terminal_id, std::string_view cluster_id,
                    uint64_t generation, int64_t now_s,
                    std::chrono::seconds ttl) const;

private:
  token_signer() = default;
  void* pkey_ = nullptr; // EVP_PKEY
  std::string public_key_;
  std::string kid_;
};

/// Checks tokens against the public keys it knows (thread-safe). Keys come
/// from `add` or from a file of hex public keys, one a line, read when a
/// token names a kid not known yet (at most once a second).
class token_verifier {
public:
  token_verifier() = default;
  explicit token_verifier(std::string key_file) : file_(std::move(key_file)) {}
  ~token_verifier();
  token_verifier(const token_verifier&) = delete;
  token_verifier& operator=(const token_verifier&) = delete;

  /// Adds a raw 32-byte public key; false when OpenSSL refuses it.
  bool add(std::string_view public_key);

  /// Empty when `token` is valid for `terminal_id` in `cluster_id` at
  /// `now_s`; else why not (for the 401's message).
  std::string verify(std::string_view token, std::string_view terminal_id,
                     std::string_view cluster_id, int64_t now_s);

private:
  void* key_of(const std::string& kid, int64_t now_s);
  void load_file(int64_t now_s);

  std::mutex mtx_;
  std::map<std::string, void*> keys_; // kid -> EVP_PKEY
  std::string file_;
  int64_t file_read_s_ = 0;
};

} // namespace tether::auth
