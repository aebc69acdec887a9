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

/// Per-call history records ([history]; GET /v1/terminals/{id}/history):
/// kept this long, at most this many per terminal; the store's retention
/// sweep looks at this many keys per period.
constexpr std::chrono::milliseconds history_retention = 30 * 24h;
constexpr std::size_t history_max_per_terminal = 1'000;
constexpr std::size_t history_sweep_per_tick = 10'000;
constexpr std::chrono::milliseconds history_sweep_period = 1'000ms;

/// [placement] class_ttl: a GE/GF class is forgotten this long after it
/// formed. The patent derives the classes from the stored history ("in the
/// past"), so a class lives as long as the history it came from
/// (history_retention; docs/LABELS.md).
constexpr std::chrono::milliseconds class_ttl = history_retention;

} // namespace tether::defaults
