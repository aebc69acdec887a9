#include "actors/store/call_backlog.hpp"

#include <algorithm>
#include <iterator>

namespace tether {

call_backlog::call_backlog(size_t per_batch)
    : per_batch_(std::max<size_t>(1, per_batch)) {}

void call_backlog::hand_over(std::vector<storage::call_record>& records,
                             std::vector<storage::call_record>& batch) {
  fill(batch, true);
  records_.insert(records_.end(), std::make_move_iterator(records.begin()),
                  std::make_move_iterator(records.end()));
  records.clear();
}

void call_backlog::fill(std::vector<storage::call_record>& batch, bool all) {
  auto n = all ? records_.size() : std::min(per_batch_, records_.size());
  auto end = records_.begin() + static_cast<std::ptrdiff_t>(n);
  batch.insert(batch.end(), std::make_move_iterator(records_.begin()),
               std::make_move_iterator(end));
  records_.erase(records_.begin(), end);
}

} // namespace tether
