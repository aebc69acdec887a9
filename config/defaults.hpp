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
/// A node reports its load on its own when its sessions moved by this many
/// since its last report, or its CPU by this share of one core
/// (actors/node/load_reports.hpp).
constexpr uint32_t load_report_sessions = 10;
constexpr double load_report_cpu = 0.10;

} // namespace tether::defaults
