#include "tests/support/tetherd.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "tests/support/clients.hpp"

#ifndef TETHERD_PATH
#error "TETHERD_PATH must name the tetherd binary"
#endif

namespace tether::test {

tetherd_process::tetherd_process(std::string config_toml,
                                 std::vector<std::string> extra_args,
                                 bool fixed_ports)
    : extra_(std::move(extra_args)), fixed_ports_(fixed_ports) {
  if (!config_toml.empty()) {
    config_path_ = dir_.path() + "/topology.toml";
    write_file(config_path_, config_toml);
  }
}

tetherd_process::~tetherd_process() = default;

std::unique_ptr<tetherd_process>
tetherd_process::start_on_fixed_ports(const std::string& timers) {
  return started_retrying(
    [&] {
      auto http = free_port(), c1 = free_port(), c2 = free_port();
      return std::make_unique<tetherd_process>(
        test_topology_on(http, c1, c2, timers), std::vector<std::string>{},
        true);
    },
    [](tetherd_process& s) { s.start(); });
}

void tetherd_process::restart(int attempts) {
  auto wait = std::chrono::milliseconds{250};
  for (int attempt = 1;; ++attempt) {
    try {
      return start();
    } catch (const std::exception&) {
      if (attempt >= attempts)
        throw;
      std::this_thread::sleep_for(wait); // backoff before the next attempt
      wait *= 2;
    }
  }
}

void tetherd_process::start() {
  auto ready = dir_.path() + "/ready.json";
  std::filesystem::remove(ready);
  std::vector<std::string> argv{TETHERD_PATH,   "--data", dir_.path() + "/data",
                                "--ready-file", ready,    "--log-level",
                                "debug"};
  if (!fixed_ports_) {
    for (const char* arg : {"--http", "127.0.0.1:0", "--ws-base-port", "0"})
      argv.emplace_back(arg);
  }
  if (!config_path_.empty()) {
    argv.push_back("--config");
    argv.push_back(config_path_);
  }
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  proc_ = child_process::spawn(argv, dir_.path() + "/tetherd.log");
  bool up = eventually(
    [&] { return std::filesystem::exists(ready) || !proc_->running(); },
    std::chrono::seconds{20});
  if (!up || !std::filesystem::exists(ready))
    throw std::runtime_error("tetherd did not start:\n" + log());
  auto v = boost::json::parse(read_file(ready));
  http_ = std::string{v.at("http").as_string()};
  balancers_.clear();
  for (auto& [id, url] : v.at("balancers").as_object())
    balancers_[std::string{id}] = std::string{url.as_string()};
  admin_key_ = admin_key_in(dir_.path() + "/data");
  if (!admin_key_.empty()) {
    set_default_api_key(admin_key_);
    set_api_key_for(http_, admin_key_);
  }
}

std::string admin_key_in(const std::string& data_dir) {
  auto path = data_dir + "/secrets/admin-key";
  if (!std::filesystem::exists(path))
    return {};
  auto key = read_file(path);
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r'))
    key.pop_back();
  return key;
}

void tetherd_process::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds{10});
}

void tetherd_process::terminate() {
  proc_->signal(SIGTERM);
  proc_->wait(std::chrono::seconds{10});
}

std::string tetherd_process::log() const {
  return read_file(dir_.path() + "/tetherd.log");
}

namespace {

/// The lowest port of the kernel's ephemeral range (client sockets).
uint16_t ephemeral_low() {
  std::ifstream in{"/proc/sys/net/ipv4/ip_local_port_range"};
  unsigned low = 32768;
  in >> low;
  return static_cast<uint16_t>(low);
}

/// True if nothing holds `port` on 127.0.0.1 (not even in TIME_WAIT).
bool bindable(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

} // namespace

uint16_t free_port() {
  // Below the ephemeral range: a port inside it can be taken between this
  // check and the server's bind by any client socket of a test running
  // alongside, and stays taken for as long as that connection lives. Each
  // test process walks the range from its own random start, so two
  // processes rarely meet.
  static std::mutex mutex;
  static const uint16_t low = 10000;
  static const uint16_t high = ephemeral_low();
  static uint32_t next = std::random_device{}();
  std::lock_guard guard{mutex};
  if (high > low + 1000) {
    for (int tries = 0; tries < 2000; ++tries) {
      auto port = static_cast<uint16_t>(low + next++ % (high - low));
      if (bindable(port))
        return port;
    }
  }
  // A machine whose ephemeral range starts low: let the OS choose.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string test_topology_on(uint16_t http, uint16_t c1, uint16_t c2,
                             const std::string& timers) {
  return topology_builder{}.timers(timers).ports(http, c1, c2).toml();
}

std::string test_topology(const std::string& timers) {
  return topology_builder{}.timers(timers).toml();
}

tetherd_run run_tetherd(const std::vector<std::string>& args) {
  temp_dir dir;
  std::vector<std::string> argv{TETHERD_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  auto log = dir.path() + "/out.log";
  auto p = child_process::spawn(argv, log);
  tetherd_run out;
  if (auto st = p->wait(std::chrono::seconds{20}))
    out.status = *st;
  out.output = read_file(log);
  return out;
}

} // namespace tether::test
