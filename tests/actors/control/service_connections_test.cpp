// Services at the control (docs/API.md, item 8 of issue 14): a push for a
// service the terminal does not serve is refused (409) before anything is
// stored, and the connection ids per service a session greeted its device
// with are kept for the terminal's current session only.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/control/control.hpp"
#include "actors/control/terminal_table.hpp"
#include "actors/policy/services.hpp"
#include "actors/system/errors.hpp"
#include "tests/actors/control/test_jobs.hpp"
#include "tests/actors/support/session_handles.hpp"

namespace tether {
namespace {

using test::push_request;

TEST(ServicePush, AnUnservedServiceIsAConflictNamingIt) {
  control_state st;
  st.terminals.entries["T1"].record.registered = true; // no list: print
  auto scanner = st.terminals.entries["T2"];
  scanner.record.registered = true;
  scanner.record.services = {"scan", "fax"};
  st.terminals.entries["T2"] = scanner;
  EXPECT_TRUE(st.accept_job(push_request("T1", "print"), 0));
  for (auto [terminal, service] :
       std::vector<std::pair<const char*, const char*>>{
         {"T1", "scan"}, {"T2", "print"}, {"T2", "copy"}}) {
    auto job = st.accept_job(push_request(terminal, service), 0);
    ASSERT_FALSE(job) << terminal << " " << service;
    auto v = view(job.error());
    EXPECT_EQ(v.code, errc::conflict);
    EXPECT_NE(v.message.find(std::string{"\""} + service + "\""),
              std::string::npos)
      << v.message;
  }
  EXPECT_TRUE(st.accept_job(push_request("T2", "scan"), 0));
  EXPECT_TRUE(st.accept_job(push_request("T2", "fax"), 0));
  // Only the accepted ones are queued: nothing of a refused push is kept.
  EXPECT_EQ(st.jobs.open_jobs["T1"].size(), 1u);
  EXPECT_EQ(st.jobs.open_jobs["T2"].size(), 2u);
}

/// Two distinct session handles (session_handles, declared first: the
/// table lets go of its handles before the actors stop).
class ServiceConnections : public ::testing::Test {
protected:
  ServiceConnections() { st.entries["T1"].record.registered = true; }

  /// A session's key (`n` != 0) and the ids the table must derive from it
  /// for the services print and scan.
  static services::connection_key key(uint64_t n) { return {n, ~n}; }
  static std::vector<std::string> names() { return {"print", "scan"}; }
  static std::map<std::string, std::string> ids(uint64_t n) {
    return services::connection_ids(key(n), names());
  }
  bool said(const std::string& terminal, const terminal_session_actor& s,
            uint64_t n) {
    return st.on_service_connections(terminal, s, key(n), names());
  }

  actor_test::session_handles sessions;
  terminal_session_actor s1 = sessions[0];
  terminal_session_actor s2 = sessions[1];
  terminal_table st;
};

TEST_F(ServiceConnections, ShownWhileConnectedOnly) {
  st.on_open("T1", "C1-n1", s1, 100);
  EXPECT_TRUE(said("T1", s1, 1));
  auto& t = st.entries.at("T1");
  EXPECT_EQ(st.status_of("T1", t, 200).service_connections, ids(1));
  st.on_closed("T1", "connection closed", s1, 300);
  EXPECT_TRUE(st.status_of("T1", t, 400).service_connections.empty());
}

TEST_F(ServiceConnections, OnlyTheCurrentSessionsIdsAreKept) {
  // Not connected, or not the current session: ignored.
  EXPECT_FALSE(said("T1", s1, 1));
  EXPECT_FALSE(said("T9", s1, 1));
  st.on_open("T1", "C1-n1", s1, 100);
  EXPECT_TRUE(said("T1", s1, 1));
  // A new connection: its session's ids replace the old ones, and until
  // it says them none are shown (never the old socket's).
  st.on_open("T1", "C1-n2", s2, 150);
  EXPECT_TRUE(
    st.status_of("T1", st.entries.at("T1"), 160).service_connections.empty());
  EXPECT_FALSE(said("T1", s1, 1)); // stale
  EXPECT_TRUE(said("T1", s2, 2));
  EXPECT_EQ(st.status_of("T1", st.entries.at("T1"), 170).service_connections,
            ids(2));
  // The old session's close changes nothing.
  st.on_closed("T1", "replaced by a newer connection", s1, 180);
  EXPECT_EQ(st.status_of("T1", st.entries.at("T1"), 190).service_connections,
            ids(2));
}

// The control keeps the key and derives the ids when asked: they are the
// ones the session greeted its device with (session_spec, `hello`), for the
// declared services or, with none declared, the default list.
TEST_F(ServiceConnections, DerivedFromTheKeyAsTheSessionDerivesThem) {
  session_spec spec;
  spec.service_key = services::new_connection_key();
  st.on_open("T1", "C1-n1", s1, 100);
  ASSERT_TRUE(st.on_service_connections("T1", s1, spec.service_key, {}));
  auto shown = st.status_of("T1", st.entries.at("T1"), 110).service_connections;
  EXPECT_EQ(shown, spec.service_connections());
  ASSERT_EQ(shown.size(), 1u); // the default list: print
  EXPECT_EQ(shown.at("print"),
            services::connection_id(spec.service_key, "print"));
  EXPECT_EQ(shown.at("print").size(), 33u); // "s" + 32 hex digits
  spec.service_names = {"scan", "fax"};
  ASSERT_TRUE(
    st.on_service_connections("T1", s1, spec.service_key, spec.service_names));
  shown = st.status_of("T1", st.entries.at("T1"), 120).service_connections;
  EXPECT_EQ(shown, spec.service_connections());
  EXPECT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown.count("print"), 0u);
  // An empty key (a session without ids) shows none.
  ASSERT_TRUE(st.on_service_connections("T1", s1, {}, spec.service_names));
  EXPECT_TRUE(
    st.status_of("T1", st.entries.at("T1"), 130).service_connections.empty());
}

} // namespace
} // namespace tether
