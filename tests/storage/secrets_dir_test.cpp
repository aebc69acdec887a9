// secrets_dir: created owner-only, a secret created once and read back the
// same on every later start, refusals that name the problem.
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "storage/secrets_dir.hpp"
#include "tests/storage/record_checks.hpp"

namespace tether::storage {
namespace {

TEST(SecretsDir, CreatedOwnerOnlyAndSecretsStayTheSame) {
  temp_dir data;
  secrets_dir dir{data.path()};
  std::string error;
  ASSERT_TRUE(dir.open(error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  bool created = false;
  auto first = dir.read_or_create("enrollment/default", 32, created, error);
  ASSERT_TRUE(first) << error;
  EXPECT_TRUE(created);
  EXPECT_EQ(first->size(), 64u);
  ASSERT_EQ(::stat((dir.path() + "/enrollment/default").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = dir.read_or_create("enrollment/default", 32, created, error);
  ASSERT_TRUE(again) << error;
  EXPECT_FALSE(created);
  EXPECT_EQ(*again, *first);
  EXPECT_NE(random_hex(16), random_hex(16));
}

TEST(SecretsDir, RefusesAFolderOthersMayRead) {
  temp_dir data;
  secrets_dir dir{data.path()};
  std::string error;
  ASSERT_TRUE(dir.open(error)) << error;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  EXPECT_FALSE(dir.open(error));
  EXPECT_NE(error.find("chmod 700"), std::string::npos) << error;
}

TEST(SecretsDir, AnEmptySecretFileIsAnError) {
  temp_dir data;
  secrets_dir dir{data.path()};
  std::string error;
  ASSERT_TRUE(dir.open(error)) << error;
  std::ofstream(dir.path() + "/admin-key") << "\n";
  bool created = false;
  EXPECT_FALSE(dir.read_or_create("admin-key", 32, created, error));
  EXPECT_NE(error.find("is empty"), std::string::npos) << error;
}

} // namespace
} // namespace tether::storage
