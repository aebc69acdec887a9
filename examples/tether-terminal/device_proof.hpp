// tether-terminal: the device proof of docs/API.md "Device identity" — the
// `Authorization: Tether-Device ...` header of register and destination,
// signed with the device key HMAC-SHA256(group key, terminal id). OpenSSL
// only; no Beast here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::terminal {

// The 32-byte group key from a file of 64 hex characters; nothing with the
// reason in `error`.
std::optional<std::string> read_group_key(const std::string& path,
                                          std::string& error);

// The header value for one request (fresh nonce, current time).
std::string device_proof(std::string_view group, std::string_view group_key,
                         std::string_view terminal_id, std::string_view method,
                         std::string_view target, std::string_view body);

} // namespace tether::terminal
