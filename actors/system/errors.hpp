// Tether's error codes inside the actor system. Errors are values: every
// request has an error branch, and the HTTP layer maps these codes to the
// contract's status codes (PROTOCOL.md "Errors").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace tether {

enum class errc : uint8_t {
  bad_request = 1,    // 400
  not_found,          // 404
  method_not_allowed, // 405
  conflict,           // 409
  payload_too_large,  // 413
  too_many_requests,  // 429
  unavailable,        // 503
  internal,           // 500
  unauthorized,       // 401
};

/// Creates an error of the "tether" category with a message for a person.
caf::error make_error(errc code, std::string message);

/// The contract's view of any error: CAF's own errors (timeouts, lost
/// peers) become `unavailable`.
struct error_view {
  errc code;
  std::string message;
};
error_view view(const caf::error& err);

/// Contract code name ("not_found") and HTTP status of an error code.
const char* code_name(errc code);
uint16_t http_status(errc code);

} // namespace tether
