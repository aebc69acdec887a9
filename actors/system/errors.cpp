#include "actors/system/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace tether {

namespace {
constexpr caf::atom_value category = caf::atom("tether");
} // namespace

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category,
                    caf::make_message(std::move(message))};
}

error_view view(const caf::error& err) {
  if (err.category() == category) {
    std::string msg;
    if (err.context().match_elements<std::string>())
      msg = err.context().get_as<std::string>(0);
    return {static_cast<errc>(err.code()), std::move(msg)};
  }
  if (err.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(err.code());
    if (code == caf::sec::request_timeout)
      return {errc::unavailable, "the control plane did not answer in time"};
    if (code == caf::sec::invalid_argument) // a request to a null handle
      return {errc::unavailable,
              "the control plane is not reachable (its process is down or "
              "not connected yet)"};
    return {errc::unavailable, "the control plane is not reachable ("
                                 + caf::to_string(code) + ")"};
  }
  return {errc::internal, "internal error"};
}

const char* code_name(errc code) {
  switch (code) {
  case errc::bad_request:
    return "bad_request";
  case errc::not_found:
    return "not_found";
  case errc::method_not_allowed:
    return "method_not_allowed";
  case errc::conflict:
    return "conflict";
  case errc::payload_too_large:
    return "payload_too_large";
  case errc::too_many_requests:
    return "too_many_requests";
  case errc::unavailable:
    return "unavailable";
  case errc::unauthorized:
    return "unauthorized";
  case errc::internal:
    break;
  }
  return "internal";
}

uint16_t http_status(errc code) {
  switch (code) {
  case errc::bad_request:
    return 400;
  case errc::not_found:
    return 404;
  case errc::method_not_allowed:
    return 405;
  case errc::conflict:
    return 409;
  case errc::payload_too_large:
    return 413;
  case errc::too_many_requests:
    return 429;
  case errc::unavailable:
    return 503;
  case errc::unauthorized:
    return 401;
  case errc::internal:
    break;
  }
  return 500;
}

} // namespace tether
