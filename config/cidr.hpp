// cidr: IP addresses and address ranges ("10.0.0.0/8", "::1/128") as plain
// bytes, for the callback allow list ([callbacks] allow_cidrs) and the
// checks of actors/policy/callback_address. No sockets: parsing is
// inet_pton, matching compares prefixes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::config {

/// An IPv4 (first 4 bytes used) or IPv6 address.
struct ip_address {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  std::string to_string() const;
  bool operator==(const ip_address& other) const {
    return v6 == other.v6 && bytes == other.bytes;
  }
};

/// A dotted IPv4 or an IPv6 address (no brackets), strictly as inet_pton
/// reads it; nothing otherwise.
std::optional<ip_address> parse_ip(std::string_view text);

/// An address range: the address and how many leading bits must match.
struct cidr {
  ip_address base;
  uint8_t prefix = 0;

  /// Whether `a` lies in the range (an IPv4 range never holds an IPv6
  /// address: callers unwrap mapped forms first).
  bool contains(const ip_address& a) const;
};

/// "a.b.c.d/n", "x::y/n", or a bare address (the host alone); nothing for
/// anything else (prefix too long, host bits are allowed and ignored).
std::optional<cidr> parse_cidr(std::string_view text);

/// Every range of `texts` that parses (the topology validated them).
std::vector<cidr> parse_cidrs(const std::vector<std::string>& texts);

} // namespace tether::config
