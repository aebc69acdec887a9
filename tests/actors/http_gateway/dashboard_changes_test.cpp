// http_gateway/dashboard_changes: what the event stream reports between
// two readings of the dashboard's views.
#include "actors/http_gateway/dashboard_changes.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

cluster_status cluster(const std::string& state, uint32_t sessions) {
  cluster_status c;
  c.cluster_id = "C1";
  c.state = "active";
  c.connections = sessions;
  node_status n;
  n.node_id = "C1-n1";
  n.state = state;
  n.sessions = sessions;
  c.nodes.push_back(n);
  return c;
}

job_record job(const std::string& id, const std::string& status) {
  job_record j;
  j.job_id = id;
  j.terminal_id = "T1";
  j.service = "print";
  j.status = status;
  return j;
}

quality_class klass(const std::string& name, uint64_t members) {
  quality_class c;
  c.name = name;
  c.kind = "disconnect";
  c.members = members;
  return c;
}

TEST(DashboardChanges, FirstReadingIsTheBaseline) {
  dashboard_changes d;
  EXPECT_TRUE(d.clusters({cluster("active", 1)}).empty());
  EXPECT_TRUE(d.jobs({job("J1", "queued")}).empty());
  EXPECT_TRUE(d.classes({klass("ge-1", 3)}).empty());
}

TEST(DashboardChanges, ReportsNodeAndClusterChangesOnly) {
  dashboard_changes d;
  d.clusters({cluster("active", 1)});
  EXPECT_TRUE(d.clusters({cluster("active", 1)}).empty());
  auto cpu = cluster("active", 1);
  cpu.nodes[0].cpu = 42; // not reported: it changes every reading
  EXPECT_TRUE(d.clusters({cpu}).empty());
  auto e = d.clusters({cluster("draining", 2)});
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].first, "cluster");
  EXPECT_EQ(e[0].second, R"({"id":"C1","state":"active","weight":1,)"
                         R"("connections":2,"assigned":0,"nodes":1})");
  EXPECT_EQ(e[1].first, "node");
  EXPECT_EQ(e[1].second, R"({"id":"C1-n1","cluster":"C1","state":"draining",)"
                         R"("sessions":2,"capacity":1,"weight":1})");
}

TEST(DashboardChanges, ReportsNewJobsAndStatusChanges) {
  dashboard_changes d;
  d.jobs({job("J1", "queued")});
  auto e = d.jobs({job("J2", "queued"), job("J1", "done")});
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].second, R"({"id":"J2","terminal":"T1","service":"print",)"
                         R"("status":"queued"})");
  EXPECT_EQ(e[1].second, R"({"id":"J1","terminal":"T1","service":"print",)"
                         R"("status":"done"})");
  EXPECT_TRUE(d.jobs({job("J2", "queued"), job("J1", "done")}).empty());
}

TEST(DashboardChanges, ReportsClassesFormedChangedAndCleared) {
  dashboard_changes d;
  d.classes({klass("ge-1", 3)});
  auto e = d.classes({klass("ge-1", 4), klass("GG7", 2)});
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].second, R"({"name":"ge-1","kind":"disconnect","members":4,)"
                         R"("change":"members"})");
  EXPECT_EQ(e[1].second, R"({"name":"GG7","kind":"disconnect","members":2,)"
                         R"("change":"formed"})");
  auto gone = d.classes({klass("GG7", 2)});
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].second,
            R"({"name":"ge-1","members":0,"change":"cleared"})");
}

} // namespace
} // namespace tether
