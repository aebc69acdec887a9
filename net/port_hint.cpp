#include "net/port_hint.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tether::net {

namespace {

/// Binds a TCP socket to the literal address `host` (v4 or v6) and `port`
/// with SO_REUSEADDR, as CAF does; returns errno (0: it could), or -1 when
/// `host` is not a literal address.
int try_bind(const std::string& host, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return -1;
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int err = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0
             && ::listen(fd, 1) == 0
            ? 0
            : errno;
  ::close(fd);
  return err;
}

} // namespace

std::string bind_problem(const std::string& host, uint16_t port) {
  auto where = "port " + std::to_string(port) + " on " + host;
  int err = try_bind(host == "localhost" ? "127.0.0.1" : host, port);
  switch (err) {
  case 0:
  case -1:
    return {};
  case EADDRINUSE:
    return where
         + " is in use by another process (a tetherd of this topology still "
           "running? `ss -ltnp 'sport = :"
         + std::to_string(port)
         + "'` names it): stop that process, or give this one another port "
           "in the topology";
  case EACCES:
    return where
         + " needs privileges (ports below 1024): use a port above 1023, "
           "or see the README on binding low ports";
  case EADDRNOTAVAIL:
    return host
         + " is not an address of this machine: use one of its addresses "
           "(or 127.0.0.1) in the topology";
  default:
    return where + ": " + std::strerror(err);
  }
}

} // namespace tether::net
