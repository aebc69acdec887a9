#include "tether-terminal/device_proof.hpp"

#include <chrono>
#include <fstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace tether::terminal {

namespace {

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 0xf];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

} // namespace

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
  std::string key;
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
  };
  for (size_t i = 0; line.size() == 64 && i < 64; i += 2) {
    int hi = nibble(line[i]);
    int lo = nibble(line[i + 1]);
    if (hi < 0 || lo < 0)
      break;
    key += static_cast<char>(hi * 16 + lo);
  }
  if (key.size() != 32) {
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
  auto nonce = hex(raw, sizeof(raw));
  auto ts = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha256(), nullptr);
  std::string to_sign;
  to_sign.append(method).append("\n").append(target).append("\n");
  to_sign.append(std::to_string(ts)).append("\n").append(nonce).append("\n");
  to_sign.append(hex(digest, len));
  auto sig = hmac(hmac(group_key, terminal_id), to_sign);
  std::string h = "Tether-Device kid=";
  h.append(group).append(",ts=").append(std::to_string(ts));
  h.append(",nonce=").append(nonce).append(",sig=");
  h.append(hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()));
  return h;
}

} // namespace tether::terminal
