// The autoscale command runner (actors/cluster_manager/autoscale_command.hpp):
// arguments reach the program as they are (no shell), exit codes and
// signals are reported, a missing program is an error, and a command that
// outlives its timeout is killed (with its process group).
#include "actors/cluster_manager/autoscale_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace tether {
namespace {

using namespace std::chrono_literals;

std::string temp_dir() {
  auto dir = std::filesystem::temp_directory_path()
           / ("tether-autoscale-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AutoscaleCommand, ArgumentsArePassedAsTheyAreWithoutAShell) {
  auto dir = temp_dir();
  auto out = dir + "/args";
  auto marker = dir + "/injected";
  std::filesystem::remove(marker);
  // printf writes each argument on its own line; a shell would have run
  // the `touch` hidden in the third one.
  auto r = run_autoscale_command(
    {"/bin/sh", "-c", "printf '%s\\n' \"$@\" > \"$0\"", out, "C1",
     "a b; touch " + marker, "$(touch " + marker + ")"},
    10s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_all(out),
            "C1\na b; touch " + marker + "\n$(touch " + marker + ")\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_NE(r.describe().find("exited 0 in"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(AutoscaleCommand, ReportsExitCodesSignalsAndMissingPrograms) {
  auto r = run_autoscale_command({"/bin/sh", "-c", "exit 3"}, 10s);
  ASSERT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.describe().find("exited 3"), std::string::npos);
  r = run_autoscale_command({"/bin/sh", "-c", "kill -TERM $$"}, 10s);
  ASSERT_TRUE(r.started);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_NE(r.describe().find("ended by signal"), std::string::npos);
  r = run_autoscale_command({"/nonexistent/tether-add-node", "C1"}, 10s);
  // posix_spawnp reports a missing program either way: as a spawn error,
  // or (glibc) as exit code 127 of the child.
  EXPECT_TRUE(!r.started || r.exit_code == 127) << r.describe();
  r = run_autoscale_command({}, 10s);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.describe().find("could not start"), std::string::npos);
}

TEST(AutoscaleCommand, IsKilledAfterItsTimeout) {
  auto r = run_autoscale_command({"/bin/sleep", "30"}, 200ms);
  ASSERT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_GE(r.took, 200ms);
  EXPECT_LT(r.took, 10s);
  EXPECT_NE(r.describe().find("timeout"), std::string::npos);
}

} // namespace
} // namespace tether
