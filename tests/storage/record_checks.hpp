// Helpers shared by the tests of stored records (tests/storage/store_test.cpp,
// the store actor's and the messages' tests under tests/actors/, the wire
// test under tests/net/): a scratch directory, sample records with every
// field set, and one field-by-field comparison (expect_same) of any record
// or message struct, which compares a field added to a record everywhere
// without being told.
#pragma once

#include <concepts>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <boost/core/demangle.hpp>
#include <boost/pfr.hpp>
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
  j.callback_outcome = "accepted";
  j.callback_attempts = 2;
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
  h.pages = 41;
  h.connects = 4;
  h.disconnects = 3;
  h.keepalive_failures = 1;
  h.last_seen_ms = 1'763'897'010'000;
  h.disconnect_class = "ge-1763897000";
  h.failure_class = "gf-1763897000";
  return h;
}

// -- field-by-field comparison ------------------------------------------------

template <class T>
void expect_same(const T& a, const T& b);

namespace detail {

template <class T>
concept equality_comparable = requires(const T& x) {
  { x == x } -> std::convertible_to<bool>;
};

// Vectors and maps of what has no == (their own == is declared for any
// element, so it would not compile).
template <class T>
struct is_sequence : std::false_type {};
template <class T, class A>
struct is_sequence<std::vector<T, A>>
    : std::bool_constant<!equality_comparable<T>> {};

template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>>
    : std::bool_constant<!equality_comparable<V>> {};

template <class T, size_t... I>
void expect_same_fields(const T& a, const T& b, std::index_sequence<I...>) {
  auto fa = boost::pfr::structure_tie(a);
  auto fb = boost::pfr::structure_tie(b);
  auto one = [&]<size_t N>(std::integral_constant<size_t, N>) {
    SCOPED_TRACE("field " + std::to_string(N) + " of "
                 + boost::core::demangle(typeid(T).name()));
    expect_same(std::get<N>(fa), std::get<N>(fb));
  };
  (one(std::integral_constant<size_t, I>{}), ...);
}

} // namespace detail

/// Compares two values field by field: a struct (an aggregate, whatever its
/// fields) by each of its fields in order (Boost.PFR), so a field added to
/// a record or a message is compared without being named here; vectors
/// and maps element by element; anything else with ==. A failure names
/// the field's position and its struct, with the values.
template <class T>
void expect_same(const T& a, const T& b) {
  if constexpr (detail::is_sequence<T>::value) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      SCOPED_TRACE("element " + std::to_string(i));
      expect_same(a[i], b[i]);
    }
  } else if constexpr (detail::is_map<T>::value) {
    ASSERT_EQ(a.size(), b.size());
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      EXPECT_EQ(i->first, j->first);
      expect_same(i->second, j->second);
    }
  } else if constexpr (std::is_aggregate_v<
                         T> && !detail::equality_comparable<T>) {
    detail::expect_same_fields(
      a, b, std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
  } else {
    EXPECT_EQ(a, b);
  }
}

/// Every field of a sample struct differs from a default-made one (so a
/// round trip of the sample checks every field); names the ones that do not.
template <class T>
void expect_every_field_set(const T& sample) {
  const T made{};
  auto set = boost::pfr::structure_tie(sample);
  auto unset = boost::pfr::structure_tie(made);
  auto one = [&]<size_t I>(std::integral_constant<size_t, I>) {
    EXPECT_FALSE(std::get<I>(set) == std::get<I>(unset))
      << "field " << I << " of " << boost::core::demangle(typeid(T).name())
      << " is at its default";
  };
  [&]<size_t... I>(std::index_sequence<I...>) {
    (one(std::integral_constant<size_t, I>{}), ...);
  }
  (std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
}

} // namespace tether::storage
