#include "openssl_ed25519.hpp"

#include <memory>

#include <openssl/evp.h>

namespace tether::auth::testing {

namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

pkey_ptr private_key(std::string_view seed) {
  return {EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed),
                                       seed.size()),
          EVP_PKEY_free};
}

} // namespace

std::string openssl_public_key(std::string_view seed) {
  auto key = private_key(seed);
  unsigned char pub[32];
  size_t len = sizeof(pub);
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub, &len) != 1)
    return {};
  return std::string(reinterpret_cast<const char*>(pub), len);
}

std::string openssl_sign(std::string_view seed, std::string_view message) {
  auto key = private_key(seed);
  md_ctx_ptr ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  unsigned char sig[64];
  size_t len = sizeof(sig);
  if (!key || !ctx
      || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get())
           != 1
      || EVP_DigestSign(ctx.get(), sig, &len, bytes(message), message.size())
           != 1)
    return {};
  return std::string(reinterpret_cast<const char*>(sig), len);
}

bool openssl_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature) {
  pkey_ptr key{EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           bytes(public_key),
                                           public_key.size()),
               EVP_PKEY_free};
  md_ctx_ptr ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  return key && ctx
      && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get())
           == 1
      && EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(),
                          bytes(message), message.size())
           == 1;
}

} // namespace tether::auth::testing
