#include <caf/actor_system_config.hpp>

#include "actors/system/interfaces.hpp"

namespace tether {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::tether>();
}

} // namespace tether
