// api_keys: the gateway's copy of the service and operator API keys
// (docs/API.md "Keys", docs/SECURITY.md). The keys are stored in the
// control's store (hashed); each gateway holds their hashes here, so that
// checking `Authorization: Bearer <key>` costs no round trip. Plain C++:
// the http_gateway actor keeps it fresh (at start, after its own changes,
// periodically, and when a key it does not know is presented), and asks it
// before routing a request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/policy/api.hpp"
#include "storage/records.hpp"

namespace tether {

/// Every scope, in the contract's order.
const std::vector<std::string>& all_scopes();
bool known_scope(std::string_view scope);

/// Lowercase hex SHA-256 of a key's text (what is stored).
std::string hash_key(std::string_view key);
/// A new key: "tk_" + 64 random hex digits (256 bits).
std::string new_api_key();
/// A new key id: "k" + 16 random hex digits.
std::string new_key_id();

/// What a route asks of the caller: nothing (`open`), or a key with one of
/// `any_of` (for /healthz a key is optional: `open`, and the full body
/// needs "admin").
struct route_access {
  bool open = false;
  std::vector<std::string_view> any_of;
};
route_access access_of(api::route::kind_t kind);

/// The outcome of checking a request's credential.
struct key_check {
  errc refused = errc::unauthorized; // or forbidden, when not ok
  bool ok = false;                   // accepted
  bool known = false; // the key was found (false: missing or unknown)
  std::string key_id; // of the key presented, when known
  std::string reason; // why refused, for the error message
};

class api_keys {
public:
  /// Replaces every key (the store's list) as of `now`.
  void replace(std::vector<storage::api_key_record> keys, int64_t now);
  void add(storage::api_key_record key);
  void remove(const std::string& key_id);

  bool loaded() const { return loaded_at_ms_ > 0; }
  int64_t loaded_at_ms() const { return loaded_at_ms_; }

  /// The key of an `Authorization` header value ("Bearer <key>", scheme
  /// case-insensitive), or nothing.
  static std::optional<std::string_view> bearer(std::string_view header);

  /// The key an `Authorization` header names, if it is known.
  const storage::api_key_record* find(std::string_view header) const;

  /// Checks `header` for a route that needs one of `any_of`.
  key_check check(std::string_view header,
                  const std::vector<std::string_view>& any_of) const;

  /// Whether the key of `header` is known and has `scope`.
  bool allows(std::string_view header, std::string_view scope) const;

private:
  void forget_last() const;

  std::unordered_map<std::string, storage::api_key_record> by_hash_;
  int64_t loaded_at_ms_ = 0;
  // The last key looked up and its hash. A request looks its key up three
  // times (admission, scope, push rate) and a service sends many requests
  // with one key: without this each lookup hashed the key again (SHA-256
  // and hex, about 7,000 instructions; docs/BENCHMARKS.md §4). Compared in
  // constant time; the table is still asked each time, so a key removed
  // or replaced is refused at once.
  mutable std::string last_key_;
  mutable std::string last_hash_;
};

/// POST /v1/admin/keys: {"name":"..","scopes":[known scopes, at least one]}.
std::string decode_key_request(std::string_view body, std::string& name,
                               std::vector<std::string>& scopes);
/// A key as GET /v1/admin/keys lists it (never the key nor its hash);
/// `key` non-empty: the answer to its creation, the only time it is shown.
std::string encode_key(const storage::api_key_record& k,
                       const std::string& key = {});
std::string encode_keys(const std::vector<storage::api_key_record>& ks);

} // namespace tether
