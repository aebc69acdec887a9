// A client of one GET /v1/admin/events stream for the e2e tests: plain
// sockets (not the library the server uses), every read bounded by a
// deadline.
#pragma once

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace tether::test {

/// A client of one event stream: plain sockets, every read bounded by a
/// deadline.
class event_reader {
public:
  /// `headers`: more header lines ("Last-Event-ID: x\r\n"); `method`
  /// GET or HEAD.
  event_reader(const std::string& host_port, const std::string& key,
               const std::string& headers = {},
               const std::string& method = "GET") {
    auto colon = host_port.rfind(':');
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* ai = nullptr;
    if (getaddrinfo(host_port.substr(0, colon).c_str(),
                    host_port.substr(colon + 1).c_str(), &hints, &ai)
        != 0)
      return;
    fd_ = socket(ai->ai_family, SOCK_STREAM, 0);
    if (connect(fd_, ai->ai_addr, ai->ai_addrlen) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(ai);
    std::string req = method + " /v1/admin/events HTTP/1.1\r\nHost: "
                    + host_port + "\r\nAccept: text/event-stream\r\n" + headers;
    if (!key.empty())
      req += "Authorization: Bearer " + key + "\r\n";
    req += "\r\n";
    if (fd_ >= 0 && ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) < 0)
      close();
  }
  ~event_reader() { close(); }
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  /// Reads until `text` appears after `from` (true) or the timeout passes
  /// or the server closes (false).
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout,
                size_t from = 0) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received.find(text, from) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (fd_ < 0 || left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_by_server = true;
        return received.find(text, from) != std::string::npos;
      }
      received.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  std::string received;
  bool closed_by_server = false;

private:
  int fd_ = -1;
};

} // namespace tether::test
