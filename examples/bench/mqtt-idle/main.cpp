// mqtt-idle: holds N idle MQTT 3.1.1 clients on one broker, for the
// side-by-side comparison with tetherd (examples/bench/compare-mosquitto.sh).
//
// The same design as the device simulator (examples/tether-terminal): one
// thread, one io_context, every client a few asynchronous operations, the
// connections spread over loopback source addresses, all started at once.
// At most --max-pending handshakes run at once (a new client starts when
// one gets its CONNACK), so that the rate measured is the broker's, not the
// kernel's SYN retransmission timers behind a full listen backlog.
// Each client connects, sends CONNECT (clean session, the given keepalive),
// waits for CONNACK, then sends PINGREQ every keepalive period and expects
// PINGRESP. It prints one line when every client is connected
// ("connected N of N in S s"), then a line whenever a client is lost, and
// runs until SIGINT/SIGTERM or --duration-s.
//
//   mqtt-idle --port P [--host 127.0.0.1] [--count N] [--keepalive-s 30]
//             [--source-addrs 127.0.0.2-127.0.0.21] [--duration-s 0]
//             [--max-pending 256]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int count = 1000;
  int keepalive_s = 30;
  int duration_s = 0;
  int max_pending = 256; // handshakes under way at once
  std::vector<asio::ip::address_v4> sources;
};

/// "A.B.C.D-A.B.C.E": every address of the range (same first three parts).
std::vector<asio::ip::address_v4> parse_range(const std::string& text) {
  std::vector<asio::ip::address_v4> out;
  auto dash = text.find('-');
  auto first = asio::ip::make_address_v4(text.substr(0, dash));
  auto last = dash == std::string::npos
              ? first
              : asio::ip::make_address_v4(text.substr(dash + 1));
  for (auto a = first.to_uint(); a <= last.to_uint() && out.size() < 256; ++a)
    out.push_back(asio::ip::address_v4{a});
  return out;
}

std::optional<options> parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host")
      o.host = v;
    else if (k == "--port")
      o.port = static_cast<uint16_t>(std::atoi(v.c_str()));
    else if (k == "--count")
      o.count = std::atoi(v.c_str());
    else if (k == "--keepalive-s")
      o.keepalive_s = std::atoi(v.c_str());
    else if (k == "--duration-s")
      o.duration_s = std::atoi(v.c_str());
    else if (k == "--max-pending")
      o.max_pending = std::atoi(v.c_str());
    else if (k == "--source-addrs")
      o.sources = parse_range(v);
    else
      return std::nullopt;
  }
  if (o.port == 0 || o.count <= 0 || o.keepalive_s <= 0 || o.max_pending <= 0)
    return std::nullopt;
  return o;
}

/// The MQTT 3.1.1 CONNECT packet: clean session, no will, no credentials.
std::string connect_packet(const std::string& client_id, int keepalive_s) {
  std::string var{"\x00\x04MQTT\x04\x02", 8};
  var.push_back(static_cast<char>((keepalive_s >> 8) & 0xff));
  var.push_back(static_cast<char>(keepalive_s & 0xff));
  var.push_back(static_cast<char>((client_id.size() >> 8) & 0xff));
  var.push_back(static_cast<char>(client_id.size() & 0xff));
  var += client_id;
  std::string out{"\x10", 1};
  auto len = var.size(); // < 128 for the ids used here: one length byte
  out.push_back(static_cast<char>(len));
  return out + var;
}

struct fleet;

/// One client: connect, CONNECT/CONNACK, then PINGREQ/PINGRESP forever.
class client : public std::enable_shared_from_this<client> {
public:
  client(fleet& f, int index)
      : f_(f), index_(index), socket_(io()), timer_(io()) {}
  void start();

private:
  asio::io_context& io();
  void on_connected(boost::system::error_code ec);
  void read_packet();
  void on_packet(boost::system::error_code ec);
  void ping_later();
  void lost(const char* what, boost::system::error_code ec);

  fleet& f_;
  int index_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string out_;
  std::array<uint8_t, 4> in_{};
  bool acked_ = false;
};

struct fleet {
  asio::io_context io;
  options opt;
  int connected = 0;
  int lost = 0;
  int pings = 0;
  clock_type::time_point started = clock_type::now();
  bool reported = false;
  std::vector<std::shared_ptr<client>> clients;

