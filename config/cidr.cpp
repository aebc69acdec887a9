#include "config/cidr.hpp"

#include <arpa/inet.h>

namespace tether::config {

std::string ip_address::to_string() const {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), out, sizeof out);
  return out;
}

std::optional<ip_address> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN)
    return std::nullopt;
  std::string s{text};
  ip_address a;
  a.v6 = s.find(':') != std::string::npos;
  if (inet_pton(a.v6 ? AF_INET6 : AF_INET, s.c_str(), a.bytes.data()) != 1)
    return std::nullopt;
  return a;
}

bool cidr::contains(const ip_address& a) const {
  if (a.v6 != base.v6)
    return false;
  unsigned full = prefix / 8;
  for (unsigned i = 0; i < full; ++i)
    if (a.bytes[i] != base.bytes[i])
      return false;
  if (unsigned rest = prefix % 8; rest != 0) {
    auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    if ((a.bytes[full] & mask) != (base.bytes[full] & mask))
      return false;
  }
  return true;
}

std::optional<cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip)
    return std::nullopt;
  unsigned max = ip->v6 ? 128 : 32;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3)
      return std::nullopt;
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9')
        return std::nullopt;
      prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (prefix > max)
      return std::nullopt;
  }
  return cidr{*ip, static_cast<uint8_t>(prefix)};
}

std::vector<cidr> parse_cidrs(const std::vector<std::string>& texts) {
  std::vector<cidr> out;
  for (const auto& t : texts)
    if (auto c = parse_cidr(t))
      out.push_back(*c);
  return out;
}

} // namespace tether::config
