// tether-terminal: the process that runs N devices on one io_context.
//
// The fleet owns the io_context (and its threads), creates the devices, starts
// them at
// --ramp-per-s, prints the counters every --stats-interval-s, and stops
// everything on SIGINT/SIGTERM, after --duration-s, or once --exit-after-jobs
// jobs are done. Stopping is graceful (close handshakes) with a bounded grace
// period, then forced.
#pragma once

#include "tether-terminal/options.hpp"

#include <boost/asio/ip/address.hpp>
#include <spdlog/logger.h>

#include <memory>
#include <vector>

namespace tether::terminal {

class fleet {
public:
  // `options` must already be validated; `sources` are the expanded
  // --source-addrs.
  fleet(terminal_options options, std::vector<boost::asio::ip::address> sources,
        std::shared_ptr<spdlog::logger> log);
  ~fleet();
  fleet(const fleet&) = delete;
  fleet& operator=(const fleet&) = delete;

  // Runs until stopped; prints the final counters (and writes --stats-json).
  // Returns the process exit code: 0, or 1 when --exit-after-jobs was set and
  // not reached or the stats file could not be written.
  int run();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tether::terminal
