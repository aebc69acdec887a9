// A device certificate's names against the terminal id of a request.
#include <gtest/gtest.h>

#include "auth/device_certificate.hpp"

using namespace tether::auth;

TEST(device_certificate, a_name_equal_to_the_terminal_id_matches) {
  EXPECT_TRUE(certificate_names("T1", "T1"));
  EXPECT_TRUE(certificate_names("T1 T2 urn:x:T3", "T2"));
  EXPECT_TRUE(certificate_names("T1 T2 urn:x:T3", "urn:x:T3"));
  EXPECT_EQ(certificate_refusal("T0 T1", "T1"), "");
}

TEST(device_certificate, prefixes_parts_and_empty_names_do_not_match) {
  EXPECT_FALSE(certificate_names("", "T1"));
  EXPECT_FALSE(certificate_names("T1", ""));
  EXPECT_FALSE(certificate_names("T10", "T1"));
  EXPECT_FALSE(certificate_names("T1 T2", "T1 T2"));
  EXPECT_FALSE(certificate_names("xT1", "T1"));
  EXPECT_FALSE(certificate_names("urn:x:T1", "T1"));
}

TEST(device_certificate, a_refusal_names_both_sides) {
  auto why = certificate_refusal("T2", "T1");
  EXPECT_NE(why.find("names T2"), std::string::npos) << why;
  EXPECT_NE(why.find("not terminal T1"), std::string::npos) << why;
}
