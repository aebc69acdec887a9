#include "actors/control/call_log.hpp"

#include <iterator>

namespace tether {

const call_record& call_log::add(const std::string& terminal_id,
                                 const std::string& event, int64_t now,
                                 std::string job_id, std::string detail,
                                 std::string node, std::string address) {
  if (max_pending > 0 && pending.size() >= max_pending) {
    pending.pop_front();
    ++dropped;
  }
  call_record r;
  r.terminal_id = terminal_id;
  r.at_ms = now;
  r.seq = next_seq++;
  r.event = event;
  r.job_id = std::move(job_id);
  r.detail = std::move(detail);
  r.node = std::move(node);
  r.address = std::move(address);
  pending.push_back(std::move(r));
  return pending.back();
}

void call_log::add_job_step(const std::string& terminal_id,
                            const std::string& job_id,
                            const std::string& status, const std::string& node,
                            int64_t now) {
  if (status == "delivered")
    add(terminal_id, call_event::job_delivered, now, job_id, {}, node);
  else if (status == "acked")
    add(terminal_id, call_event::job_acked, now, job_id, {}, node);
  else if (storage::is_final_status(status))
    add(terminal_id, call_event::job_finished, now, job_id, status, node);
}

size_t call_log::forget(const std::string& terminal_id) {
  return std::erase_if(pending, [&](const call_record& r) {
    return r.terminal_id == terminal_id;
  });
}

std::vector<call_record> call_log::take() {
  std::vector<call_record> out{std::make_move_iterator(pending.begin()),
                               std::make_move_iterator(pending.end())};
  pending.clear();
  return out;
}

std::string call_event_of(const std::string& call) {
  for (const char* known :
       {"register", "destination", "push", "attributes", "user"})
    if (call == known)
      return call;
  return {};
}

} // namespace tether
