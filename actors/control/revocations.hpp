// revocations: the revoked terminals as the balancers need them (one section
// of control_state): each revoked terminal's lowest valid connect-token
// generation, and a version that changes with every change, so that a
// balancer polling with the version it knows gets the list only when it
// changed. The generations themselves are stored in the terminals' records
// (terminal_record::token_generation); this is their index. Plain C++;
// unit-tested in tests/actors/control/revocations_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "actors/system/messages.hpp"

namespace tether {

class revocations {
public:
  /// Starts from the stored records at `now_ms`: the version is taken
  /// from the clock, so that a balancer that knew the list of an earlier
  /// control process never takes this one for the one it knows.
  template <class Records>
  void load(const Records& records, int64_t now_ms) {
    version_ = static_cast<uint64_t>(now_ms) * 1000;
    for (const auto& rec : records)
      if (rec.token_generation > 0)
        min_generation_[rec.terminal_id] = rec.token_generation;
  }

  /// Tokens of `terminal_id` below `generation` are revoked; bumps the
  /// version when that is news.
  void set(const std::string& terminal_id, uint64_t generation);

  /// The list for a balancer that knows `known` (empty lists: unchanged).
  revocation_list since(uint64_t known) const;

  /// The lowest valid generation of `terminal_id` (0: none revoked). A
  /// retired terminal that registers again starts from it.
  uint64_t min_generation(const std::string& terminal_id) const {
    auto i = min_generation_.find(terminal_id);
    return i == min_generation_.end() ? 0 : i->second;
  }

  uint64_t version() const { return version_; }
  size_t size() const { return min_generation_.size(); }

private:
  uint64_t version_ = 0;
  std::map<std::string, uint64_t> min_generation_;
};

} // namespace tether
