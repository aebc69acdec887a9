// Abuse limits (issue 11, item 7), each answered before any control lookup:
// 2,000 slow-header sockets are closed at the header timeout and 2,000
// stalled upgrades at the handshake timeout while others are served, a connect
// flood from one source address gets 503 + Retry-After there only, a terminal
// id that reconnects too often is banned (429), registrations per source
// address are rate limited (429). Loopback has the whole of 127/8, so the tests
// connect from several source addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// A TCP connection from `source` to "host:port" (a ws:// or http:// URL's
/// authority); -1 on failure.
int connect_from(const std::string& source, const std::string& host_port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  auto colon = host_port.rfind(':');
  ::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &to.sin_addr);
  to.sin_port
    = htons(static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0
      || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Sends `request` from `source` and returns the answer's head ("" if none).
std::string exchange_from(const std::string& source,
                          const std::string& host_port,
                          const std::string& request) {
  int fd = connect_from(source, host_port);
  if (fd < 0)
    return {};
  std::string got;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL)
      == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return got.substr(0, got.find("\r\n\r\n"));
}

/// "127.0.0.1:port" of a ws:// URL.
std::string authority(const std::string& url) {
  auto start = url.find("//") + 2;
  return url.substr(start, url.find('/', start) - start);
}

/// A WebSocket upgrade for `id` from `source`: the answer's head.
std::string upgrade_from(const std::string& source, const std::string& url,
                         const std::string& id, const std::string& token = {}) {
  return exchange_from(
    source, authority(url),
    "GET /v1/connect?terminal_id=" + id
      + (token.empty() ? "" : "&token=" + token)
      + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n");
}

/// Waits until the server has closed every socket of `fds` or `until`
/// passes; closes the ones it saw closed (they are set to -1) and returns
/// how many that were, in all calls.
int wait_all_closed(std::vector<int>& fds,
                    std::chrono::steady_clock::time_point until) {
  auto closed = [&] {
    return static_cast<int>(std::count(fds.begin(), fds.end(), -1));
  };
  while (closed() < static_cast<int>(fds.size())
         && std::chrono::steady_clock::now() < until) {
    std::vector<pollfd> open;
    for (int fd : fds)
      if (fd >= 0)
        open.push_back({fd, POLLIN, 0});
    ::poll(open.data(), open.size(), 200);
    for (auto& p : open) {
      char c;
      if (p.revents != 0 && ::recv(p.fd, &c, 1, MSG_DONTWAIT) <= 0) {
        *std::find(fds.begin(), fds.end(), p.fd) = -1;
        ::close(p.fd);
      }
    }
  }
  return closed();
}

int status_of(const std::string& head) {
  return head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
}

/// Retry-After of an answer's head, 0 when none.
int retry_after_of(const std::string& head) {
  auto at = head.find("Retry-After: ");
  return at == std::string::npos ? 0 : std::atoi(head.c_str() + at + 13);
}

class abuse_limits : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new tetherd_process(
      test_topology()
      + "\n[limits]\nhttp_header_timeout = \"1s\"\nws_accept_rate = 0.5\n"
        "ws_accept_burst = 5\nws_max_pending = 4096\nregister_rate = 0.5\nregister_burst = 3\n");
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static std::string balancer() { return server->balancers().at("C1-b1"); }
  static tetherd_process* server;
};

tetherd_process* abuse_limits::server = nullptr;

TEST_F(abuse_limits, SlowHeaderSocketsAreClosedAtTheDeadline) {
  constexpr int count = 2000;
  std::vector<int> slow;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    int fd = connect_from("127.0.0.1", server->http());
    ASSERT_GE(fd, 0) << i;
    std::string part = "GET /healthz HTTP/1.1\r\nHost: x\r\n"; // never ends
    ::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  // Another client is answered meanwhile.
  EXPECT_EQ(http_call(server->http(), "GET", "/healthz", {}, 2s).status, 200);
  // Every slow socket is closed by the server at about the deadline (1 s).
  EXPECT_EQ(wait_all_closed(slow, start + 15s), count);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 15s);
  EXPECT_EQ(http_call(server->http(), "GET", "/healthz").status, 200);
}

