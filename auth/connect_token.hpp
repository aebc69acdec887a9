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

#include "auth/ed25519.hpp"

namespace tether::auth {

class issued_tokens;

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
  /// Nothing when `seed` is not 32 bytes or libsodium is not ready.
  static std::shared_ptr<token_signer> from_seed(std::string_view seed);
  ~token_signer();

  const std::string& public_key() const { return key_.public_key(); } // raw
  const std::string& kid() const { return kid_; }

  /// From now on every token issued is also added to `set` (a balancer of
  /// this process takes it without the Ed25519 verify; issued_tokens.hpp).
  /// Called while the process is wired, before the signer issues.
  void remember_in(std::shared_ptr<issued_tokens> set) {
    remembered_ = std::move(set);
  }

  /// A token for `terminal_id` in `cluster_id`, valid until now + ttl.
  std::string issue(std::string_view terminal_id, std::string_view cluster_id,
                    uint64_t generation, int64_t now_s,
                    std::chrono::seconds ttl) const;

private:
  explicit token_signer(ed25519::signing_key key) : key_(std::move(key)) {}
  ed25519::signing_key key_;
  std::string kid_;
  std::shared_ptr<issued_tokens> remembered_; // null: none kept
};

/// One line of a public-key file: `<64 hex> [<unix seconds>]`, the key
/// verifying until that time when given (a retired signing key: its tokens
/// expire by then). Nothing for a line that is not one.
struct listed_key {
  std::string public_key; // raw, 32 bytes
  int64_t until_s = 0;    // 0: no end
};
std::optional<listed_key> parse_key_line(std::string_view line);
std::string key_line(const listed_key& k);

/// The public-key file a gateway writes at start, from the file as it was
/// (`current`) and its signing key: the signer's key first, without an end;
/// every other key that still verifies stays, and one without an end (the
/// previous signer) gets now + ttl (its last tokens expire by then); keys
/// past their end are dropped.
std::string public_key_file(std::string_view current,
                            std::string_view signer_public, int64_t now_s,
                            std::chrono::seconds ttl);

/// Checks tokens against the public keys it knows (thread-safe). Keys come
/// from `add` (kept for good) or from a file of key lines (parse_key_line),
/// read when a token names a kid not known yet (at most once a second) and
/// every 10 s: a line removed from the file, or past its time, no longer
/// verifies (signing-key rotation, docs/SECURITY.md).
class token_verifier {
public:
  token_verifier() = default;
  explicit token_verifier(std::string key_file) : file_(std::move(key_file)) {}
  ~token_verifier();
  token_verifier(const token_verifier&) = delete;
  token_verifier& operator=(const token_verifier&) = delete;

  /// Adds a raw 32-byte public key; false when it is not 32 bytes.
  bool add(std::string_view public_key);

  /// Tokens found in `set` (issued by this process's signer, exact bytes)
  /// skip the Ed25519 verify; every other check still runs. Called while
  /// the process is wired, before the verifier checks tokens.
  void trust_issued(std::shared_ptr<issued_tokens> set) {
    issued_ = std::move(set);
  }

  /// Empty when `token` is valid for `terminal_id` in `cluster_id` at
  /// `now_s`; else why not (for the 401's message).
  std::string verify(std::string_view token, std::string_view terminal_id,
                     std::string_view cluster_id, int64_t now_s);

  /// The connect `token` was checked for went through (upgraded): a token
  /// of the trusted set is forgotten there, so that a later reconnect with
  /// it is verified the long way. Until then a refusal that was not about
  /// the token (busy, flapping, the upgrade failing) leaves it usable.
  void connected(std::string_view token);

  /// Revocation: tokens of `terminal_id` whose generation is below
  /// `min_generation` are refused from now on. True when that raised the
  /// terminal's generation (it never goes down).
  bool revoke(const std::string& terminal_id, uint64_t min_generation);
  /// The lowest generation a token of `terminal_id` needs (0: any).
  uint64_t min_generation(const std::string& terminal_id);

private:
  struct known_key {
    std::string public_key; // raw, 32 bytes
    int64_t until_s = 0;    // 0: no end
    bool pinned = false;    // from `add`: not dropped by a reload
  };
  /// The raw public key of `kid` if it verifies at `now_s`; else empty.
  std::string key_of(const std::string& kid, int64_t now_s);
  void load_file(int64_t now_s);

  std::mutex mtx_;
  std::map<std::string, known_key> keys_; // by kid
  /// Revoked terminals only (small): terminal id -> lowest valid generation.
  std::map<std::string, uint64_t, std::less<>> min_generation_;
  std::string file_;
  int64_t file_read_s_ = 0;
  std::shared_ptr<issued_tokens> issued_; // null: every token verified
};

} // namespace tether::auth
