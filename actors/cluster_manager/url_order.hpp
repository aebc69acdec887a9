// The order in which one terminal tries its cluster's balancers
// (rendezvous, or highest-random-weight, hashing).
//
// Every (terminal, balancer) pair gets a pseudo-random score from a stable
// hash of both ids; a terminal tries the balancers by descending score. So a
// terminal's first choice is the same every time and spread evenly over the
// balancers across terminals, and — what a rotation of one list does not
// give — the devices of one dead balancer spread evenly over all the others
// (their second choices are independent of the first), instead of all
// falling over to the balancer that follows it in the list. Adding or
// removing a balancer moves only the terminals whose order it enters or
// leaves. Plain C++, no actor: the cluster manager's destination answer
// (cluster_table.cpp) calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tether {

/// The score of `balancer_id` for `terminal_id`: a stable 64-bit hash of
/// both (FNV-1a over the two ids with a NUL between them, then a 64-bit
/// finaliser so that ids differing in one character score independently).
uint64_t rendezvous_score(std::string_view terminal_id,
                          std::string_view balancer_id);

/// Indexes into `balancer_ids` in the order `terminal_id` should try them:
/// by descending score, equal scores by id. Each index once.
std::vector<size_t>
rendezvous_order(std::string_view terminal_id,
                 const std::vector<std::string_view>& balancer_ids);

} // namespace tether
