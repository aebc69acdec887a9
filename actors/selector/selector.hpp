// selector: turns a device's facts into its assigned label under the current
// label configuration (the list of label items in use).
#pragma once

#include <string>
#include <vector>

#include "actors/system/interfaces.hpp"

namespace tether {

struct selector_state {
  static inline const char* name = "selector";
  std::vector<std::string> items;
};

selector_actor::behavior_type
selector(selector_actor::stateful_pointer<selector_state> self,
         std::vector<std::string> items);

} // namespace tether
