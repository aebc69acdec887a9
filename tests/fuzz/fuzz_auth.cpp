// Fuzz target: what a device or balancer hands the server unchecked
// (auth/): the Tether-Device header (parsed and checked against an
// enrollment group) and connect tokens (peeked and verified).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/connect_token.hpp"
#include "auth/device_proof.hpp"

using namespace tether::auth;

namespace {

constexpr int64_t now_s = 1'800'000'000;

struct fixture {
  std::shared_ptr<token_signer> signer
    = token_signer::from_seed(std::string(32, '\x07'));
  token_verifier tokens;
  device_verifier proofs{{{"default", std::string(32, '\x05'), true}}};
  fixture() { tokens.add(signer->public_key()); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fixture f;
  std::string_view in{reinterpret_cast<const char*>(data), size};
  (void)parse_proof(in);
  (void)f.proofs.check(in, "T1", "POST", "/v1/terminals/register", "{}", now_s);
  (void)peek_token(in);
  // A token nobody signed is never valid.
  if (f.tokens.verify(in, "T1", "C1", now_s).empty())
    __builtin_trap();
  return 0;
}
