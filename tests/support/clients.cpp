#include "tests/support/clients.hpp"

#include <deque>
#include <map>
#include <mutex>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace tether::test {

namespace {

std::pair<std::string, std::string> split_host_port(const std::string& hp) {
  auto colon = hp.rfind(':');
  return {hp.substr(0, colon), hp.substr(colon + 1)};
}

} // namespace

namespace {
std::string& default_key() {
  static std::string key;
  return key;
}
std::mutex keys_mtx;
std::map<std::string, std::string>& keys_by_address() {
  static std::map<std::string, std::string> keys;
  return keys;
}
} // namespace

void set_api_key_for(const std::string& host_port, std::string key) {
  std::lock_guard guard{keys_mtx};
  keys_by_address()[host_port] = std::move(key);
}

void set_default_api_key(std::string key) {
  std::lock_guard guard{keys_mtx};
  default_key() = std::move(key);
}

const std::string& default_api_key() {
  return default_key();
}

http_result http_call(const std::string& host_port, const std::string& method,
                      const std::string& target, const std::string& body,
                      std::chrono::milliseconds timeout) {
  std::string key;
  {
    std::lock_guard guard{keys_mtx};
    auto i = keys_by_address().find(host_port);
    key = i != keys_by_address().end() ? i->second : default_key();
  }
  return http_call_auth(host_port, key.empty() ? "" : "Bearer " + key, method,
                        target, body, timeout);
}

http_result http_call_auth(const std::string& host_port,
                           const std::string& authorization,
                           const std::string& method, const std::string& target,
                           const std::string& body,
                           std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> headers;
  if (!authorization.empty())
    headers["Authorization"] = authorization;
  return http_call_with(host_port, method, target, body, headers, timeout);
}

http_result http_call_with(const std::string& host_port,
                           const std::string& method, const std::string& target,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers,
                           std::chrono::milliseconds timeout) {
  http_result out;
  asio::io_context io;
  beast::tcp_stream stream{io};
  auto [host, port] = split_host_port(host_port);
  tcp::resolver resolver{io};
  beast::error_code ec;
  auto eps = resolver.resolve(host, port, ec);
  if (ec)
    return out;
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, host_port);
  req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  stream.expires_after(timeout);
  stream.async_connect(eps, [&](beast::error_code e, auto) {
    if (e)
      return;
    http::async_write(stream, req, [&](beast::error_code e2, size_t) {
      if (e2)
        return;
      http::async_read(stream, buf, parser, [&](beast::error_code e3, size_t) {
        if (e3)
          return;
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        out.body = res.body();
        for (auto& f : res)
          out.headers[std::string{f.name_string()}] = std::string{f.value()};
      });
    });
  });
  io.run();
  return out;
}

std::string raw_exchange(const std::string& host_port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream{io};
  auto [host, port] = split_host_port(host_port);
  tcp::resolver resolver{io};
  beast::error_code ec;
  auto eps = resolver.resolve(host, port, ec);
  std::string out;
  std::array<char, 4096> chunk;
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk),
                           [&](beast::error_code e, size_t n) {
                             out.append(chunk.data(), n);
                             if (!e)
                               read_more();
                           });
  };
  stream.expires_after(timeout);
  stream.async_connect(eps, [&](beast::error_code e, auto) {
    if (e)
      return;
    asio::async_write(stream, asio::buffer(bytes),
                      [&](beast::error_code e2, size_t) {
                        if (!e2)
                          read_more();
                      });
  });
  io.run();
  return out;
}

namespace {

class beast_ws_client : public ws_client {
public:
  beast_ws_client() : ws_(io_) {}

  bool open(const std::string& url, int& http_status, std::string& error) {
    // ws://host:port/path?query
    if (url.rfind("ws://", 0) != 0) {
      error = "not a ws:// URL";
      return false;
    }
    auto rest = url.substr(5);
    auto slash = rest.find('/');
    auto host_port = rest.substr(0, slash);
    auto target = slash == std::string::npos ? "/" : rest.substr(slash);
    auto [host, port] = split_host_port(host_port);
    tcp::resolver resolver{io_};
    beast::error_code ec;
    auto eps = resolver.resolve(host, port, ec);
    if (!ec)
      asio::connect(beast::get_lowest_layer(ws_), eps, ec);
    if (ec) {
      error = ec.message();
      return false;
    }
    websocket::response_type res;
    ws_.handshake(res, host_port, target, ec);
    http_status = static_cast<int>(res.result_int());
    if (ec) {
      error = ec.message() + ": " + res.body();
      return false;
    }
    do_read();
    return true;
  }

  bool send_text(const std::string& text) override {
    beast::error_code ec;
    ws_.text(true);
    ws_.write(asio::buffer(text), ec);
    return !ec;
  }

  bool send_binary(const std::string& bytes) override {
    beast::error_code ec;
    ws_.binary(true);
    ws_.write(asio::buffer(bytes), ec);
    return !ec;
  }

  std::optional<std::string> next(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (frames_.empty() && !closed_) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds{0})
        break;
      io_.restart();
      io_.run_one_for(left);
    }
    if (frames_.empty())
      return std::nullopt;
    auto f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }

  bool closed() const override { return closed_; }
  int close_code() const override { return close_code_; }
  std::string close_reason() const override { return close_reason_; }

  bool wait_closed(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds{0})
        return false;
      io_.restart();
      io_.run_one_for(left);
    }
    return true;
  }

  void close() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).close(ec);
  }

private:
  void do_read() {
    ws_.async_read(buf_, [this](beast::error_code ec, size_t) {
      if (ec) {
        closed_ = true;
        close_code_ = ws_.reason().code;
        close_reason_ = std::string{ws_.reason().reason.c_str()};
        return;
      }
      frames_.push_back(beast::buffers_to_string(buf_.data()));
      buf_.consume(buf_.size());
      do_read();
    });
  }

  asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buf_;
  std::deque<std::string> frames_;
  bool closed_ = false;
  int close_code_ = 0;
  std::string close_reason_;
};

} // namespace

std::unique_ptr<ws_client> ws_client::connect(const std::string& url,
                                              int& http_status,
                                              std::string& error) {
  auto c = std::make_unique<beast_ws_client>();
  if (!c->open(url, http_status, error))
    return nullptr;
  return c;
}

} // namespace tether::test
