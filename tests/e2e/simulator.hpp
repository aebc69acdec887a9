// The device simulator (examples/tether-terminal) as the end-to-end tests
// start it: a test's CMake target defines TETHER_TERMINAL_PATH.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e.hpp"

#ifndef TETHER_TERMINAL_PATH
#error "TETHER_TERMINAL_PATH must name the simulator binary"
#endif

namespace tether::test {

/// Starts the simulator against the HTTP API at `http` (host:port) with the
/// options `args`; its output goes to `log`.
inline std::unique_ptr<child_process> simulator(const std::string& http,
                                                std::vector<std::string> args,
                                                const std::string& log) {
  args.insert(args.begin(),
              {TETHER_TERMINAL_PATH, "--server", "http://" + http});
  return child_process::spawn(args, log);
}

/// The same against tetherd `d`, signing with its enrollment key (--data).
inline std::unique_ptr<child_process> simulator(const tetherd_process& d,
                                                std::vector<std::string> args,
                                                const std::string& log) {
  args.insert(args.begin(), {"--data", d.dir() + "/data"});
  return simulator(d.http(), std::move(args), log);
}

} // namespace tether::test
