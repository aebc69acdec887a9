// Helpers shared by the tests of stored records (tests/storage/store_test.cpp,
// the store actor's and the messages' tests under tests/actors/, the wire
// test under tests/net/): a scratch directory, sample records with every
// field set, and field-by-field comparisons of the stored record types, so a
// field added to a record is checked everywhere once it is added here.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "storage/records.hpp"

namespace tether::storage {

/// A fresh directory under /tmp, removed with everything in it afterwards.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = "/tmp/tether-store-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// -- sample values (every field set, none at its default) ---------------------

inline terminal_record sample_terminal() {
  terminal_record t;
  t.terminal_id = "T1";
  t.cluster_id = "C1";
  t.model = "GJ1";
  t.firmware = "1.4.2";
  t.region = "GG1";
  t.attributes = {{"service", "print"}, {"plan", "paid"}};
  t.users = {"u1", "u2"};
  t.registered_at_ms = 1'763'897'008'123;
  t.token_generation = 3;
  t.revoked = true;
  t.services = {"print", "scan"};
  return t;
}

inline job_record sample_job() {
  job_record j;
  j.job_id = "J0000000000000007";
  j.terminal_id = "T1";
  j.service = "print";
  j.payload_json = R"({"doc":"x"})";
  j.status = "failed";
  j.detail = "paper jam";
  j.callback_url = "http://127.0.0.1:9/cb";
  j.ttl_s = 3600;
  j.created_at_ms = 1'763'897'008'000;
  j.updated_at_ms = 1'763'897'009'000;
  j.delivered_at_ms = 1'763'897'008'100;
  j.acked_at_ms = 1'763'897'008'200;
  j.finished_at_ms = 1'763'897'009'000;
  j.deliveries = 3;
  j.callback_pending = true;
  return j;
}

inline api_history sample_history() {
  api_history h;
  h.terminal_id = "T1";
  h.calls = 12;
  h.errors = 5;
  h.window_start_ms = 1'763'897'000'000;
  h.window_calls = 4;
  h.window_errors = 2;
  h.previous_calls = 7;
  h.previous_errors = 3;
  h.window_prints = 6;
  h.previous_prints = 9;
  h.window_jobs = 11;
  h.previous_jobs = 13;
  return h;
}

// -- field-by-field comparison ------------------------------------------------

inline void expect_same(const terminal_record& a, const terminal_record& b) {
  EXPECT_EQ(a.terminal_id, b.terminal_id);
  EXPECT_EQ(a.cluster_id, b.cluster_id);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.firmware, b.firmware);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.users, b.users);
  EXPECT_EQ(a.registered_at_ms, b.registered_at_ms);
  EXPECT_EQ(a.token_generation, b.token_generation);
  EXPECT_EQ(a.revoked, b.revoked);
  EXPECT_EQ(a.services, b.services);
}

inline void expect_same(const job_record& a, const job_record& b) {
  EXPECT_EQ(a.job_id, b.job_id);
  EXPECT_EQ(a.terminal_id, b.terminal_id);
  EXPECT_EQ(a.service, b.service);
  EXPECT_EQ(a.payload_json, b.payload_json);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.detail, b.detail);
  EXPECT_EQ(a.callback_url, b.callback_url);
  EXPECT_EQ(a.ttl_s, b.ttl_s);
  EXPECT_EQ(a.created_at_ms, b.created_at_ms);
  EXPECT_EQ(a.updated_at_ms, b.updated_at_ms);
  EXPECT_EQ(a.delivered_at_ms, b.delivered_at_ms);
  EXPECT_EQ(a.acked_at_ms, b.acked_at_ms);
  EXPECT_EQ(a.finished_at_ms, b.finished_at_ms);
  EXPECT_EQ(a.deliveries, b.deliveries);
  EXPECT_EQ(a.callback_pending, b.callback_pending);
  EXPECT_EQ(a.callback_outcome, b.callback_outcome);
  EXPECT_EQ(a.callback_attempts, b.callback_attempts);
}

inline void expect_same(const api_history& a, const api_history& b) {
  EXPECT_EQ(a.terminal_id, b.terminal_id);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.window_start_ms, b.window_start_ms);
  EXPECT_EQ(a.window_calls, b.window_calls);
  EXPECT_EQ(a.window_errors, b.window_errors);
  EXPECT_EQ(a.previous_calls, b.previous_calls);
  EXPECT_EQ(a.previous_errors, b.previous_errors);
  EXPECT_EQ(a.window_prints, b.window_prints);
  EXPECT_EQ(a.previous_prints, b.previous_prints);
  EXPECT_EQ(a.window_jobs, b.window_jobs);
  EXPECT_EQ(a.previous_jobs, b.previous_jobs);
}

inline void expect_same(const disconnect_event& a, const disconnect_event& b) {
  EXPECT_EQ(a.at_ms, b.at_ms);
  EXPECT_EQ(a.terminal_id, b.terminal_id);
  EXPECT_EQ(a.address, b.address);
}

inline void expect_same(const api_key_record& a, const api_key_record& b) {
  EXPECT_EQ(a.key_id, b.key_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.scopes, b.scopes);
  EXPECT_EQ(a.created_at_ms, b.created_at_ms);
  EXPECT_EQ(a.hash, b.hash);
}

} // namespace tether::storage
