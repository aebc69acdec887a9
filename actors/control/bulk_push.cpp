#include "actors/control/bulk_push.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/errors.hpp"
#include "actors/system/log.hpp"
#include "actors/system/store_then.hpp"

namespace tether {

bulk_batch bulk_batch::split(control_state& st, std::vector<job_record> items,
                             int64_t now) {
  bulk_batch b;
  b.outcomes.reserve(items.size());
  for (auto& item : items) {
    bulk_outcome out;
    out.job.terminal_id = item.terminal_id;
    auto job = st.accept_job(std::move(item), now);
    if (job) {
      // The gateway answers with the job id: the payload stays out of the
      // answer (one copy less per job).
      out.job.job_id = job->job_id;
      out.job.status = job->status;
      b.accepted.push_back(std::move(*job));
    } else {
      auto v = view(job.error());
      out.error_code = static_cast<uint8_t>(v.code);
      out.error = std::move(v.message);
    }
    b.outcomes.push_back(std::move(out));
  }
  return b;
}

void bulk_batch::stored(control_state& st, int64_t now) const {
  for (const auto& job : accepted)
    st.job_stored(job, now);
}

void bulk_batch::dropped(control_state& st) const {
  for (const auto& job : accepted)
    st.jobs.drop_job(job);
}

namespace {

/// Hands the stored jobs to the cluster manager in one request (a terminal
/// that is not connected gets its job when it connects), each as a single
/// push does (actors/cluster_manager/bulk_deliver.hpp).
void route(control_self self, const control_peers& p,
           std::vector<job_record> jobs) {
  auto n = jobs.size();
  self
    ->request(p.manager, self->state.request_timeout, deliver_atom::value,
              std::move(jobs))
    .then([](const std::string&) {},
          [n](caf::error& err) {
            logger("control")->warn("{} jobs of a bulk not routed: {}", n,
                                    caf::to_string(err));
          });
}

} // namespace

caf::result<std::vector<bulk_outcome>>
push_jobs(control_self self, const control_peers& p,
          std::vector<job_record> items) {
  auto batch = bulk_batch::split(self->state, std::move(items), now_ms());
  auto rp = self->make_response_promise<std::vector<bulk_outcome>>();
  if (batch.accepted.empty()) {
    rp.deliver(std::move(batch.outcomes)); // nothing to store
    return rp;
  }
  auto jobs = batch.accepted;
  auto shared = std::make_shared<bulk_batch>(std::move(batch));
  store_then<caf::message_priority::high>( // urgent, as a single push
    self, p.store, rp, "the jobs",
    [self, p, shared](auto& rp) {
      shared->stored(self->state, now_ms());
      rp.deliver(std::move(shared->outcomes));
      route(self, p, std::move(shared->accepted)); // both used up
    },
    [self, shared] { shared->dropped(self->state); }, put_atom::value,
    std::move(jobs), self->state.jobs.next_job_seq);
  return rp;
}

} // namespace tether
