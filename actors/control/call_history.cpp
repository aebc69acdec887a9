// The control's part of the per-call history records: the tick hands the
// pending records to the store (and the job path, once call_log::full());
// a read first hands them over too, so a page shows every record the
// control has made (the store answers in mailbox order). See call_log.hpp and
// storage/store.hpp (calls family).
#include "actors/control/control_flows.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"

namespace tether {

void flush_calls(control_self self, const control_peers& p) {
  auto& st = self->state;
  if (st.calls.pending.empty())
    return;
  self->request(p.store, local_store, put_atom::value, st.calls.take())
    .then([](ok_atom) {},
          [](caf::error& err) {
            logger("control")->warn("history records not stored: {}",
                                    caf::to_string(err));
          });
}

void flush_calls_if_full(control_self self, const control_peers& p) {
  if (self->state.calls.full())
    flush_calls(self, p);
}

caf::result<call_page> history_page(control_self self, const control_peers& p,
                                    const std::string& terminal, int64_t since,
                                    const std::string& cursor, uint32_t limit) {
  if (!self->state.terminals.contains(terminal))
    return not_registered(terminal);
  flush_calls(self, p);
  return self->delegate(p.store, get_atom::value, history_atom::value, terminal,
                        since, cursor, limit);
}

} // namespace tether
