#include "net/callback_guard.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace tether::net {

void callback_guard::forbid_listener(const std::string& host, uint16_t port,
                                     const std::string& own_host) {
  std::vector<std::string> ranges;
  auto ip = config::parse_ip(host);
  if (!ip || api::special_range(*ip) == "unspecified") {
    // Bound to every interface (or a name): loopback and the process's
    // own address reach it.
    ranges = {"127.0.0.0/8", "::1/128"};
    if (config::parse_ip(own_host))
      ranges.push_back(own_host);
  } else {
    ranges = {api::unwrap(*ip).to_string()};
  }
  std::lock_guard<std::mutex> lock{mutex_};
  for (const auto& r : ranges)
    if (auto c = config::parse_cidr(r))
      listeners_.emplace_back(*c, port);
}

std::string callback_guard::refusal(const config::ip_address& a,
                                    uint16_t port) const {
  auto real = api::unwrap(a);
  {
    std::lock_guard<std::mutex> lock{mutex_};
    for (const auto& [range, p] : listeners_)
      if (p == port && range.contains(real))
        return real.to_string() + ":" + std::to_string(port)
             + " is this deployment's own HTTP gateway (a callback there "
               "would loop)";
  }
  return policy_.refusal(a);
}

std::string callback_guard::signature(std::string_view body,
                                      std::time_t unix_s) const {
  return "t=" + std::to_string(unix_s)
       + ",v1=" + callback_mac(secret_, unix_s, body);
}

std::string callback_mac(std::string_view secret, std::time_t unix_s,
                         std::string_view body) {
  std::string message = std::to_string(unix_s) + ".";
  message.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 0xf];
  }
  return out;
}

} // namespace tether::net
