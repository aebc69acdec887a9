#include "actors/policy/callback_address.hpp"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace tether::api {

namespace {

using config::ip_address;

/// One of the constant ranges of this file (they all parse).
config::cidr range(const char* text) {
  return *config::parse_cidr(text);
}

struct named_range {
  const char* cidr;
  const char* name;
};

constexpr named_range special_v4[] = {
  {"0.0.0.0/8", "unspecified"},
  {"127.0.0.0/8", "loopback"},
  {"10.0.0.0/8", "private"},
  {"172.16.0.0/12", "private"},
  {"192.168.0.0/16", "private"},
  {"100.64.0.0/10", "shared (CGNAT)"},
  {"169.254.0.0/16", "link-local (cloud metadata)"},
  {"224.0.0.0/4", "multicast"},
  {"240.0.0.0/4", "reserved"}, // includes 255.255.255.255 (broadcast)
};

constexpr named_range special_v6[] = {
  {"::/128", "unspecified"},    {"::1/128", "loopback"},
  {"fc00::/7", "unique local"}, {"fe80::/10", "link-local"},
  {"fec0::/10", "site-local"},  {"ff00::/8", "multicast"},
};

ip_address v4_at(const ip_address& a, size_t offset) {
  ip_address out;
  for (size_t i = 0; i < 4; ++i)
    out.bytes[i] = a.bytes[offset + i];
  return out;
}

} // namespace

ip_address unwrap(const ip_address& a) {
  if (!a.v6)
    return a;
  bool zero10 = true;
  for (size_t i = 0; i < 10; ++i)
    zero10 = zero10 && a.bytes[i] == 0;
  if (zero10 && a.bytes[10] == 0xff && a.bytes[11] == 0xff)
    return v4_at(a, 12); // ::ffff:a.b.c.d
  if (zero10 && a.bytes[10] == 0 && a.bytes[11] == 0
      && !(range("::/127").contains(a)))
    return v4_at(a, 12); // ::a.b.c.d (deprecated "compatible")
  if (range("64:ff9b::/96").contains(a))
    return v4_at(a, 12); // NAT64
  return a;
}

std::string special_range(const ip_address& raw) {
  auto a = unwrap(raw);
  const named_range* first
    = a.v6 ? std::begin(special_v6) : std::begin(special_v4);
  const named_range* last = a.v6 ? std::end(special_v6) : std::end(special_v4);
  for (auto* r = first; r != last; ++r)
    if (range(r->cidr).contains(a))
      return r->name;
  return {};
}

std::optional<ip_address> literal_host(std::string_view host) {
  if (host.find(':') != std::string_view::npos)
    return config::parse_ip(host);
  std::string s{host};
  in_addr v4{};
  if (s.empty() || inet_aton(s.c_str(), &v4) == 0)
    return std::nullopt;
  ip_address a;
  auto* p = reinterpret_cast<const uint8_t*>(&v4.s_addr);
  for (size_t i = 0; i < 4; ++i)
    a.bytes[i] = p[i];
  return a;
}

std::string callback_policy::refusal(const ip_address& a) const {
  auto special = special_range(a);
  if (special.empty())
    return {};
  auto real = unwrap(a);
  for (const auto& c : allow_)
    if (c.contains(a) || c.contains(real))
      return {};
  return a.to_string() + " is " + special
       + ", not allowed by [callbacks] allow_cidrs";
}

std::string refuse_callback_literal(std::string_view url,
                                    const callback_policy& policy) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    return {};
  auto literal = literal_host(parsed->host_address());
  if (!literal)
    return {};
  auto why = policy.refusal(*literal);
  if (why.empty())
    return {};
  return "field \"callback_url\" may not point at this address: " + why;
}

} // namespace tether::api
