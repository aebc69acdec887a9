#include "tether-terminal/device_proof.hpp"

#include <chrono>
#include <fstream>

#include <openssl/rand.h>

#include "auth/crypto.hpp"
#include "auth/device_proof.hpp"

namespace tether::terminal {

std::optional<std::string> read_group_key(const std::string& path,
                                          std::string& error) {
  std::ifstream in{path};
  std::string line;
  if (!in || !std::getline(in, line)) {
    error = "cannot read the enrollment key file " + path;
    return std::nullopt;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  auto key = auth::from_hex(line);
  if (!key || key->size() != 32) {
    error = path + " must hold 64 hex characters (a 32-byte group key)";
    return std::nullopt;
  }
  return key;
}

std::string device_proof(std::string_view group, std::string_view group_key,
                         std::string_view terminal_id, std::string_view method,
                         std::string_view target, std::string_view body) {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof(raw));
  auto nonce = auth::to_hex({reinterpret_cast<const char*>(raw), sizeof(raw)});
  auto ts = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  return auth::proof_header(group, auth::device_key(group_key, terminal_id),
                            method, target, body, ts, nonce);
}

} // namespace tether::terminal
