// bind_problem: a listener that could not bind says why and what to do
// (found by a new user: a busy caf_port said only "tcp socket creation
// failed").
#include "net/port_hint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

/// A listening socket on 127.0.0.1, port chosen by the OS.
struct listener {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~listener() { ::close(fd); }
};

TEST(PortHint, ABusyPortNamesItselfAndWhatToDo) {
  listener busy;
  auto why = tether::net::bind_problem("127.0.0.1", busy.port);
  EXPECT_NE(why.find("port " + std::to_string(busy.port) + " on 127.0.0.1"),
            std::string::npos)
    << why;
  EXPECT_NE(why.find("in use by another process"), std::string::npos) << why;
  EXPECT_NE(why.find("another port"), std::string::npos) << why;
}

TEST(PortHint, AFreePortHasNoProblem) {
  uint16_t port = 0;
  {
    listener was; // bound, then closed: free again
    port = was.port;
  }
  EXPECT_EQ(tether::net::bind_problem("127.0.0.1", port), "");
  // A host name is not tried (nothing to say).
  EXPECT_EQ(tether::net::bind_problem("example.invalid", port), "");
}

TEST(PortHint, AnAddressOfAnotherMachine) {
  // TEST-NET-1 (RFC 5737): never an address of this machine.
  auto why = tether::net::bind_problem("192.0.2.1", 17000);
  EXPECT_NE(why.find("not an address of this machine"), std::string::npos)
    << why;
}

} // namespace
