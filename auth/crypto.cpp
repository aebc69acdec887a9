#include "auth/crypto.hpp"

#include <array>
#include <cstdint>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

namespace tether::auth {

namespace {

// OpenSSL 3 looks an algorithm up by name (a provider query under a lock)
// on every one-shot call: HMAC() fetched the MAC and SHA-256 and built a
// context each time, about 21,000 instructions of which the MAC itself is a
// quarter; a connect makes three (the device proof, the service ids) and two
// SHA-256 digests (callgrind, branch conn13). The algorithms are fetched
// once, and each thread keeps one HMAC context, keyed again per call.

/// SHA-256, fetched once (shared by every thread: fetched algorithms are
/// immutable); nullptr if the provider has none.
EVP_MD* fetched_sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

/// One thread's HMAC-SHA256 context: the MAC and its digest set once.
class hmac_context {
public:
  hmac_context() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr)
      return;
    ctx_ = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); // the context holds its own reference
    char digest[] = "SHA256";
    OSSL_PARAM params[]
      = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
         OSSL_PARAM_construct_end()};
    if (ctx_ != nullptr && EVP_MAC_CTX_set_params(ctx_, params) != 1) {
      EVP_MAC_CTX_free(ctx_);
      ctx_ = nullptr;
    }
  }
  ~hmac_context() { EVP_MAC_CTX_free(ctx_); }
  hmac_context(const hmac_context&) = delete;
  hmac_context& operator=(const hmac_context&) = delete;

  /// The MAC into `out` (32 bytes); false if OpenSSL refused.
  bool mac(std::string_view key, std::string_view data, unsigned char* out) {
    // A null key would make OpenSSL reuse the previous call's key: an empty
    // key is passed as a pointer to nothing instead.
    static const unsigned char no_key = 0;
    const auto* k = key.empty()
                    ? &no_key
                    : reinterpret_cast<const unsigned char*>(key.data());
    size_t len = 0;
    return ctx_ != nullptr && EVP_MAC_init(ctx_, k, key.size(), nullptr) == 1
        && EVP_MAC_update(ctx_,
                          reinterpret_cast<const unsigned char*>(data.data()),
                          data.size())
             == 1
        && EVP_MAC_final(ctx_, out, &len, 32) == 1 && len == 32;
  }

private:
  EVP_MAC_CTX* ctx_ = nullptr;
};

} // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  thread_local hmac_context context;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 32;
  if (!context.mac(key, data, out)) // the one-shot call, as before
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
         &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const EVP_MD* md = fetched_sha256();
  EVP_Digest(data.data(), data.size(), out, &len, md ? md : EVP_sha256(),
             nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

constexpr char b64[]
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Each byte's base64url value, -1 for a byte outside the alphabet (a
/// table: the decode runs for every connect token a balancer checks).
int b64_value(char c) {
  static const auto values = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(b64[i])] = static_cast<int8_t>(i);
    return t;
  }();
  return values[static_cast<unsigned char>(c)];
}

} // namespace

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string to_base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += b64[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64_value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) // non-canonical trailing bits
    return std::nullopt;
  return out;
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size()
      && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace tether::auth
