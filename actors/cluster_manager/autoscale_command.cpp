#include "actors/cluster_manager/autoscale_command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "actors/system/log.hpp"

extern char** environ;

namespace tether {

std::string autoscale_outcome::describe() const {
  if (!started)
    return "could not start: " + error;
  if (timed_out)
    return fmt::format("killed after {} ms (timeout)", took.count());
  if (signal != 0)
    return fmt::format("ended by signal {} after {} ms", signal, took.count());
  return fmt::format("exited {} in {} ms", exit_code, took.count());
}

namespace {

/// Spawns `argv` in a process group of its own with stdin from /dev/null;
/// returns its pid, or -1 with `error` set.
pid_t spawn(const std::vector<std::string>& argv, std::string& error) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t deflt;
  sigemptyset(&deflt);
  sigaddset(&deflt, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
                                    | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = std::string{argv[0]} + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

} // namespace

autoscale_outcome run_autoscale_command(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  autoscale_outcome out;
  if (argv.empty() || argv.front().empty()) {
    out.error = "no program";
    return out;
  }
  auto begin = std::chrono::steady_clock::now();
  auto pid = spawn(argv, out.error);
  if (pid < 0)
    return out;
  out.started = true;
  int status = 0;
  // Polled every 10 ms: bounded by the timeout, then by the kill.
  for (;;) {
    auto r = waitpid(pid, &status, WNOHANG);
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - begin);
    if (r == pid)
      break;
    if (r < 0) {
      out.error = std::strerror(errno);
      return out;
    }
    if (out.took >= timeout) {
      out.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  if (WIFEXITED(status))
    out.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    out.signal = WTERMSIG(status);
  return out;
}

void start_autoscale_command(std::vector<std::string> argv,
                             std::chrono::milliseconds timeout,
                             std::string what) {
  std::thread{[argv = std::move(argv), timeout, what = std::move(what)] {
    auto log = logger("cluster_manager");
    auto out = run_autoscale_command(argv, timeout);
    if (out.started && !out.timed_out && out.signal == 0 && out.exit_code == 0)
      log->info("{}: {}", what, out.describe());
    else
      log->error("{}: {}", what, out.describe());
  }}.detach();
}

} // namespace tether
