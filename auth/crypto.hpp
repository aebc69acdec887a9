// crypto: the few primitives of device identity and connect tokens, over
// OpenSSL: HMAC-SHA256, SHA-256, hex and base64url, a constant-time compare.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::auth {

/// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);

std::string to_hex(std::string_view bytes);
/// Bytes of lowercase or uppercase hex; nothing when not hex.
std::optional<std::string> from_hex(std::string_view hex);

std::string to_base64url(std::string_view bytes); // no padding
std::optional<std::string> from_base64url(std::string_view text);

/// Equal contents, in time that depends only on the sizes.
bool equal_secret(std::string_view a, std::string_view b);

} // namespace tether::auth
