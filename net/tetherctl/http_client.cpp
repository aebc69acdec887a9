#include "net/tetherctl/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tether::ctl {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string parse_server_url(const std::string& text, server_url& out) {
  auto sep = text.find("://");
  if (sep == std::string::npos)
    return "server URL \"" + text + "\" must start with http://";
  out.scheme = text.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https")
    return "server URL \"" + text + "\": scheme must be http or https";
  auto rest = text.substr(sep + 3);
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.find('/') != std::string::npos)
    return "server URL \"" + text + "\" must not have a path";
  auto colon = rest.rfind(':');
  bool bracketed = !rest.empty() && rest.front() == '[';
  if (colon != std::string::npos && (!bracketed || rest[colon - 1] == ']')) {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
  } else {
    out.host = rest;
    out.port = out.scheme == "https" ? "443" : "80";
  }
  if (bracketed && out.host.size() > 2 && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty() || out.port.empty()
      || out.port.find_first_not_of("0123456789") != std::string::npos)
    return "server URL \"" + text + "\" needs a host and a numeric port";
  return {};
}

namespace {

/// Plain HTTP/1.1, a fresh connection per request, every step within the
/// timeout.
class plain_transport : public transport {
public:
  plain_transport(server_url url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), timeout_(timeout) {}

  http_answer send(const std::string& method, const std::string& target,
                   const std::string& body,
                   const std::string& authorization) override {
    http_answer out;
    boost::asio::io_context ioc;
    tcp::resolver resolver{ioc};
    beast::tcp_stream stream{ioc};
    beast::error_code ec;
    auto where = url_.host + ":" + url_.port;
    auto addrs = resolver.resolve(url_.host, url_.port, ec);
    if (ec) {
      out.error = "cannot resolve " + url_.host + ": " + ec.message();
      return out;
    }
    stream.expires_after(timeout_);
    stream.connect(addrs, ec);
    if (ec) {
      out.error = "cannot connect to " + where + ": " + ec.message();
      return out;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target,
                                         11};
    req.set(http::field::host, where);
    req.set(http::field::user_agent, "tetherctl");
    if (!authorization.empty())
      req.set(http::field::authorization, authorization);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req, ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (!ec)
      http::read(stream, buffer, parser, ec);
    if (ec) {
      out.error = "no answer from " + where + ": " + ec.message();
      return out;
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.body = std::move(parser.get().body());
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
  }

private:
  server_url url_;
  std::chrono::milliseconds timeout_;
};

} // namespace

std::unique_ptr<transport> make_transport(const server_url& url,
                                          std::chrono::milliseconds timeout,
                                          std::string& error) {
  if (url.scheme == "http")
    return std::make_unique<plain_transport>(url, timeout);
  // The seam for TLS: an https transport (boost::asio::ssl::stream over the
  // same steps, verifying the server's certificate) goes here.
  error = "https:// is not supported by this tetherctl yet; use http://";
  return nullptr;
}

} // namespace tether::ctl
