// Shared helpers of the end-to-end tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/support/clients.hpp"
#include "tests/support/device_auth.hpp"
#include "tests/support/tetherd.hpp"

namespace tether::test {

inline boost::json::value json_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec)
    return nullptr;
  return v;
}

inline std::string str_at(const boost::json::value& v, const char* key) {
  if (!v.is_object())
    return {};
  auto* f = v.as_object().if_contains(key);
  if (f == nullptr || !f->is_string())
    return {};
  return std::string{f->as_string()};
}

inline std::string error_code_of(const http_result& r) {
  auto v = json_of(r.body);
  if (!v.is_object() || !v.as_object().contains("error"))
    return {};
  return str_at(v.as_object().at("error"), "code");
}

inline std::string error_message_of(const http_result& r) {
  auto v = json_of(r.body);
  if (!v.is_object() || !v.as_object().contains("error"))
    return {};
  return str_at(v.as_object().at("error"), "message");
}

/// The key of the enrollment group "default" of `d` (its DATA/secrets).
inline std::string enrollment_key(const tetherd_process& d) {
  return enrollment_key(d.dir() + "/data");
}

/// Registers a terminal and returns the answer: signed as the device of the
/// body's terminal_id (a body without one goes unsigned).
inline http_result register_terminal(const tetherd_process& d,
                                     const std::string& body) {
  auto id = str_at(json_of(body), "terminal_id");
  if (id.empty())
    return http_call(d.http(), "POST", "/v1/terminals/register", body);
  return device_call(d.http(), enrollment_key(d), id, "POST",
                     "/v1/terminals/register", body);
}

/// GET /v1/terminals/{id}/destination, signed as device `id`.
inline http_result destination_of(const std::string& http,
                                  const std::string& key,
                                  const std::string& id) {
  return device_call(http, key, id, "GET",
                     "/v1/terminals/" + id + "/destination");
}
inline http_result destination_of(const tetherd_process& d,
                                  const std::string& id) {
  return destination_of(d.http(), enrollment_key(d), id);
}

/// The first cluster URL of a registration (or destination) answer, with
/// the terminal id and its connect token.
inline std::string connect_url(const http_result& registration) {
  auto v = json_of(registration.body);
  auto id = str_at(v, "terminal_id");
  auto& urls = v.as_object().at("cluster_urls").as_array();
  auto url = std::string{urls.at(0).as_string()} + "?terminal_id=" + id;
  if (auto token = str_at(v, "token"); !token.empty())
    url += "&token=" + token;
  return url;
}

/// `balancer_url` for device `id` with a fresh connect token (from its
/// destination) — for a device that connects to a balancer of its choice.
inline std::string device_url(const tetherd_process& d,
                              const std::string& balancer_url,
                              const std::string& id) {
  auto token = str_at(json_of(destination_of(d, id).body), "token");
  return balancer_url + "?terminal_id=" + id + "&token=" + token;
}

/// Registers device `id` in `region` and opens its WebSocket; the hello is
/// not read. Null (with the failure recorded) if either step fails.
inline std::unique_ptr<ws_client> connect_device(const tetherd_process& d,
                                                 const std::string& id,
                                                 const std::string& region) {
  auto reg = register_terminal(d, R"({"terminal_id":")" + id + R"(","region":")"
                                    + region + R"("})");
  EXPECT_EQ(reg.status, 200) << reg.body;
  if (reg.status != 200)
    return nullptr;
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  EXPECT_TRUE(ws) << id << ": " << error;
  return ws;
}

/// Reads frames until one of type `type` arrives (answering pings).
inline boost::json::value next_of_type(ws_client& ws, const std::string& type,
                                       std::chrono::milliseconds timeout
                                       = std::chrono::seconds{5}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto f = ws.next(left);
    if (!f)
      break;
    auto v = json_of(*f);
    auto t = str_at(v, "type");
    if (t == type)
      return v;
    if (t == "ping")
      ws.send_text(
        R"({"type":"pong","seq":)"
        + std::to_string(v.as_object().at("seq").to_number<uint64_t>()) + "}");
  }
  return nullptr;
}

/// One cluster as GET /v1/admin/clusters lists it (null if not listed).
inline boost::json::value cluster_view(const std::string& http,
                                       const std::string& id) {
  auto cs = json_of(
    http_call(http, "GET", "/v1/admin/clusters", {}, std::chrono::seconds{2})
      .body);
  if (cs.is_object())
    for (auto& c : cs.at("clusters").as_array())
      if (str_at(c, "cluster_id") == id)
        return c;
  return nullptr;
}

/// Every byte of every file under `dir` (the store's WAL and tables), for
/// checks that a secret or a deleted record is nowhere on disk.
inline std::string all_bytes_under(const std::string& dir) {
  std::string out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) {
      std::ifstream in{e.path(), std::ios::binary};
      std::ostringstream s;
      s << in.rdbuf();
      out += s.str();
    }
  return out;
}

/// Pushes one print job to each device `prefix`0..count-1 (each answered
/// 202); returns the job ids.
inline std::vector<std::string> push_one_job_each(const std::string& http,
                                                  const std::string& prefix,
                                                  int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    auto r = http_call(
      http, "POST", "/v1/terminals/" + prefix + std::to_string(i) + "/jobs",
      R"({"service":"print","payload":{"n":)" + std::to_string(i) + "}}");
    EXPECT_EQ(r.status, 202) << r.body;
    auto id = str_at(json_of(r.body), "job_id");
    if (!id.empty())
      ids.push_back(id);
  }
  return ids;
}

/// Whether every job of `ids` is `done` (GET /v1/jobs/{id}).
inline bool all_done(const std::string& http,
                     const std::vector<std::string>& ids) {
  for (const auto& id : ids)
    if (str_at(json_of(http_call(http, "GET", "/v1/jobs/" + id, {},
                                 std::chrono::seconds{2})
                         .body),
               "status")
        != "done")
      return false;
  return true;
}

/// The connections of every cluster together (GET /v1/admin/clusters).
inline int connected(const tetherd_process& d) {
  int n = 0;
  auto v = json_of(http_call(d.http(), "GET", "/v1/admin/clusters").body);
  if (v.is_object())
    for (auto& c : v.at("clusters").as_array())
      n += c.at("connections").to_number<int>();
  return n;
}

/// A terminal's GE class (`label.disconnect_group`), empty if none.
inline std::string disconnect_group_of(const tetherd_process& d,
                                       const std::string& id) {
  auto t = json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body);
  if (!t.is_object() || !t.as_object().contains("label"))
    return {};
  return str_at(t.at("label"), "disconnect_group");
}

} // namespace tether::test
