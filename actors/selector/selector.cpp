#include "actors/selector/selector.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/placement.hpp"

namespace tether {

selector_actor::behavior_type
selector(selector_actor::stateful_pointer<selector_state> self,
         std::vector<std::string> items) {
  self->state.items = std::move(items);
  return {
    [self](select_atom, const terminal_record& facts) {
      return select_label(facts, self->state.items);
    },
    [self](get_atom, label_atom) { return self->state.items; },
    // The control has validated and stored the new label configuration.
    [self](put_atom, label_atom, std::vector<std::string>& items) {
      self->state.items = std::move(items);
      return self->state.items;
    },
  };
}

} // namespace tether
