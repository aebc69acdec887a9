#include "auth/connect_token.hpp"

#include <charconv>
#include <fstream>
#include <vector>

#include <openssl/evp.h>

#include "auth/crypto.hpp"

namespace tether::auth {

namespace {

EVP_PKEY* as_pkey(void* p) {
  return static_cast<EVP_PKEY*>(p);
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    auto nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos)
      return out;
    s = s.substr(nl + 1);
  }
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

std::string claims_text(const token_claims& c) {
  return "t1\n" + c.kid + "\n" + c.terminal_id + "\n" + c.cluster_id + "\n"
       + std::to_string(c.generation) + "\n" + std::to_string(c.expires_s);
}

bool ed25519_verify(EVP_PKEY* key, std::string_view msg, std::string_view sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok
    = ctx != nullptr
   && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1
   && EVP_DigestVerify(
        ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
        reinterpret_cast<const unsigned char*>(msg.data()), msg.size())
        == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

} // namespace

std::optional<token_claims> peek_token(std::string_view token) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 1024)
    return std::nullopt;
  auto text = from_base64url(token.substr(0, dot));
  if (!text)
    return std::nullopt;
  auto lines = split_lines(*text);
  if (lines.size() != 6 || lines[0] != "t1")
    return std::nullopt;
  token_claims c;
  c.kid = std::string{lines[1]};
  c.terminal_id = std::string{lines[2]};
  c.cluster_id = std::string{lines[3]};
  if (!parse_int(lines[4], c.generation) || !parse_int(lines[5], c.expires_s))
    return std::nullopt;
  return c;
}

std::string key_id(std::string_view public_key) {
  return to_hex(sha256(public_key)).substr(0, 16);
}

std::shared_ptr<token_signer> token_signer::from_seed(std::string_view seed) {
  if (seed.size() != 32)
    return nullptr;
  std::shared_ptr<token_signer> s{new token_signer};
  s->pkey_ = EVP_PKEY_new_raw_private_key(
    EVP_PKEY_ED25519, nullptr,
    reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (s->pkey_ == nullptr)
    return nullptr;
  unsigned char pub[32];
  size_t len = sizeof(pub);
  if (EVP_PKEY_get_raw_public_key(as_pkey(s->pkey_), pub, &len) != 1)
    return nullptr;
  s->public_key_.assign(reinterpret_cast<const char*>(pub), len);
  s->kid_ = key_id(s->public_key_);
  return s;
}

token_signer::~token_signer() {
  EVP_PKEY_free(as_pkey(pkey_));
}

std::string token_signer::issue(std::string_view terminal_id,
                                std::string_view cluster_id,
                                uint64_t generation, int64_t now_s,
                                std::chrono::seconds ttl) const {
  token_claims c{kid_, std::string{terminal_id}, std::string{cluster_id},
                 generation, now_s + ttl.count()};
  auto msg = claims_text(c);
  unsigned char sig[64];
  size_t len = sizeof(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok
    = ctx != nullptr
   && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, as_pkey(pkey_)) == 1
   && EVP_DigestSign(ctx, sig, &len,
                     reinterpret_cast<const unsigned char*>(msg.data()),
                     msg.size())
        == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return {};
  return to_base64url(msg) + "."
       + to_base64url({reinterpret_cast<const char*>(sig), len});
}

token_verifier::~token_verifier() {
  for (auto& [kid, key] : keys_)
    EVP_PKEY_free(as_pkey(key));
}

bool token_verifier::add(std::string_view public_key) {
  auto* key = EVP_PKEY_new_raw_public_key(
    EVP_PKEY_ED25519, nullptr,
    reinterpret_cast<const unsigned char*>(public_key.data()),
    public_key.size());
  if (key == nullptr)
    return false;
  std::lock_guard<std::mutex> guard{mtx_};
  auto [i, added] = keys_.emplace(key_id(public_key), key);
  if (!added)
    EVP_PKEY_free(key);
  return true;
}

void token_verifier::load_file(int64_t now_s) {
  if (file_.empty() || (file_read_s_ != 0 && now_s - file_read_s_ < 1))
    return;
  file_read_s_ = now_s;
  std::ifstream in{file_};
  std::string line;
  while (std::getline(in, line)) {
    auto raw = from_hex(line);
    if (!raw || raw->size() != 32)
      continue;
    auto kid = key_id(*raw);
    if (keys_.count(kid) > 0)
      continue;
    if (auto* key = EVP_PKEY_new_raw_public_key(
          EVP_PKEY_ED25519, nullptr,
          reinterpret_cast<const unsigned char*>(raw->data()), raw->size()))
      keys_.emplace(kid, key);
  }
}

void* token_verifier::key_of(const std::string& kid, int64_t now_s) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = keys_.find(kid);
  if (i == keys_.end()) {
    load_file(now_s);
    i = keys_.find(kid);
  }
  return i == keys_.end() ? nullptr : i->second;
}

std::string token_verifier::verify(std::string_view token,
                                   std::string_view terminal_id,
                                   std::string_view cluster_id, int64_t now_s) {
  if (token.empty())
    return "a connect token is required (Authorization: Bearer or ?token=)";
  auto claims = peek_token(token);
  auto dot = token.find('.');
  auto text = from_base64url(token.substr(0, dot));
  auto sig = from_base64url(token.substr(dot + 1));
  if (!claims || !text || !sig)
    return "malformed connect token";
  auto* key = key_of(claims->kid, now_s);
  if (key == nullptr)
    return "connect token signed by an unknown key";
  if (!ed25519_verify(as_pkey(key), *text, *sig))
    return "connect token signature does not verify";
  if (claims->expires_s <= now_s)
    return "connect token expired; ask GET /v1/terminals/{id}/destination "
           "for a new one";
  if (claims->terminal_id != terminal_id)
    return "connect token is for another terminal";
  if (claims->cluster_id != cluster_id)
    return "connect token is for another cluster; ask GET "
           "/v1/terminals/{id}/destination";
  return {};
}

} // namespace tether::auth
