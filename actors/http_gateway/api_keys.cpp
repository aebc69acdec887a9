#include "actors/http_gateway/api_keys.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include "auth/crypto.hpp"
#include "storage/secrets_dir.hpp"

namespace json = boost::json;

namespace tether {

const std::vector<std::string>& all_scopes() {
  static const std::vector<std::string> scopes{
    "jobs:write", "jobs:read", "terminals:write", "admin", "metrics"};
  return scopes;
}

bool known_scope(std::string_view scope) {
  const auto& all = all_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

std::string hash_key(std::string_view key) {
  // auth::sha256 fetches the digest once: OpenSSL 3's EVP_Digest with
  // EVP_sha256() looks the algorithm up on every call, which cost about
  // 27,000 instructions a request here (docs/BENCHMARKS.md §4).
  return auth::to_hex(auth::sha256(key));
}

std::string new_api_key() {
  return "tk_" + storage::random_hex(32);
}

std::string new_key_id() {
  return "k" + storage::random_hex(8);
}

route_access access_of(api::route::kind_t kind) {
  using api::route;
  switch (kind) {
  case route::push_job:
  case route::job_cancel:
  case route::bulk_push:
    return {false, {"jobs:write"}};
  case route::job:
  case route::jobs_list:
    return {false, {"jobs:read"}};
  case route::terminal:
  case route::history:
  case route::terminals_list:
    return {false, {"jobs:read", "terminals:write"}};
  case route::attributes:
  case route::user_link:
  case route::terminal_retire:
    return {false, {"terminals:write"}};
  case route::admin_clusters:
  case route::admin_cluster:
  case route::admin_cluster_get:
  case route::admin_nodes:
  case route::label_config_get:
  case route::label_config_put:
  case route::admin_node:
  case route::reallocate:
  case route::admin_keys_get:
  case route::admin_keys_post:
  case route::admin_key_delete:
  case route::terminal_revoke:
  case route::admin_class_delete:
  case route::admin_classes_list:
  case route::admin_events:
  case route::admin_class_members:
    return {false, {"admin"}};
  case route::metrics:
    return {false, {"metrics"}};
  default: // device routes, /healthz, and the answers to bad requests
    return {true, {}};
  }
}

void api_keys::replace(std::vector<storage::api_key_record> keys, int64_t now) {
  by_hash_.clear();
  for (auto& k : keys)
    add(std::move(k));
  loaded_at_ms_ = std::max<int64_t>(now, 1);
}

void api_keys::add(storage::api_key_record key) {
  auto hash = key.hash;
  by_hash_[hash] = std::move(key);
}

void api_keys::remove(const std::string& key_id) {
  std::erase_if(by_hash_,
                [&](const auto& kv) { return kv.second.key_id == key_id; });
}

std::optional<std::string_view> api_keys::bearer(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size())
    return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i])
      return std::nullopt;
  auto key = header.substr(scheme.size());
  while (!key.empty() && key.front() == ' ')
    key.remove_prefix(1);
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
    key.remove_suffix(1);
  if (key.empty())
    return std::nullopt;
  return key;
}

const storage::api_key_record* api_keys::find(std::string_view header) const {
  auto key = bearer(header);
  if (!key)
    return nullptr;
  if (last_hash_.empty() || !auth::equal_secret(*key, last_key_)) {
    forget_last();
    last_hash_ = hash_key(*key);
    last_key_.assign(key->data(), key->size());
  }
  auto i = by_hash_.find(last_hash_);
  return i == by_hash_.end() ? nullptr : &i->second;
}

void api_keys::forget_last() const {
  // Overwritten before it is freed or replaced.
  OPENSSL_cleanse(last_key_.data(), last_key_.size());
  last_key_.clear();
  last_hash_.clear();
}

key_check api_keys::check(std::string_view header,
                          const std::vector<std::string_view>& any_of) const {
  key_check out;
  if (!bearer(header)) {
    out.reason = "this call needs an API key: Authorization: Bearer <key>";
    return out;
  }
  const auto* k = find(header);
  if (k == nullptr) {
    out.reason = "the API key is not valid (unknown or revoked)";
    return out;
  }
  out.known = true;
  out.key_id = k->key_id;
  for (auto want : any_of)
    if (std::find(k->scopes.begin(), k->scopes.end(), want)
        != k->scopes.end()) {
      out.ok = true;
      return out;
    }
  out.refused = errc::forbidden;
  std::string needed;
  for (auto want : any_of)
    needed += (needed.empty() ? "" : " or ") + std::string{want};
  out.reason = "API key " + k->key_id + " lacks the scope " + needed;
  return out;
}

bool api_keys::allows(std::string_view header, std::string_view scope) const {
  const auto* k = find(header);
  return k != nullptr
      && std::find(k->scopes.begin(), k->scopes.end(), scope)
           != k->scopes.end();
}

std::string decode_key_request(std::string_view body, std::string& name,
                               std::vector<std::string>& scopes) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return "body must be a JSON object {\"name\":..,\"scopes\":[..]}";
  for (auto& [k, _] : v.get_object())
    if (k != "name" && k != "scopes")
      return "unknown field \"" + std::string{k.substr(0, 64)} + "\"";
  auto* n = v.get_object().if_contains("name");
  if (n == nullptr || !n->is_string() || n->get_string().empty()
      || n->get_string().size() > 128)
    return "field \"name\" must be a string of 1-128 characters";
  name = std::string{n->get_string()};
  auto* s = v.get_object().if_contains("scopes");
  if (s == nullptr || !s->is_array() || s->get_array().empty())
    return "field \"scopes\" must be a non-empty list of jobs:write, "
           "jobs:read, terminals:write, admin, metrics";
  scopes.clear();
  for (auto& x : s->get_array()) {
    if (!x.is_string() || !known_scope(x.get_string()))
      return "field \"scopes\" must list only jobs:write, jobs:read, "
             "terminals:write, admin, metrics";
    if (std::find(scopes.begin(), scopes.end(), x.get_string()) == scopes.end())
      scopes.emplace_back(x.get_string());
  }
  return {};
}

namespace {

json::object key_object(const storage::api_key_record& k) {
  return {{"key_id", k.key_id},
          {"name", k.name},
          {"scopes", json::value_from(k.scopes)},
          {"created_at", api::rfc3339(k.created_at_ms)}};
}

} // namespace

std::string encode_key(const storage::api_key_record& k,
                       const std::string& key) {
  auto o = key_object(k);
  if (!key.empty())
    o["key"] = key;
  return json::serialize(o);
}

std::string encode_keys(const std::vector<storage::api_key_record>& ks) {
  json::array a;
  for (const auto& k : ks)
    a.push_back(key_object(k));
  return json::serialize(json::object{{"keys", std::move(a)}});
}

} // namespace tether