TEST_F(abuse_limits, StalledUpgradesAreClosedAtTheDeadlineWhileDevicesConnect) {
  // 2,000 sockets at a balancer that never finish their upgrade request
  // (half send part of the head, half nothing), each from its own address
  // so that no accept bucket refuses them: they are pending handshakes
  // (ws_max_pending = 4096 here) until the handshake timeout (10 s).
  constexpr int count = 2000;
  std::vector<int> stalled;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    auto source
      = "127.3." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    int fd = connect_from(source, authority(balancer()));
    ASSERT_GE(fd, 0) << source;
    if (i % 2 == 0) {
      std::string part = "GET /v1/connect?terminal_id=AL-stall HTTP/1.1\r\n"
                         "Host: x\r\nUpgrade: websocket\r\n";
      ::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    }
    stalled.push_back(fd);
  }
  // A device registers and connects meanwhile, and gets its hello.
  auto ws = connect_device(*server, "AL-patient", "GG1");
  ASSERT_TRUE(ws);
  EXPECT_TRUE(next_of_type(*ws, "hello").is_object());
  // None of the stalled sockets is closed long before the deadline ...
  EXPECT_EQ(wait_all_closed(stalled, start + 7s), 0);
  // ... and every one is closed at it.
  EXPECT_EQ(wait_all_closed(stalled, start + 25s), count);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 25s);
  // The device's connection is undisturbed, and the balancer serves.
  EXPECT_FALSE(ws->closed());
  EXPECT_EQ(status_of(upgrade_from("127.0.0.9", balancer(), "AL-after")), 401);
}

TEST_F(abuse_limits, AConnectFloodFromOneAddressGets503ThereOnly) {
  std::vector<int> statuses;
  std::string refused;
  for (int i = 0; i < 20; ++i) {
    auto head
      = upgrade_from("127.0.0.2", balancer(), "AL-flood-" + std::to_string(i));
    statuses.push_back(status_of(head));
    if (status_of(head) == 503)
      refused = head;
  }
  // The burst (5) passes (to the token check: without a connect token
  // they get 401), the rest of the flood is refused before that (a slow run
  // may earn a token or two at 0.5/s).
  auto passed = std::count(statuses.begin(), statuses.end(), 401);
  EXPECT_GE(passed, 5);
  EXPECT_LE(passed, 7);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 503), 20 - passed);
  EXPECT_GE(retry_after_of(refused), 1) << refused;
  // Another source address is unaffected.
  EXPECT_EQ(status_of(upgrade_from("127.0.0.3", balancer(), "AL-flood-x")),
            401);
}

TEST_F(abuse_limits, AnIdThatReconnectsTooOftenIsBanned) {
  std::vector<int> statuses;
  std::string banned;
  // 20 connects of one device (with its valid connect token: only a device
  // that proves its identity counts towards its ban) within a minute, each
  // from its own address (no accept bucket involved): the 16th and later
  // are refused 429.
  auto reg = register_terminal(
    *server, R"({"terminal_id":"AL-flapper","region":"GG1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto token = str_at(json_of(reg.body), "token");
  for (int i = 0; i < 20; ++i) {
    auto head = upgrade_from("127.0.1." + std::to_string(i + 1), balancer(),
                             "AL-flapper", token);
    statuses.push_back(status_of(head));
    if (status_of(head) == 429)
      banned = head;
  }
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 101), 15);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), 5);
  EXPECT_GE(retry_after_of(banned), 290) << banned;
  EXPECT_NE(server->log().find("terminal AL-flapper banned"),
            std::string::npos);
  std::ifstream audit_file{server->dir() + "/data/audit.log"};
  std::string audit{std::istreambuf_iterator<char>{audit_file}, {}};
  EXPECT_NE(
    audit.find(
      R"("event":"terminal.banned","terminal_id":"AL-flapper","source":"127.0.1.16")"),
    std::string::npos)
    << audit;
  // Another terminal connects as usual.
  auto ws = connect_device(*server, "AL-steady", "GG1");
  ASSERT_TRUE(ws);
  EXPECT_TRUE(next_of_type(*ws, "hello").is_object());
}

