#include "tests/support/process.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tether::test {

child_process::~child_process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::unique_ptr<child_process>
child_process::spawn(const std::vector<std::string>& argv,
                     const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::unique_ptr<child_process> p{new child_process};
  int rc = posix_spawn(&p->pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0]);
  return p;
}

void child_process::signal(int sig) {
  if (!reaped_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (reaped_)
    return status_;
  bool done = eventually(
    [this] {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return true;
      }
      return false;
    },
    timeout);
  if (!done)
    return std::nullopt;
  return status_;
}

bool child_process::running() {
  return !wait(std::chrono::milliseconds{0}).has_value();
}

temp_dir::temp_dir() {
  std::string tmpl = "/tmp/tether-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  // TETHER_TEST_KEEP=1 keeps every test's directory (logs, stores) for a
  // post-mortem; the path is printed.
  if (const char* keep = std::getenv("TETHER_TEST_KEEP"); keep && *keep) {
    std::fprintf(stderr, "[kept] %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path};
  out << text;
}

namespace {

/// The inodes of the sockets process `pid` holds ("socket:[N]" links).
std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code ec;
  auto fds = "/proc/" + std::to_string(pid) + "/fd";
  for (auto& fd : std::filesystem::directory_iterator{fds, ec}) {
    auto target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0)
      inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

struct tcp_entry {
  std::string local, remote, inode;
  size_t rx_queue = 0;
};

/// The rows of /proc/net/tcp and tcp6 (addresses as the kernel writes
/// them, queues parsed from hex).
std::vector<tcp_entry> tcp_entries() {
  std::vector<tcp_entry> rows;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in{read_file(table)};
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
      std::istringstream f{line};
      std::string sl, st, queues, timer, retr, uid, timeout;
      tcp_entry e;
      f >> sl >> e.local >> e.remote >> st >> queues >> timer >> retr >> uid
        >> timeout >> e.inode;
      auto colon = queues.find(':');
      if (!f || colon == std::string::npos)
        continue;
      e.rx_queue = std::stoul(queues.substr(colon + 1), nullptr, 16);
      rows.push_back(std::move(e));
    }
  }
  return rows;
}

} // namespace

size_t unread_bytes_sent_by(pid_t pid) {
  auto mine = socket_inodes(pid);
  auto rows = tcp_entries();
  std::map<std::pair<std::string, std::string>, size_t> rx; // local, remote
  for (auto& e : rows)
    rx[{e.local, e.remote}] = e.rx_queue;
  size_t unread = 0;
  for (auto& e : rows)
    if (mine.count(e.inode))
      if (auto peer = rx.find({e.remote, e.local}); peer != rx.end())
        unread += peer->second;
  return unread;
}

} // namespace tether::test
