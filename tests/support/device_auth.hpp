// Device credentials for tests, written from docs/API.md "Device identity"
// alone (no server code): the enrollment key of a data directory, signed
// register / destination calls, the connect token of an answer.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tests/support/clients.hpp"

namespace tether::test {

/// The group key (raw 32 bytes) of DATA/secrets/enrollment/default; empty
/// when the file is missing.
std::string enrollment_key(const std::string& data_dir);

/// The `Tether-Device` Authorization value for one request. `ts` 0: now;
/// `nonce` empty: a fresh random one.
std::string device_proof(const std::string& group_key,
                         const std::string& terminal_id,
                         const std::string& method, const std::string& target,
                         const std::string& body, int64_t ts = 0,
                         std::string nonce = {},
                         const std::string& group = "default");

/// `method target body` signed for `terminal_id` with `group_key`.
http_result device_call(const std::string& host_port,
                        const std::string& group_key,
                        const std::string& terminal_id,
                        const std::string& method, const std::string& target,
                        const std::string& body = {});

} // namespace tether::test
