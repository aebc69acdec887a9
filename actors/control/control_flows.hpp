// The control's request chains as named functions over the actor (used by
// the behaviour in control.cpp, defined in control_flows.cpp): each one
// decodes nothing and decides little; the decisions are the state's
// (control_state and its sections).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/duration.hpp>
#include <caf/expected.hpp>
#include <caf/result.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/control/control.hpp"

namespace tether {

using control_self = control_actor::stateful_pointer<control_state>;

/// The actors the control talks to, fixed at start.
struct control_peers {
  selector_actor selector;
  cluster_manager_actor manager;
  store_actor store;
  notifier_actor notify;
};

/// 400 for an attribute its sender may not set (forbidden_attribute):
/// `attributes.<name>` at registration (from_device), `<name>` otherwise.
caf::error computed_item_error(const std::string& name, bool from_device);

/// Registration: label from the selector, cluster from the cluster
/// manager, then the record (services' changes made meanwhile kept).
caf::result<destination> register_terminal(control_self self,
                                           const control_peers& p,
                                           terminal_record facts);

/// POST (revoke = true) and DELETE /v1/admin/terminals/{id}/revoke: the
/// record stored with its new generation, then the balancers learn it
/// (they poll revocations); answers the terminal's view.
caf::result<terminal_status> revoke_terminal(control_self self,
                                             const control_peers& p,
                                             const std::string& terminal,
                                             bool revoke);

/// GET /v1/terminals: terminals by id prefix, each with its label as
/// terminal_view shows it (without, when the selector does not answer).
caf::result<std::vector<terminal_status>>
terminal_list(control_self self, const control_peers& p,
              const std::string& prefix, uint32_t limit);

/// A terminal as GET /v1/terminals/{id} shows it, label included (empty
/// when the selector does not answer).
caf::result<terminal_status> terminal_view(control_self self,
                                           const control_peers& p,
                                           const std::string& terminal);

/// A changed record (attributes, user links) or why not: stored, then it
/// replaces the record in memory; answers the terminal's view.
caf::result<terminal_status>
store_terminal(control_self self, const control_peers& p,
               caf::expected<terminal_record> changed);

/// A pushed job: stored, then answered and routed to the terminal's
/// session (one that is not connected gets it when it connects).
caf::result<job_record> push_job(control_self self, const control_peers& p,
                                 job_record request);

/// Stores a job's new state (a status report, an expiry, a cancellation
/// of a retired terminal's job, a callback's outcome); once stored,
/// notifies its callback if it has become final. The states go to the
/// store in batches, one request each (status_writes.hpp): at once when
/// none is in flight, else with the others once its answer comes.
void persist_job(control_self self, const control_peers& p,
                 const job_record& job);

/// Sends the waiting job states now, in flight or not (a job read from
/// the store must find its latest state there).
void flush_job_writes(control_self self, const control_peers& p);

/// The notifier's final word on a job's callback.
void callback_done(control_self self, const control_peers& p,
                   const std::string& job_id, uint32_t attempts, bool accepted);

/// Hands a terminal's open jobs to its (new) session.
void send_unfinished(control_self self, const std::string& terminal,
                     const terminal_session_actor& session);

/// The label configuration, validated, checked by the cluster manager
/// against the clusters' labels, stored, then handed to the selector;
/// answers what the selector uses now.
caf::result<std::vector<std::string>>
put_label_items(control_self self, const control_peers& p,
                std::vector<std::string> items);

/// An operator's change to a cluster, for the cluster manager; new labels
/// go with the label items in use, which they must keep naming.
caf::result<cluster_status>
put_cluster(control_self self, const control_peers& p, cluster_change ch);

using realloc_done = std::function<void(caf::expected<realloc_summary>)>;

/// One re-allocation run: labels under the current label configuration,
/// the cluster manager's verdict, then connected terminals paced and the
/// others moved at once. `done` gets the summary or the error.
void reallocate(control_self self, const control_peers& p,
                std::string cluster_id, std::vector<std::string> terminal_ids,
                realloc_done done);

/// POST /v1/admin/reallocate: a run whose summary is the answer.
caf::result<realloc_summary> reallocate_now(control_self self,
                                            const control_peers& p,
                                            std::string cluster_id,
                                            std::vector<std::string> ids);

/// Moves the terminals whose pacing slot has come (the `realloc, tick`
/// timer); keeps ticking while moves wait.
void move_due(control_self self, const control_peers& p);

/// The control's tick (tick_period): retention, periodic re-allocation,
/// TTL expiry, label groups, and the flush of events and histories.
void on_tick(control_self self, const control_peers& p);

/// A graceful stop (the `flush` message, net/ordered_stop.hpp): what the
/// tick would store goes to the store now: disconnect events and the
/// classes they form, the API histories, the history records.
void flush_for_stop(control_self self, const control_peers& p);

/// DELETE /v1/admin/classes/{name}: ends a GE/GF class, stores its
/// members' histories and drops its stored events, then answers how many
/// terminals were in it (not_found: no such class).
caf::result<uint64_t> end_class(control_self self, const control_peers& p,
                                const std::string& name);

/// GET /v1/terminals/{id}/history (call_history.cpp): 404 for a terminal
/// that is not registered; else the pending records go to the store, which
/// answers the page.
caf::result<call_page> history_page(control_self self, const control_peers& p,
                                    const std::string& terminal, int64_t since,
                                    const std::string& cursor, uint32_t limit);

/// Hands the pending history records to the store (each tick).
void flush_calls(control_self self, const control_peers& p);

/// Hands them over now if call_log::full(); the job path calls it as it
/// adds records (a push stored, just before a status report's write), so
/// they join the batch of a job write that is on its way.
void flush_calls_if_full(control_self self, const control_peers& p);

/// Hands the API histories that changed to the store (each tick; the
/// store writes them a chunk a batch, actors/store/record_backlog.hpp).
void flush_history(control_self self, const control_peers& p);

/// The timeout of the job path's writes to the store: none. The store is
/// spawned in the same process as the control in every deployment
/// (net/deployment.cpp), so a timed request only costs a timer on CAF's
/// clock thread per write (about four a job); a store that goes down still
/// answers each request with an error, and one that stalls is noticed by
/// the gateway's own request timeout.
inline const caf::duration local_store{caf::infinite};

/// get_atom, metrics_atom: the control's job figures with the store's, the
/// notifier's and the balancers' (control_metrics.cpp).
caf::result<std::vector<metric_series>> gather_metrics(control_self self,
                                                       const control_peers& p);

} // namespace tether
