// autoscale_command: runs the operator's [autoscale] command (issue 14,
// item 4) without a shell: the program and its arguments go to
// posix_spawnp as they are (no interpolation, no word splitting), stdin is
// /dev/null, stdout and stderr are tetherd's. Called by the cluster manager
// when elastic_rule says so; the run and its wait happen on a thread of
// their own, never on the actor's, and are bounded by `timeout` (then the
// command's process group is killed).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tether {

struct autoscale_outcome {
  bool started = false;   // false: `error` says why (spawn failed)
  bool timed_out = false; // killed after the timeout
  int exit_code = -1;     // when it exited
  int signal = 0;         // when a signal ended it
  std::chrono::milliseconds took{0};
  std::string error;

  /// One line for the log: "exited 0 in 12 ms", "killed after ...".
  std::string describe() const;
};

/// Runs `argv` (argv[0] looked up in PATH) and waits for it, at most
/// `timeout`; blocks the caller.
autoscale_outcome run_autoscale_command(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout);

/// Runs `argv` on a detached thread and logs its outcome (logger
/// "cluster_manager") with `what` (e.g. "autoscale command for C1").
void start_autoscale_command(std::vector<std::string> argv,
                             std::chrono::milliseconds timeout,
                             std::string what);

} // namespace tether
