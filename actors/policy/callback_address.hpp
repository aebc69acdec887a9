// callback_address: where a job callback may be posted (SSRF guard). An
// address in a special range — loopback, private (RFC 1918), shared
// (CGNAT 100.64/10), unique local (fc00::/7), link-local (incl. the cloud
// metadata address 169.254.169.254), multicast, broadcast, unspecified,
// and IPv4-mapped/compatible/NAT64 forms of those — is refused unless
// [callbacks] allow_cidrs holds it. The gateway checks a literal host at
// push; net/http_poster checks every address a name resolves to and
// connects only to those it checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cidr.hpp"

namespace tether::api {

/// The special range `a` lies in ("loopback", "private", ...), or "" for
/// an ordinary public address. Mapped and compatible IPv6 forms of an IPv4
/// address are judged as that IPv4 address.
std::string special_range(const config::ip_address& a);

/// `a` as the address it really names: the IPv4 address inside an
/// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or NAT64
/// (64:ff9b::a.b.c.d) address; otherwise `a` itself.
config::ip_address unwrap(const config::ip_address& a);

/// The address a URL host names without a name lookup: an IPv6 literal
/// (without brackets), or an IPv4 address in any form the C library reads
/// (127.0.0.1, 2130706433, 0x7f.1, 127.1); nothing for a name.
std::optional<config::ip_address> literal_host(std::string_view host);

/// The allow list and the verdict on one address.
class callback_policy {
public:
  callback_policy() = default;
  explicit callback_policy(std::vector<config::cidr> allow)
      : allow_(std::move(allow)) {}

  /// "" when a callback may go to `a`, else why not ("127.0.0.1 is
  /// loopback, not allowed by [callbacks] allow_cidrs").
  std::string refusal(const config::ip_address& a) const;

private:
  std::vector<config::cidr> allow_;
};

/// At push: "" when `url`'s host is a name (judged after the lookup) or a
/// literal address the policy allows; else the problem, naming the field.
std::string refuse_callback_literal(std::string_view url,
                                    const callback_policy& policy);

} // namespace tether::api
