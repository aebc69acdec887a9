#include "actors/store_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/log.hpp"

namespace tether {

store_actor::behavior_type
store_service(store_actor::stateful_pointer<store_actor_state> self,
              std::shared_ptr<storage::store> db) {
  self->state.db = std::move(db);
  return {
    [self](put_atom, const terminal_record& rec) -> caf::result<ok_atom> {
      auto st = self->state.db->put_terminal(rec);
      if (!st.ok()) {
        logger("store")->error("{}", st.message);
        return make_error(errc::unavailable, st.message);
      }
      return ok_atom::value;
    },
    [self](put_atom, const std::vector<job_record>& jobs,
           uint64_t next_seq) -> caf::result<ok_atom> {
      auto st = self->state.db->put_jobs(jobs, next_seq);
      if (!st.ok()) {
        logger("store")->error("{}", st.message);
        return make_error(errc::unavailable, st.message);
      }
      return ok_atom::value;
    },
    [self](get_atom, job_atom, const std::string& id)
      -> caf::result<job_record> {
      storage::status st;
      auto job = self->state.db->get_job(id, st);
      if (!st.ok())
        return make_error(errc::unavailable, st.message);
      if (!job)
        return make_error(errc::not_found, "job " + id + " does not exist");
      return std::move(*job);
    },
  };
}

} // namespace tether
