// services: which services a device serves (docs/API.md, register body
// `services`), and the connection id a connected device has per service
// (`hello`'s `service_connections`). Plain C++, no actor: the HTTP codec
// validates with it, the control checks pushes with it, the balancer makes
// the connection ids. Unit-tested in tests/actors/policy/services_test.cpp.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"

namespace tether::services {

/// At most this many services per device.
constexpr size_t max_services = 16;

/// The services of a device that declared none (every device registered
/// before services existed is a printer): `print`.
const std::vector<std::string>& default_list();

/// A service name: 1-32 characters of [a-z0-9_-].
bool valid_name(std::string_view name);

/// Why `names` is not a valid `services` list (1-16 distinct valid names),
/// or empty when it is.
std::string check(const std::vector<std::string>& names);

/// The services `rec` serves: its declared list, else the default list.
const std::vector<std::string>& of(const storage::terminal_record& rec);

/// Whether `rec` serves `service`.
bool serves(const storage::terminal_record& rec, const std::string& service);

/// A new connection id per service: "s" + 32 random hex digits (128 bits
/// from OpenSSL's generator), so that one cannot be guessed from another.
std::map<std::string, std::string>
new_connections(const std::vector<std::string>& names);

} // namespace tether::services
