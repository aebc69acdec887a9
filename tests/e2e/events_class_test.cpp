// GET /v1/admin/events and quality classes (issue 13, the live dashboard)
// against a real tetherd: a GE class formed by a simultaneous disconnection
// of simulated devices shows on the stream (`event: class`, `formed`), and
// clearing it (DELETE /v1/admin/classes/{name}) shows as `cleared`.
#include "tests/e2e/event_checks.hpp"
#include "tests/e2e/quality_classes.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

TEST(AdminEvents, AClassFormedAndClearedShowsOnTheStream) {
  tetherd_process server{class_topology()};
  server.start();
  event_reader events{server.http(), server.admin_key()};
  ASSERT_TRUE(events.wait_for(": stream open\n\n", 10s)) << events.received;
  past_the_baseline(server, events, "S1");

  auto mark = events.received.size();
  const auto ge = form_class(server);
  ASSERT_EQ(ge.rfind("ge-", 0), 0u) << ge;
  auto head = "event: class\ndata: {\"name\":\"" + ge + "\",";
  for (const auto& part : {head + "\"kind\":\"disconnect\",\"members\":",
                           std::string{"\"change\":\"formed\"}"}})
    EXPECT_TRUE(events.wait_for(part, 10s, mark)) << events.received;

  mark = events.received.size();
  auto cleared = http_call(server.http(), "DELETE", "/v1/admin/classes/" + ge);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  auto gone = head + "\"members\":0,\"change\":\"cleared\"}";
  EXPECT_TRUE(events.wait_for(gone, 10s, mark)) << events.received;
}
