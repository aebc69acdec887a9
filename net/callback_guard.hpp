// callback_guard: what the callback poster (net/http_poster) checks and adds
// to every post. Where a post may connect: the allow policy of
// actors/policy/callback_address, minus this deployment's own HTTP gateway
// listeners (a callback that pushes to the gateway itself would loop). And
// how it is signed: `Tether-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
// "<t>.<body>")>` with the deployment's callback secret
// (DATA/secrets/callback-secret), which services verify (docs/API.md).
// Shared by the poster's I/O threads and the deployment: thread-safe.
#pragma once

#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/policy/callback_address.hpp"

namespace tether::net {

class callback_guard {
public:
  callback_guard(api::callback_policy policy, std::string secret)
      : policy_(std::move(policy)), secret_(std::move(secret)) {}

  /// A gateway listener of this deployment: `host` as configured (an
  /// unspecified address stands for loopback and `own_host`, the address
  /// the process is known by), `port` as bound.
  void forbid_listener(const std::string& host, uint16_t port,
                       const std::string& own_host = {});

  /// "" when a post may connect to `a`:`port`, else why not.
  std::string refusal(const config::ip_address& a, uint16_t port) const;

  /// The Tether-Signature header value for `body` sent at `unix_s`.
  std::string signature(std::string_view body,
                        std::time_t unix_s = std::time(nullptr)) const;

private:
  api::callback_policy policy_;
  std::string secret_;
  mutable std::mutex mutex_; // guards listeners_
  std::vector<std::pair<config::cidr, uint16_t>> listeners_;
};

/// hex(HMAC-SHA256(secret, "<unix_s>.<body>")), the v1 of Tether-Signature.
std::string callback_mac(std::string_view secret, std::time_t unix_s,
                         std::string_view body);

} // namespace tether::net
