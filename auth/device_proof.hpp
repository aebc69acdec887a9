// device_proof: a device proves its identity on the device routes of the
// HTTP API with
//   Authorization: Tether-Device kid=<group>,ts=<unix s>,nonce=<hex>,sig=<hex>
// where sig = hex(HMAC-SHA256(device_key, string_to_sign)) and the device
// key is HMAC-SHA256(group_key, terminal_id): burnt in at the factory, never
// stored by the server (docs/API.md "Device identity").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/nonce_cache.hpp"

namespace tether::auth {

/// An enrollment group: its id (the header's `kid`) and 32-byte key (raw).
struct enrollment_group {
  std::string id;
  std::string key;
  bool enabled = true;
};

/// The device key (raw, 32 bytes) of `terminal_id` in a group.
std::string device_key(std::string_view group_key,
                       std::string_view terminal_id);

/// METHOD "\n" TARGET "\n" ts "\n" nonce "\n" hex(SHA-256(body)).
std::string string_to_sign(std::string_view method, std::string_view target,
                           int64_t ts, std::string_view nonce,
                           std::string_view body);

/// The Authorization header value of a request signed with `key`.
std::string proof_header(std::string_view group_id, std::string_view key,
                         std::string_view method, std::string_view target,
                         std::string_view body, int64_t ts,
                         std::string_view nonce);

struct proof_fields {
  std::string kid;
  int64_t ts = 0;
  std::string nonce;
  std::string sig; // hex
};

/// The fields of a `Tether-Device` header; nothing when malformed (any
/// field missing or repeated, nonce not 16-64 hex, ts not a number).
std::optional<proof_fields> parse_proof(std::string_view authorization);

/// Checks proofs against the enrollment groups and remembers their nonces.
/// One owner (not thread-safe: the nonce cache).
class device_verifier {
public:
  explicit device_verifier(std::vector<enrollment_group> groups,
                           int64_t max_skew_s = 300,
                           size_t nonce_capacity = 1'000'000);

  /// Empty when `authorization` proves `terminal_id` for this request at
  /// `now_s`; else why not (for the 401's message).
  std::string check(std::string_view authorization,
                    std::string_view terminal_id, std::string_view method,
                    std::string_view target, std::string_view body,
                    int64_t now_s);

  const std::vector<enrollment_group>& groups() const { return groups_; }

private:
  std::vector<enrollment_group> groups_;
  int64_t max_skew_s_;
  nonce_cache nonces_;
};

} // namespace tether::auth
