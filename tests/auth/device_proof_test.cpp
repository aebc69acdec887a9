#include "auth/device_proof.hpp"

#include <gtest/gtest.h>

#include "auth/crypto.hpp"

using namespace tether::auth;

namespace {

const std::string group_key(32, 'k');
constexpr int64_t now = 1'700'000'000;
const std::string nonce = "0123456789abcdef0123";

std::string signed_for(const std::string& terminal, int64_t ts = now,
                       const std::string& n = nonce,
                       const std::string& body = R"({"terminal_id":"T1"})") {
  return proof_header("default", device_key(group_key, terminal), "POST",
                      "/v1/terminals/register", body, ts, n);
}

device_verifier verifier() {
  return device_verifier{{{"default", group_key, true}}};
}

} // namespace

TEST(device_proof, string_to_sign_is_the_documented_one) {
  EXPECT_EQ(
    string_to_sign("GET", "/v1/terminals/T1/destination?x=1", 42, "00ff", ""),
    "GET\n/v1/terminals/T1/destination?x=1\n42\n00ff\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(device_key(group_key, "T1")),
            to_hex(hmac_sha256(group_key, "T1")));
}

TEST(device_proof, a_good_proof_passes_once) {
  auto v = verifier();
  auto h = signed_for("T1");
  EXPECT_EQ(v.check(h, "T1", "POST", "/v1/terminals/register",
                    R"({"terminal_id":"T1"})", now),
            "");
  EXPECT_EQ(v.check(h, "T1", "POST", "/v1/terminals/register",
                    R"({"terminal_id":"T1"})", now + 1),
            "nonce already used (replay)");
}

TEST(device_proof, anything_changed_fails) {
  auto v = verifier();
  auto body = std::string{R"({"terminal_id":"T1"})"};
  auto h = signed_for("T1");
  EXPECT_EQ(v.check("", "T1", "POST", "/v1/terminals/register", body, now)
              .substr(0, 24),
            "a device proof is requir");
  EXPECT_EQ(v.check(h, "T2", "POST", "/v1/terminals/register", body, now),
            "bad signature");
  EXPECT_EQ(v.check(h, "T1", "GET", "/v1/terminals/register", body, now),
            "bad signature");
  EXPECT_EQ(v.check(h, "T1", "POST", "/v1/terminals/register?a", body, now),
            "bad signature");
  EXPECT_EQ(v.check(h, "T1", "POST", "/v1/terminals/register", body + " ", now),
            "bad signature");
  auto other = proof_header("default", device_key(std::string(32, 'x'), "T1"),
                            "POST", "/v1/terminals/register", body, now, nonce);
  EXPECT_EQ(v.check(other, "T1", "POST", "/v1/terminals/register", body, now),
            "bad signature");
}

TEST(device_proof, clock_skew_is_limited_to_300_s) {
  auto v = verifier();
  auto body = std::string{R"({"terminal_id":"T1"})"};
  EXPECT_EQ(v.check(signed_for("T1", now - 301), "T1", "POST",
                    "/v1/terminals/register", body, now),
            "timestamp outside the allowed clock skew");
  EXPECT_EQ(v.check(signed_for("T1", now + 301), "T1", "POST",
                    "/v1/terminals/register", body, now),
            "timestamp outside the allowed clock skew");
  EXPECT_EQ(v.check(signed_for("T1", now - 300), "T1", "POST",
                    "/v1/terminals/register", body, now),
            "");
}

TEST(device_proof, groups_rotate_and_can_be_disabled) {
  device_verifier v{{{"old", group_key, false}, {"new", group_key, true}}};
  auto body = std::string{};
  auto key = device_key(group_key, "T1");
  auto target = std::string{"/v1/terminals/T1/destination"};
  EXPECT_EQ(v.check(proof_header("new", key, "GET", target, body, now, nonce),
                    "T1", "GET", target, body, now),
            "");
  EXPECT_EQ(v.check(proof_header("old", key, "GET", target, body, now, nonce),
                    "T1", "GET", target, body, now),
            "unknown or disabled enrollment group");
  EXPECT_EQ(v.check(proof_header("nope", key, "GET", target, body, now, nonce),
                    "T1", "GET", target, body, now),
            "unknown or disabled enrollment group");
}

TEST(device_proof, malformed_headers_are_refused) {
  auto sig = std::string(64, 'a');
  for (std::string h : std::vector<std::string>{
         "Bearer abc", "Tether-Device kid=default,ts=1,nonce=0123456789abcdef",
         "Tether-Device kid=default,ts=x,nonce=0123456789abcdef,sig=" + sig,
         "Tether-Device kid=default,ts=1,nonce=0123,sig=" + sig,
         "Tether-Device kid=default,ts=1,nonce=0123456789abcdeg,sig=" + sig,
         "Tether-Device kid=default,kid=x,ts=1,nonce=0123456789abcdef,sig="
           + sig,
         "Tether-Device kid=default,ts=1,nonce=0123456789abcdef,sig=abc"})
    EXPECT_FALSE(parse_proof(h)) << h;
  auto ok = parse_proof("Tether-Device kid=g, ts=5,nonce=0123456789abcdef,sig="
                        + std::string(64, 'A'));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kid, "g");
  EXPECT_EQ(ok->ts, 5);
}
