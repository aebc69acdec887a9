// Defaults shared by the topology (config/topology.hpp) and the actors'
// settings structs, so that one value is written once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tether::defaults {

using namespace std::chrono_literals;

/// Any request from one actor to another (store, selector, manager, ...).
constexpr std::chrono::milliseconds request_timeout = 5'000ms;
/// The longest wait between two attempts to reach a peer process.
constexpr std::chrono::milliseconds reconnect_max = 5'000ms;

} // namespace tether::defaults
