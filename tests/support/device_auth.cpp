#include "tests/support/device_auth.hpp"

#include <chrono>
#include <fstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace tether::test {

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

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

} // namespace

std::string enrollment_key(const std::string& data_dir) {
  std::ifstream in{data_dir + "/secrets/enrollment/default"};
  std::string line;
  std::getline(in, line);
  std::string key;
  for (size_t i = 0; i + 1 < line.size() && i < 64; i += 2)
    key += static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16));
  return key;
}

std::string device_proof(const std::string& group_key,
                         const std::string& terminal_id,
                         const std::string& method, const std::string& target,
                         const std::string& body, int64_t ts, std::string nonce,
                         const std::string& group) {
  if (ts == 0)
    ts = std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
           .count();
  if (nonce.empty()) {
    unsigned char raw[16];
    RAND_bytes(raw, sizeof(raw));
    nonce = hex(raw, sizeof(raw));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha256(), nullptr);
  auto to_sign = method + "\n" + target + "\n" + std::to_string(ts) + "\n"
               + nonce + "\n" + hex(digest, len);
  auto sig = hmac(hmac(group_key, terminal_id), to_sign);
  return "Tether-Device kid=" + group + ",ts=" + std::to_string(ts)
       + ",nonce=" + nonce + ",sig="
       + hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

http_result device_call(const std::string& host_port,
                        const std::string& group_key,
                        const std::string& terminal_id,
                        const std::string& method, const std::string& target,
                        const std::string& body) {
  return http_call_with(
    host_port, method, target, body,
    {{"Authorization",
      device_proof(group_key, terminal_id, method, target, body)}});
}

} // namespace tether::test
