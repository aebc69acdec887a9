// device_certificate: a device may prove its identity on the device routes
// by a TLS client certificate instead of the Tether-Device header
// (docs/SECURITY.md "Device certificates"): one that verified against
// [edge_tls] client_ca_file and whose subject CN or a subjectAltName (DNS or
// URI) is the terminal id. The names come from the connection
// (net/tls/client_identity.hpp), separated by spaces.
#pragma once

#include <string>
#include <string_view>

namespace tether::auth {

/// Whether `names` (space-separated) holds `terminal_id` exactly.
bool certificate_names(std::string_view names, std::string_view terminal_id);

/// Empty when a connection whose verified certificate carries `names` may
/// act as `terminal_id`; else why not (for the 401's message). A
/// certificate naming another terminal is refused even when the request
/// also carries a valid proof header: the connection is that device's.
std::string certificate_refusal(std::string_view names,
                                std::string_view terminal_id);

} // namespace tether::auth
