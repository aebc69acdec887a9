// auth_setup: the device credentials of one tetherd process, from the
// topology's [auth] and [[enrollment_groups]] and DATA/secrets (created on
// first start): the gateway's proof check and token signer, the
// balancers' token verifier. docs/SECURITY.md "Device identity".
#pragma once

#include <memory>
#include <string>

#include "auth/connect_token.hpp"
#include "auth/device_auth.hpp"
#include "config/topology.hpp"

namespace tether::net {

/// The gateway's device auth: the enrollment groups of the topology, or the
/// group "default" of DATA/secrets/enrollment/default, and the token
/// signing key DATA/secrets/token-signing-key (its public key is written
/// to DATA/secrets/token-public-key for balancer processes). Null with the
/// reason in `error` when a secret cannot be read or is malformed.
std::shared_ptr<auth::device_auth>
gateway_device_auth(const config::topology& topo, const std::string& data_dir,
                    std::string& error);

/// The balancers' token verifier: the key of `local` (the gateway of this
/// process, if any) and those of DATA/secrets/token-public-key (written by
/// the gateway: [auth] secrets_from names the gateway's DATA), read when a
/// token names a key not known yet.
std::shared_ptr<auth::token_verifier>
balancer_token_verifier(const config::topology& topo,
                        const std::string& data_dir,
                        const auth::device_auth* local);

} // namespace tether::net
