#include "actors/cluster_balancer/early_frames.hpp"

#include <utility>

// Only for job_window (the session's job window), which lives with the
// session.
#include "actors/terminal_session/terminal_session.hpp"

namespace tether {

bool early_frames::keep(std::string& text, size_t max_early_frames) {
  if (frames.size() >= max_early_frames + sent)
    return false;
  frames.push_back(std::move(text));
  return true;
}

bool early_frames::keep(const job_record& job, size_t max_early_frames) {
  if (jobs.size() >= max_early_frames)
    return false;
  jobs.push_back(job);
  return true;
}

void early_frames::after_move() {
  sent = 2 * job_window;
}

void early_frames::clear() {
  frames.clear();
  frames.shrink_to_fit();
  sent = 0;
  jobs.clear();
  jobs.shrink_to_fit();
}

bool early_frames::hold_for_device(std::string& text, size_t max_held) {
  if (!greets || held.size() >= max_held)
    return false;
  held.push_back(std::move(text));
  return true;
}

std::vector<std::string> early_frames::greeted() {
  greets = false;
  return std::exchange(held, {});
}

} // namespace tether
