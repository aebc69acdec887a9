// child_process: a real OS process for integration tests (posix_spawn),
// with its output in a log file; killed (SIGKILL) when destroyed.
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tether::test {

class child_process {
public:
  ~child_process();

  /// Starts argv[0] with the arguments; stdout and stderr go to `log_path`.
  static std::unique_ptr<child_process>
  spawn(const std::vector<std::string>& argv, const std::string& log_path);

  pid_t pid() const { return pid_; }
  void signal(int sig);
  /// Waits for the exit; returns the exit status (or 128 + signal), or
  /// nothing on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

private:
  child_process() = default;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

/// A fresh temporary directory, removed with everything in it on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

std::string read_file(const std::string& path);

/// Bytes that process `pid` wrote on its TCP sockets and that the other
/// ends on this host have not read yet: the sum of its peers' receive
/// queues (/proc/net/tcp and tcp6). It grows when `pid` sends to a frozen
/// process: a test sees that a message reached it without sleeping.
size_t unread_bytes_sent_by(pid_t pid);
void write_file(const std::string& path, const std::string& text);

/// Polls `pred` every 20 ms until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    struct timespec ts {
      0, 20'000'000
    };
    nanosleep(&ts, nullptr);
  }
}

/// Ports a test picks were free when picked, but a test running alongside
/// may bind one before the process does. `make()` builds the process (or
/// deployment) on newly picked ports and `start(*it)` starts it; a start
/// that throws is printed and tried again on a new one, at most `attempts`
/// times in all (then the last error is thrown, and gtest reports it).
template <class Make, class Start>
auto started_retrying(Make make, Start start, int attempts = 3) {
  for (int attempt = 1;; ++attempt) {
    auto started = make();
    try {
      start(*started);
      return started;
    } catch (const std::exception& e) {
      if (attempt >= attempts)
        throw;
      std::printf("start failed (attempt %d), again on new ports:\n%s\n",
                  attempt, e.what());
    }
  }
}

} // namespace tether::test
