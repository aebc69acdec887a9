#include "auth/device_certificate.hpp"

namespace tether::auth {

bool certificate_names(std::string_view names, std::string_view terminal_id) {
  while (!names.empty()) {
    auto space = names.find(' ');
    if (names.substr(0, space) == terminal_id)
      return true;
    if (space == std::string_view::npos)
      break;
    names.remove_prefix(space + 1);
  }
  return false;
}

std::string certificate_refusal(std::string_view names,
                                std::string_view terminal_id) {
  if (certificate_names(names, terminal_id))
    return {};
  return "the client certificate names " + std::string{names.substr(0, 300)}
       + ", not terminal " + std::string{terminal_id};
}

} // namespace tether::auth
