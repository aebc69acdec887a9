#include "actors/control/return_placement.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/placement.hpp"
#include "actors/system/log.hpp"
#include "actors/system/timeout_to.hpp"

namespace tether {

void decide_return(control_self self, const control_peers& p,
                   const std::string& id, const assigned_label& label,
                   std::function<void(return_verdict)> then) {
  const auto* t = self->state.terminals.find(id);
  if (t == nullptr || t->record.cluster_id.empty())
    return then(return_verdict::place);
  realloc_plan plan;
  plan.terminal_ids = {id};
  plan.labels = {label};
  self
    ->request(p.manager,
              timeout_to(self, p.manager, self->state.request_timeout),
              realloc_atom::value, plan)
    .then(
      [self, p, id, label, then](std::vector<std::string>& moving) {
        auto& st = self->state;
        if (moving.empty())
          return then(return_verdict::stay);
        if (st.realloc.pacer.move_now_or_queue(id, label, pacer_now_us()))
          return then(return_verdict::place);
        logger("control")->info("{} came back and must move: paced ({} "
                                "moves waiting)",
                                id, st.realloc.pacer.pending());
        if (st.realloc.start_ticking())
          move_due(self, p);
        then(return_verdict::later);
      },
      [then](caf::error&) { then(return_verdict::place); });
}

namespace {

/// The destination with the terminal's token generation (revocation): the
/// gateway issues its token with it.
destination with_generation(control_self self, destination d) {
  if (const auto* t = self->state.terminals.find(d.terminal_id))
    d.token_generation = t->record.token_generation;
  return d;
}

/// Moves terminal `id` now (the cluster manager stores the new cluster and
/// has the old one's balancers send `reassign`), answering its destination.
void move_now(control_self self, const control_peers& p,
              const terminal_record& rec, const assigned_label& label,
              caf::typed_response_promise<destination> rp) {
  self
    ->request(p.manager,
              timeout_to(self, p.manager, self->state.request_timeout),
              move_atom::value, rec, label, uint32_t{0})
    .then(
      [self, rp, id = rec.terminal_id](destination& d) mutable {
        self->state.moved_to(id, d.cluster_id);
        rp.deliver(with_generation(self, std::move(d)));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

void lookup(control_self self, const control_peers& p, const std::string& id,
            caf::typed_response_promise<destination> rp) {
  self
    ->request(p.manager,
              timeout_to(self, p.manager, self->state.request_timeout),
              dest_atom::value, id)
    .then(
      [self, rp](destination& d) mutable {
        rp.deliver(with_generation(self, std::move(d)));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

} // namespace

caf::result<destination> destination_now(control_self self,
                                         const control_peers& p,
                                         const std::string& terminal) {
  const auto* t = self->state.terminals.find(terminal);
  if (t != nullptr && t->record.revoked) // until lifted (docs/SECURITY.md)
    return self->state.terminals.may_register(terminal, 0);
  auto rp = self->make_response_promise<destination>();
  if (t == nullptr || t->record.cluster_id.empty()) {
    lookup(self, p, terminal, rp);
    return rp;
  }
  self
    ->request(p.selector, self->state.request_timeout, get_atom::value,
              label_atom::value)
    .then(
      [self, p, terminal, rp](std::vector<std::string>& items) {
        const auto* t = self->state.terminals.find(terminal);
        if (t == nullptr)
          return lookup(self, p, terminal, rp);
        auto now = now_ms();
        auto rec = t->record.expand(terminal);
        auto label = self->state.placed_label(
          rec, select_label(self->state.label_facts(rec, now), items));
        decide_return(self, p, terminal, label,
                      [self, p, rec, label, rp](return_verdict v) {
                        if (v == return_verdict::place)
                          move_now(self, p, rec, label, rp);
                        else
                          lookup(self, p, rec.terminal_id, rp);
                      });
      },
      [self, p, terminal, rp](caf::error&) { lookup(self, p, terminal, rp); });
  return rp;
}

} // namespace tether
