// callback_guard: the SSRF policy on resolved addresses, the gateway's own
// listeners, and the Tether-Signature of a callback.
#include "net/callback_guard.hpp"

#include <gtest/gtest.h>

namespace {

using tether::api::callback_policy;
using tether::net::callback_guard;

tether::config::ip_address ip(const char* text) {
  return *tether::config::parse_ip(text);
}

callback_guard guard(std::vector<std::string> allow = {}) {
  return callback_guard{callback_policy{tether::config::parse_cidrs(allow)},
                        "secret"};
}

TEST(CallbackGuard, RefusesSpecialAddressesNotAllowed) {
  auto g = guard();
  for (auto* a : {"127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                  "100.64.0.1", "169.254.169.254", "fd00::1", "fe80::1",
                  "224.0.0.1", "ff02::1", "0.0.0.0", "::", "::ffff:127.0.0.1",
                  "::127.0.0.1", "64:ff9b::a9fe:a9fe", "255.255.255.255"})
    EXPECT_NE(g.refusal(ip(a), 80), "") << a;
  for (auto* a : {"93.184.216.34", "2606:2800:220:1::1", "::ffff:8.8.8.8",
                  "100.128.0.1", "172.32.0.1"})
    EXPECT_EQ(g.refusal(ip(a), 80), "") << a;
  EXPECT_EQ(g.refusal(ip("::ffff:169.254.169.254"), 80),
            "::ffff:169.254.169.254 is link-local (cloud metadata), not "
            "allowed by [callbacks] allow_cidrs");
}

TEST(CallbackGuard, AllowCidrsLetSpecialRangesThrough) {
  auto g = guard({"127.0.0.0/8", "::1/128", "10.1.0.0/16"});
  EXPECT_EQ(g.refusal(ip("127.0.0.2"), 80), "");
  EXPECT_EQ(g.refusal(ip("::1"), 80), "");
  EXPECT_EQ(g.refusal(ip("::ffff:127.0.0.1"), 80), "");
  EXPECT_EQ(g.refusal(ip("10.1.200.1"), 80), "");
  EXPECT_NE(g.refusal(ip("10.2.0.1"), 80), "");
  EXPECT_NE(g.refusal(ip("169.254.169.254"), 80), "");
}

TEST(CallbackGuard, TheGatewaysOwnListenersAreRefusedEvenWhenAllowed) {
  auto g = guard({"127.0.0.0/8", "::1/128"});
  g.forbid_listener("127.0.0.1", 8080);
  EXPECT_NE(g.refusal(ip("127.0.0.1"), 8080), "");
  EXPECT_NE(g.refusal(ip("::ffff:127.0.0.1"), 8080), "");
  EXPECT_EQ(g.refusal(ip("127.0.0.1"), 8081), "");
  EXPECT_EQ(g.refusal(ip("127.0.0.2"), 8080), "");
  // Bound to every interface: loopback and the process's address reach it.
  g.forbid_listener("0.0.0.0", 9000, "203.0.113.7");
  EXPECT_NE(g.refusal(ip("127.0.0.5"), 9000), "");
  EXPECT_NE(g.refusal(ip("::1"), 9000), "");
  EXPECT_NE(g.refusal(ip("203.0.113.7"), 9000), "");
  EXPECT_EQ(g.refusal(ip("203.0.113.8"), 9000), "");
}

TEST(CallbackGuard, SignatureIsHmacSha256OfTimestampDotBody) {
  // Against a value computed independently:
  //   printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
  EXPECT_EQ(guard().signature(R"({"a":1})", 1700000000),
            "t=1700000000,v1="
              + tether::net::callback_mac("secret", 1700000000, R"({"a":1})"));
  EXPECT_EQ(tether::net::callback_mac("secret", 1700000000, R"({"a":1})"),
            "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
}

TEST(CallbackAddress, LiteralHostsInEveryFormTheCLibraryReads) {
  using tether::api::literal_host;
  for (auto* h : {"127.0.0.1", "2130706433", "0x7f.1", "127.1", "0x7f000001"})
    EXPECT_EQ(literal_host(h), ip("127.0.0.1")) << h;
  EXPECT_EQ(literal_host("::ffff:127.0.0.1"), ip("::ffff:127.0.0.1"));
  EXPECT_FALSE(literal_host("localhost"));
  EXPECT_FALSE(literal_host("example.com"));
}

TEST(CallbackAddress, RefusedAtPushNamesTheField) {
  callback_policy none;
  for (auto* url : {"http://127.0.0.1/x", "http://[::1]:9/x",
                    "http://2130706433/", "http://0x7f.1/",
                    "http://[::ffff:127.0.0.1]/", "https://169.254.169.254/"})
    EXPECT_NE(
      tether::api::refuse_callback_literal(url, none).find("\"callback_url\""),
      std::string::npos)
      << url;
  EXPECT_EQ(tether::api::refuse_callback_literal("http://localhost/", none),
            "");
  EXPECT_EQ(tether::api::refuse_callback_literal("http://8.8.8.8/", none), "");
  callback_policy loopback{tether::config::parse_cidrs({"127.0.0.0/8"})};
  EXPECT_EQ(
    tether::api::refuse_callback_literal("http://2130706433/", loopback), "");
}

} // namespace
