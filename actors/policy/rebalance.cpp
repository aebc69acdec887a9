#include "actors/policy/rebalance.hpp"

#include <optional>
#include <utility>

namespace tether {

namespace {

/// Takes part: usable, with a weight (a node of weight 0 takes no new
/// sessions; it is left as it is, neither giving nor taking).
bool takes_part(const rebalance_node& n) {
  return n.usable && n.weight > 0;
}

/// `a`'s load (sessions ÷ weight) is above `b`'s, compared by
/// cross-multiplying.
bool heavier(const rebalance_node& a, const rebalance_node& b) {
  return uint64_t{a.sessions} * b.weight > uint64_t{b.sessions} * a.weight;
}

/// The fullest and the emptiest node taking part (ties: lowest index).
std::pair<std::optional<size_t>, std::optional<size_t>>
extremes(const std::vector<rebalance_node>& ns) {
  std::optional<size_t> hi, lo;
  for (size_t i = 0; i < ns.size(); ++i) {
    if (!takes_part(ns[i]))
      continue;
    if (!hi || heavier(ns[i], ns[*hi]))
      hi = i;
    if (!lo || heavier(ns[*lo], ns[i]))
      lo = i;
  }
  return {hi, lo};
}

/// Moving one session from `a` to `b` keeps `a` at least as loaded as `b`:
/// (sa - 1) / wa >= (sb + 1) / wb.
bool worth_one(const rebalance_node& a, const rebalance_node& b) {
  return a.sessions > 0
      && uint64_t{a.sessions - 1} * b.weight
           >= uint64_t{b.sessions + 1} * a.weight;
}

/// `a`'s load is at least `ratio` times `b`'s.
bool over_ratio(const rebalance_node& a, const rebalance_node& b,
                double ratio) {
  return static_cast<double>(a.sessions) * b.weight
      >= ratio * static_cast<double>(b.sessions) * a.weight;
}

/// Adds one move to a round's plan.
void add_move(std::vector<rebalance_move>& out, size_t from, size_t to) {
  for (auto& m : out)
    if (m.from == from && m.to == to) {
      ++m.count;
      return;
    }
  out.push_back({from, to, 1});
}

} // namespace

std::vector<rebalance_move>
rebalance_rule::plan(const std::vector<rebalance_node>& nodes, int64_t now_ms) {
  std::vector<rebalance_move> out;
  if (cfg_.ratio <= 0)
    return out;
  auto [hi, lo] = extremes(nodes);
  if (!hi || !lo || *hi == *lo || !worth_one(nodes[*hi], nodes[*lo])) {
    balancing_ = false; // balanced (or nothing to balance)
    return out;
  }
  if (!balancing_ && !over_ratio(nodes[*hi], nodes[*lo], cfg_.ratio))
    return out;
  if (any_round_ && now_ms - last_round_ms_ < cfg_.period_ms)
    return out;
  any_round_ = true;
  last_round_ms_ = now_ms;
  balancing_ = true;
  // One session at a time from the fullest to the emptiest; bounded by the
  // sessions there are (each move lowers the spread).
  auto ns = nodes;
  uint64_t total = 0;
  for (const auto& n : ns)
    total += n.sessions;
  for (uint64_t step = 0; step < total; ++step) {
    auto [from, to] = extremes(ns);
    if (!from || !to || *from == *to || !worth_one(ns[*from], ns[*to]))
      break;
    --ns[*from].sessions;
    ++ns[*to].sessions;
    add_move(out, *from, *to);
  }
  return out;
}

} // namespace tether
