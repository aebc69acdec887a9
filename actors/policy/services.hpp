// services: which services a device serves (docs/API.md, register body
// `services`), and the connection id a connected device has per service
// (`hello`'s `service_connections`). Plain C++, no actor: the HTTP codec
// validates with it, the control checks pushes with it, the balancer makes
// the connection ids. Unit-tested in tests/actors/policy/services_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"

namespace tether::services {

/// At most this many services per device.
constexpr size_t max_services = 16;

/// The services of a device that declared none (every device registered
/// before services existed is a printer): `print`.
const std::vector<std::string>& default_list();

/// A service name: 1-32 characters of [a-z0-9_-].
bool valid_name(std::string_view name);

/// Why `names` is not a valid `services` list (1-16 distinct valid names),
/// or empty when it is.
std::string check(const std::vector<std::string>& names);

/// The services `rec` serves: its declared list, else the default list.
const std::vector<std::string>& of(const storage::terminal_record& rec);

/// Whether `rec` serves `service`.
bool serves(const storage::terminal_record& rec, const std::string& service);
/// Whether a device that declared `declared` (empty: none) serves `service`.
bool serves(const std::vector<std::string>& declared,
            const std::string& service);

/// The secret a WebSocket's connection ids derive from: 128 random bits
/// made when the device is admitted and kept for the socket's life, 16
/// bytes per connection where a map of ids would cost a few hundred (issue
/// 12). All zero: none (no ids).
struct connection_key {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool empty() const { return hi == 0 && lo == 0; }
  friend bool operator==(const connection_key& a, const connection_key& b) {
    return a.hi == b.hi && a.lo == b.lo;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_key& x) {
  return f(x.hi, x.lo);
}

/// A new key from OpenSSL's generator (never all zero).
connection_key new_connection_key();

/// The connection id of `service` on the WebSocket of `key`: "s" + 32 hex
/// digits, the first 128 bits of HMAC-SHA256(key, service). Unguessable
/// without the key, one unrelated to the next, and the same wherever it is
/// derived (the balancer, a session on any node).
std::string connection_id(const connection_key& key, std::string_view service);

/// The connection id per service of `names` (none when `key` is empty).
std::map<std::string, std::string>
connection_ids(const connection_key& key,
               const std::vector<std::string>& names);

} // namespace tether::services
