#include "auth/connect_token.hpp"

#include <charconv>
#include <fstream>
#include <vector>

#include "auth/crypto.hpp"
#include "auth/issued_tokens.hpp"

namespace tether::auth {

namespace {

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
  auto key = ed25519::signing_key::from_seed(seed);
  if (!key)
    return nullptr;
  std::shared_ptr<token_signer> s{new token_signer{std::move(*key)}};
  s->kid_ = key_id(s->public_key());
  return s;
}

token_signer::~token_signer() = default;

std::string token_signer::issue(std::string_view terminal_id,
                                std::string_view cluster_id,
                                uint64_t generation, int64_t now_s,
                                std::chrono::seconds ttl) const {
  token_claims c{kid_, std::string{terminal_id}, std::string{cluster_id},
                 generation, now_s + ttl.count()};
  auto msg = claims_text(c);
  auto token = to_base64url(msg) + "." + to_base64url(key_.sign(msg));
  if (remembered_) // a balancer of this process takes it (issued_tokens.hpp)
    remembered_->add(token);
  return token;
}

std::optional<listed_key> parse_key_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.remove_suffix(1);
  auto sp = line.find(' ');
  auto raw = from_hex(line.substr(0, sp));
  if (!raw || raw->size() != 32)
    return std::nullopt;
  listed_key out{*raw, 0};
  if (sp != std::string_view::npos
      && !parse_int(line.substr(line.find_first_not_of(' ', sp)), out.until_s))
    return std::nullopt;
  return out;
}

std::string key_line(const listed_key& k) {
  auto out = to_hex(k.public_key);
  if (k.until_s != 0)
    out += " " + std::to_string(k.until_s);
  return out;
}

std::string public_key_file(std::string_view current,
                            std::string_view signer_public, int64_t now_s,
                            std::chrono::seconds ttl) {
  auto signer_kid = key_id(signer_public);
  std::string out = key_line({std::string{signer_public}, 0}) + "\n";
  for (auto line : split_lines(current)) {
    auto k = parse_key_line(line);
    if (!k || key_id(k->public_key) == signer_kid)
      continue;
    if (k->until_s == 0)
      k->until_s = now_s + ttl.count();
    if (k->until_s >= now_s)
      out += key_line(*k) + "\n";
  }
  return out;
}

token_verifier::~token_verifier() = default;

namespace {

constexpr int64_t reload_every_s = 10;

} // namespace

bool token_verifier::add(std::string_view public_key) {
  if (public_key.size() != 32)
    return false;
  std::lock_guard<std::mutex> guard{mtx_};
  keys_[key_id(public_key)] = known_key{std::string{public_key}, 0, true};
  return true;
}

void token_verifier::load_file(int64_t now_s) {
  if (file_.empty() || (file_read_s_ != 0 && now_s - file_read_s_ < 1))
    return;
  file_read_s_ = now_s;
  std::ifstream in{file_};
  if (!in)
    return; // not there (yet): keep what is known
  std::map<std::string, known_key> next;
  for (auto& [kid, k] : keys_)
    if (k.pinned)
      next.emplace(kid, k);
  std::string line;
  while (std::getline(in, line)) {
    auto listed = parse_key_line(line);
    if (!listed)
      continue;
    auto kid = key_id(listed->public_key);
    if (auto p = next.find(kid); p != next.end() && p->second.pinned)
      continue;
    next[kid]
      = known_key{std::move(listed->public_key), listed->until_s, false};
  }
  keys_ = std::move(next);
}

std::string token_verifier::key_of(const std::string& kid, int64_t now_s) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = keys_.find(kid);
  if (i == keys_.end() || now_s - file_read_s_ >= reload_every_s) {
    load_file(now_s);
    i = keys_.find(kid);
  }
  if (i == keys_.end() || (i->second.until_s != 0 && now_s > i->second.until_s))
    return {};
  return i->second.public_key;
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
  auto key = key_of(claims->kid, now_s);
  if (key.empty())
    return "connect token signed by an unknown key";
  // Issued by this process's signer (exact bytes): signed by construction.
  // Only looked up: connected() forgets it once its connect went through.
  bool issued_here = issued_ && issued_->issued(token);
  if (!issued_here && !ed25519::verify(key, *text, *sig))
    return "connect token signature does not verify";
  if (claims->expires_s <= now_s)
    return "connect token expired; ask GET /v1/terminals/{id}/destination "
           "for a new one";
  if (claims->terminal_id != terminal_id)
    return "connect token is for another terminal";
  if (claims->cluster_id != cluster_id)
    return "connect token is for another cluster; ask GET "
           "/v1/terminals/{id}/destination";
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = min_generation_.find(terminal_id);
      i != min_generation_.end() && claims->generation < i->second)
    return "connect token revoked";
  return {};
}

void token_verifier::connected(std::string_view token) {
  if (issued_)
    issued_->forget(token);
}

bool token_verifier::revoke(const std::string& terminal_id,
                            uint64_t min_generation) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& g = min_generation_[terminal_id];
  if (min_generation <= g)
    return false;
  g = min_generation;
  return true;
}

uint64_t token_verifier::min_generation(const std::string& terminal_id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = min_generation_.find(terminal_id);
  return i == min_generation_.end() ? 0 : i->second;
}

} // namespace tether::auth
