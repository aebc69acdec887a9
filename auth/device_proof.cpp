#include "auth/device_proof.hpp"

#include <charconv>

#include "auth/crypto.hpp"

namespace tether::auth {

std::string device_key(std::string_view group_key,
                       std::string_view terminal_id) {
  return hmac_sha256(group_key, terminal_id);
}

std::string string_to_sign(std::string_view method, std::string_view target,
                           int64_t ts, std::string_view nonce,
                           std::string_view body) {
  std::string s;
  s.append(method).append("\n").append(target).append("\n");
  s.append(std::to_string(ts)).append("\n").append(nonce).append("\n");
  s.append(to_hex(sha256(body)));
  return s;
}

std::string proof_header(std::string_view group_id, std::string_view key,
                         std::string_view method, std::string_view target,
                         std::string_view body, int64_t ts,
                         std::string_view nonce) {
  auto sig
    = to_hex(hmac_sha256(key, string_to_sign(method, target, ts, nonce, body)));
  std::string h = "Tether-Device kid=";
  h.append(group_id).append(",ts=").append(std::to_string(ts));
  h.append(",nonce=").append(nonce).append(",sig=").append(sig);
  return h;
}

namespace {

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
          || (c >= 'A' && c <= 'F')))
      return false;
  return true;
}

/// Sets the field `name` once; false when unknown or repeated.
bool set_field(proof_fields& f, std::string_view name, std::string_view value,
               unsigned& seen) {
  auto once = [&](unsigned bit) {
    bool first = (seen & bit) == 0;
    seen |= bit;
    return first;
  };
  if (name == "kid" && once(1)) {
    f.kid = std::string{value};
    return !value.empty() && value.size() <= 64;
  }
  if (name == "ts" && once(2)) {
    auto [p, ec]
      = std::from_chars(value.data(), value.data() + value.size(), f.ts);
    return ec == std::errc{} && p == value.data() + value.size();
  }
  if (name == "nonce" && once(4)) {
    f.nonce = std::string{value};
    return value.size() >= 16 && value.size() <= 64 && is_hex(value);
  }
  if (name == "sig" && once(8)) {
    f.sig = std::string{value};
    return value.size() == 64 && is_hex(value);
  }
  return false;
}

} // namespace

std::optional<proof_fields> parse_proof(std::string_view authorization) {
  constexpr std::string_view scheme = "Tether-Device ";
  if (authorization.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  auto rest = authorization.substr(scheme.size());
  proof_fields f;
  unsigned seen = 0;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto pair = rest.substr(0, comma);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos
        || !set_field(f, pair.substr(0, eq), pair.substr(eq + 1), seen))
      return std::nullopt;
    if (comma == std::string_view::npos)
      break;
    rest = rest.substr(comma + 1);
  }
  if (seen != 15)
    return std::nullopt;
  return f;
}

device_verifier::device_verifier(std::vector<enrollment_group> groups,
                                 int64_t max_skew_s, size_t nonce_capacity)
    : groups_(std::move(groups)), max_skew_s_(max_skew_s),
      nonces_(nonce_capacity) {}

std::string device_verifier::check(std::string_view authorization,
                                   std::string_view terminal_id,
                                   std::string_view method,
                                   std::string_view target,
                                   std::string_view body, int64_t now_s) {
  // A service or operator key (Bearer) is no device proof either.
  if (authorization.empty() || authorization.substr(0, 14) != "Tether-Device ")
    return "a device proof is required (Authorization: Tether-Device ...)";
  auto f = parse_proof(authorization);
  if (!f)
    return "malformed Tether-Device authorization";
  const enrollment_group* group = nullptr;
  for (const auto& g : groups_)
    if (g.id == f->kid && g.enabled)
      group = &g;
  if (group == nullptr)
    return "unknown or disabled enrollment group";
  if (f->ts < now_s - max_skew_s_ || f->ts > now_s + max_skew_s_)
    return "timestamp outside the allowed clock skew";
  auto want = to_hex(
    hmac_sha256(device_key(group->key, terminal_id),
                string_to_sign(method, target, f->ts, f->nonce, body)));
  auto sig = f->sig;
  for (auto& c : sig)
    if (c >= 'A' && c <= 'F')
      c = static_cast<char>(c - 'A' + 'a');
  if (!equal_secret(want, sig))
    return "bad signature";
  auto key = std::string{terminal_id} + " " + f->nonce;
  switch (nonces_.insert(key, f->ts + max_skew_s_, now_s)) {
  case nonce_cache::result::fresh:
    return {};
  case nonce_cache::result::replayed:
    return "nonce already used (replay)";
  case nonce_cache::result::full:
    break;
  }
  return "too many recent proofs; retry later";
}

} // namespace tether::auth