TEST_F(abuse_limits, RegistrationsPerSourceAddressAreRateLimited) {
  std::string body = R"({"terminal_id":"AL-reg","region":"GG1"})";
  std::string request = "POST /v1/terminals/register HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: application/json\r\nContent-Length: "
                      + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<int> statuses;
  std::string limited;
  for (int i = 0; i < 10; ++i) {
    auto head = exchange_from("127.0.0.6", server->http(), request);
    statuses.push_back(status_of(head));
    if (status_of(head) == 429)
      limited = head;
  }
  // Those let through reach the route, which refuses them for want of a
  // device proof (401); the rest are refused before (429).
  auto passed = std::count(statuses.begin(), statuses.end(), 401);
  EXPECT_GE(passed, 3); // the burst, and a token or two in a slow run
  EXPECT_LE(passed, 5);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), 10 - passed);
  EXPECT_GE(retry_after_of(limited), 1) << limited;
  EXPECT_EQ(status_of(exchange_from("127.0.0.7", server->http(), request)),
            401);
}

} // namespace

namespace {

// The per-balancer accept rate of all sources together ([limits]
// ws_total_accept_rate): a flood spread over many addresses, each under its
// own bucket, is refused 503 once the listener's bucket is empty.
TEST(abuse_limits_total, AFloodFromManyAddressesHitsTheTotalAcceptRate) {
  tetherd_process server(test_topology()
                         + "\n[limits]\nws_total_accept_rate = 0.5\n"
                           "ws_total_accept_burst = 4\n");
  server.start();
  auto balancer = server.balancers().at("C1-b1");
  std::vector<int> statuses;
  std::string refused;
  for (int i = 0; i < 12; ++i) {
    auto head = upgrade_from("127.0.2." + std::to_string(i + 1), balancer,
                             "AT-" + std::to_string(i));
    statuses.push_back(status_of(head));
    if (status_of(head) == 503)
      refused = head;
  }
  // The burst (4) reaches the token check (401 without a token); a slow
  // run may earn a token or two at 0.5/s.
  auto passed = std::count(statuses.begin(), statuses.end(), 401);
  EXPECT_GE(passed, 4);
  EXPECT_LE(passed, 6);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 503), 12 - passed);
  EXPECT_GE(retry_after_of(refused), 1) << refused;
  // The process keeps serving.
  EXPECT_EQ(http_call(server.http(), "GET", "/healthz").status, 200);
}

// Over ws_max_pending a balancer answers a new socket at once with a fixed
// 503 and a jittered Retry-After (net/full_refusal.hpp) instead of closing
// it silently, and keeps serving once the stalled handshakes are gone.
TEST(abuse_limits_pending, OverThePendingCapASocketGets503WithRetryAfter) {
  tetherd_process server(test_topology() + "\n[limits]\nws_max_pending = 4\n");
  server.start();
  auto balancer = server.balancers().at("C1-b1");
  std::vector<int> stalled;
  for (int i = 0; i < 4; ++i) { // connected, never a byte: pending
    int fd = connect_from("127.0.0.1", authority(balancer));
    ASSERT_GE(fd, 0);
    stalled.push_back(fd);
  }
  std::this_thread::sleep_for(200ms); // accepted before the next one
  auto head = upgrade_from("127.0.3.1", balancer, "AP-1");
  EXPECT_EQ(status_of(head), 503) << head;
  EXPECT_GE(retry_after_of(head), 1) << head; // 1 s, jittered to 1-2 s
  EXPECT_LE(retry_after_of(head), 2) << head;
  for (int fd : stalled)
    ::close(fd);
  // The cap frees as the stalled sockets go: the next upgrade reaches the
  // token check (401 without a token).
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (status != 401 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    status = status_of(upgrade_from("127.0.3.2", balancer, "AP-2"));
  }
  EXPECT_EQ(status, 401);
}

} // namespace
