// device_auth: what the HTTP gateway needs to authenticate devices — the
// enrollment groups' proof check (with its nonce cache) and the signer of
// connect tokens. Owned by one gateway actor (the verifier is not
// thread-safe).
#pragma once

#include <chrono>
#include <memory>

#include "auth/connect_token.hpp"
#include "auth/device_proof.hpp"

namespace tether::auth {

struct device_auth {
  device_verifier proofs;
  std::shared_ptr<token_signer> tokens;
  std::chrono::seconds token_ttl{24 * 3600};
};

} // namespace tether::auth
