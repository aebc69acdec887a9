#include "net/auth_setup.hpp"

#include <fstream>

#include "actors/system/log.hpp"
#include "auth/crypto.hpp"
#include "auth/issued_tokens.hpp"
#include "storage/secrets_dir.hpp"

namespace tether::net {

namespace {

/// The secret `name` of DATA/secrets (created with `bytes` random bytes),
/// decoded from hex; nothing with the reason in `error`.
std::optional<std::string> secret_bytes(const storage::secrets_dir& dir,
                                        const std::string& name, size_t bytes,
                                        std::string& error) {
  bool created = false;
  auto hex = dir.read_or_create(name, bytes, created, error);
  if (!hex)
    return std::nullopt;
  if (created)
    logger("tetherd")->info("created {}/{}", dir.path(), name);
  auto raw = auth::from_hex(*hex);
  if (!raw || raw->size() != bytes) {
    error = dir.path() + "/" + name + " must hold " + std::to_string(2 * bytes)
          + " hex characters";
    return std::nullopt;
  }
  return raw;
}

/// The enrollment groups of the topology, each key read from its file.
bool topology_groups(const config::topology& topo,
                     std::vector<auth::enrollment_group>& out,
                     std::string& error) {
  for (const auto& g : topo.auth.enrollment_groups) {
    std::ifstream in{g.key_file};
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    auto key = auth::from_hex(line);
    if (!in && line.empty()) {
      error
        = "enrollment group " + g.id + ": cannot read key_file " + g.key_file;
      return false;
    }
    if (!key || key->size() != 32) {
      error = "enrollment group " + g.id + ": key_file " + g.key_file
            + " must hold 64 hex characters (a 32-byte key)";
      return false;
    }
    out.push_back({g.id, *key, g.enabled});
  }
  return true;
}

} // namespace

std::shared_ptr<auth::device_auth>
gateway_device_auth(const config::topology& topo, const std::string& data_dir,
                    std::string& error) {
  storage::secrets_dir dir{data_dir};
  if (!dir.open(error))
    return nullptr;
  std::vector<auth::enrollment_group> groups;
  if (topo.auth.enrollment_groups.empty()) {
    auto key = secret_bytes(dir, "enrollment/default", 32, error);
    if (!key)
      return nullptr;
    groups.push_back({"default", *key, true});
  } else if (!topology_groups(topo, groups, error)) {
    return nullptr;
  }
  auto seed = secret_bytes(dir, "token-signing-key", 32, error);
  if (!seed)
    return nullptr;
  auto signer = auth::token_signer::from_seed(*seed);
  if (!signer) {
    error = "cannot load the Ed25519 key " + dir.path()
          + "/token-signing-key (libsodium not initialised)";
    return nullptr;
  }
  auto ttl
    = std::chrono::duration_cast<std::chrono::seconds>(topo.auth.token_ttl);
  // The signer's key first; a previous signer's key keeps verifying for one
  // token lifetime (signing-key rotation, docs/SECURITY.md).
  std::string listed;
  {
    std::ifstream in{dir.path() + "/token-public-key"};
    listed.assign(std::istreambuf_iterator<char>{in}, {});
  }
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (!dir.write(
        "token-public-key",
        auth::public_key_file(listed, signer->public_key(), now_s, ttl), error))
    return nullptr;
  return std::make_shared<auth::device_auth>(auth::device_auth{
    auth::device_verifier{std::move(groups)}, std::move(signer), ttl});
}

std::shared_ptr<auth::token_verifier>
balancer_token_verifier(const config::topology& topo,
                        const std::string& data_dir,
                        const auth::device_auth* local) {
  auto v = std::make_shared<auth::token_verifier>(
    storage::secrets_dir{data_dir}.path() + "/token-public-key");
  if (local != nullptr) {
    v->add(local->tokens->public_key());
    // The tokens this process's gateway signs are taken without the
    // Ed25519 verify (auth/issued_tokens.hpp): one set, handed to both.
    auto issued = std::make_shared<auth::issued_tokens>();
    local->tokens->remember_in(issued);
    v->trust_issued(std::move(issued));
  }
  return v;
}

} // namespace tether::net
