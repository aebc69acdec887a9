// store_actor: the only user of the RocksDB store at run time. Spawned
// detached (its own thread), so disk writes never stall the cooperative
// scheduler; requests are answered in arrival order.
#pragma once

#include <memory>

#include "actors/interfaces.hpp"
#include "storage/store.hpp"

namespace tether {

struct store_actor_state {
  static inline const char* name = "store";
  std::shared_ptr<storage::store> db;
};

store_actor::behavior_type
store_service(store_actor::stateful_pointer<store_actor_state> self,
              std::shared_ptr<storage::store> db);

} // namespace tether