  /// Starts the next client, if any are left.
  void start_next() {
    if (clients.size() >= static_cast<size_t>(opt.count))
      return;
    clients.push_back(
      std::make_shared<client>(*this, static_cast<int>(clients.size())));
    clients.back()->start();
  }
};

asio::io_context& client::io() {
  return f_.io;
}

void client::start() {
  boost::system::error_code ec;
  socket_.open(tcp::v4(), ec);
  if (!f_.opt.sources.empty() && !ec)
    socket_.bind({f_.opt.sources[index_ % f_.opt.sources.size()], 0}, ec);
  if (ec)
    return lost("open", ec);
  tcp::endpoint to{asio::ip::make_address(f_.opt.host), f_.opt.port};
  socket_.async_connect(
    to, [self = shared_from_this()](auto ec) { self->on_connected(ec); });
}

void client::on_connected(boost::system::error_code ec) {
  if (ec)
    return lost("connect", ec);
  char id[32];
  std::snprintf(id, sizeof(id), "idle-%07d", index_);
  out_ = connect_packet(id, f_.opt.keepalive_s);
  asio::async_write(socket_, asio::buffer(out_),
                    [self = shared_from_this()](auto ec, size_t) {
                      if (ec)
                        self->lost("write", ec);
                    });
  read_packet();
}

/// CONNACK (4 bytes) first, then PINGRESP (2 bytes) each time.
void client::read_packet() {
  size_t n = acked_ ? 2 : 4;
  asio::async_read(
    socket_, asio::buffer(in_.data(), n),
    [self = shared_from_this()](auto ec, size_t) { self->on_packet(ec); });
}

void client::on_packet(boost::system::error_code ec) {
  if (ec)
    return lost("read", ec);
  if (!acked_) {
    if (in_[0] != 0x20 || in_[3] != 0x00)
      return lost("CONNACK refused", {});
    acked_ = true;
    f_.start_next(); // this handshake is done: the next one may start
    if (++f_.connected == f_.opt.count && !f_.reported) {
      f_.reported = true;
      std::chrono::duration<double> took = clock_type::now() - f_.started;
      std::printf("connected %d of %d in %.3f s\n", f_.connected, f_.opt.count,
                  took.count());
      std::fflush(stdout);
    }
    ping_later();
  } else if (in_[0] == 0xd0) {
    ++f_.pings;
  }
  read_packet();
}

void client::ping_later() {
  timer_.expires_after(std::chrono::seconds{f_.opt.keepalive_s});
  timer_.async_wait([self = shared_from_this()](auto ec) {
    if (ec)
      return;
    static const std::string ping{"\xc0\x00", 2};
    asio::async_write(self->socket_, asio::buffer(ping),
                      [self](auto ec, size_t) {
                        if (ec)
                          self->lost("ping", ec);
                      });
    self->ping_later();
  });
}

void client::lost(const char* what, boost::system::error_code ec) {
  if (!socket_.is_open())
    return;
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  if (acked_)
    --f_.connected;
  else
    f_.start_next(); // a failed handshake frees its place too
  ++f_.lost;
  std::printf("client %d lost (%s: %s); %d connected\n", index_, what,
              ec.message().c_str(), f_.connected);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  if (!opt) {
    std::fprintf(stderr,
                 "usage: mqtt-idle --port P [--host H] [--count N] "
                 "[--keepalive-s S] [--source-addrs A-B] [--duration-s S] "
                 "[--max-pending N]\n");
    return 2;
  }
  fleet f;
  f.opt = *opt;
  asio::signal_set signals{f.io, SIGINT, SIGTERM};
  signals.async_wait([&f](auto, int) { f.io.stop(); });
  asio::steady_timer duration{f.io};
  if (f.opt.duration_s > 0) {
    duration.expires_after(std::chrono::seconds{f.opt.duration_s});
    duration.async_wait([&f](auto ec) {
      if (!ec)
        f.io.stop();
    });
  }
  f.clients.reserve(static_cast<size_t>(f.opt.count));
  for (int i = 0; i < std::min(f.opt.count, f.opt.max_pending); ++i)
    f.start_next();
  f.io.run();
  std::printf("stopped: %d connected, %d lost, %d pings answered\n",
              f.connected, f.lost, f.pings);
  return 0;
}
