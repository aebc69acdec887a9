// source_address: a connection's source IP kept in 24 bytes gives back the
// text it was made from.
#include "net/source_address.hpp"

#include <gtest/gtest.h>

namespace tether::net {
namespace {

TEST(SourceAddress, GivesBackTheTextItWasMadeFrom) {
  for (const char* text :
       {"127.0.0.2", "10.255.0.1", "0.0.0.0", "255.255.255.255", "::1",
        "2001:db8::1", "fe80::1%lo", "2001:db8:0:1:2:3:4:5"})
    EXPECT_EQ(source_address{text}.str(), text) << text;
}

TEST(SourceAddress, UnknownOrNotAnAddressIsEmpty) {
  EXPECT_EQ(source_address{""}.str(), "");
  EXPECT_EQ(source_address{"not an address"}.str(), "");
  EXPECT_EQ(source_address{"127.0.0.300"}.str(), "");
}

TEST(SourceAddress, SmallerThanTheText) {
  EXPECT_LE(sizeof(source_address), 24u);
  EXPECT_LT(sizeof(source_address), sizeof(std::string));
}

} // namespace
} // namespace tether::net
